"""The emulator's pre-bound listening sockets (cli.py)."""

from __future__ import annotations

import socket

from msgraph_emulator import cli


def test_listening_socket_is_tcp_so_asyncio_disables_nagle_on_its_connections() -> None:
    # asyncio sets TCP_NODELAY only on sockets whose proto is IPPROTO_TCP; with proto 0 a
    # keep-alive answer written in two parts waited ~40 ms for the client's delayed ACK.
    sock = cli._bind("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
    finally:
        sock.close()
