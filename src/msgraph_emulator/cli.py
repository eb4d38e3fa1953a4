"""`python -m msgraph_emulator` (and `openelements emulator`): serve the emulator on uvicorn.

Defaults 127.0.0.1:8765; Graph at `/v1.0`, identity at `/{tenant}/oauth2/v2.0/...`, control
at `/_emulator`. Prints one line saying where it listens. Settings flags are the same knobs as
`PUT /_emulator/settings`.

TLS: `--ssl-certfile/--ssl-keyfile` alone serve HTTPS on `--port`; with `--https-port` the same
emulator listens twice, HTTP on `--port` and HTTPS on `--https-port` (G40: the gateway and
the SDK on HTTP, msal on HTTPS). `--state FILE` is handled by `state_file.attach`.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import socket
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn

from msgraph_emulator.app import create_app
from msgraph_emulator.emulator import Emulator
from msgraph_emulator.settings import EmulatorSettings

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


@dataclass(frozen=True)
class ServeOptions:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    auto_consent: bool = False
    state_file: Path | None = None
    ssl_certfile: Path | None = None
    ssl_keyfile: Path | None = None
    https_port: int | None = None
    settings: dict[str, Any] = field(default_factory=dict)  # camelCase, as the control API


def build_settings(options: ServeOptions) -> EmulatorSettings:
    settings = EmulatorSettings()
    settings.update_from_json({**options.settings, "autoConsent": options.auto_consent})
    return settings


def listen_line(origin: str, tls_origin: str | None = None) -> str:
    both = f"{origin} and {tls_origin}" if tls_origin else origin
    return (
        f"msgraph emulator listening on {both} "
        f"(Graph {origin}/v1.0, identity {origin}/{{tenant}}/oauth2/v2.0, "
        f"control {origin}/_emulator)"
    )


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named explicitly: asyncio sets TCP_NODELAY only on sockets that say so, and
    # without it a keep-alive answer written in two parts waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    # Listening before the line is printed: a client that reads it can connect at once
    # (connections wait in the backlog until uvicorn accepts).
    sock.listen(2048)
    return sock


def _attach_state_file(emulator: Emulator, path: Path) -> None:
    """The state file belongs to `state_file.py`; it loads now and saves on changes."""
    try:
        module = importlib.import_module("msgraph_emulator.state_file")
    except ModuleNotFoundError as exc:
        raise SystemExit("msgraph emulator: --state is not available in this build") from exc
    module.attach(emulator, path)


@dataclass(frozen=True)
class Listener:
    sock: socket.socket
    tls: bool

    def origin(self, host: str) -> str:
        shown = f"[{host}]" if ":" in host else host
        return f"{'https' if self.tls else 'http'}://{shown}:{self.sock.getsockname()[1]}"


def _listeners(options: ServeOptions) -> list[Listener]:
    has_tls_files = options.ssl_certfile is not None and options.ssl_keyfile is not None
    if options.https_port is not None:
        if not has_tls_files:
            raise SystemExit(
                "msgraph emulator: --https-port needs --ssl-certfile and --ssl-keyfile"
            )
        return [
            Listener(_bind(options.host, options.port), tls=False),
            Listener(_bind(options.host, options.https_port), tls=True),
        ]
    return [Listener(_bind(options.host, options.port), tls=has_tls_files)]


def _server(emulator: Emulator, options: ServeOptions, *, tls: bool) -> uvicorn.Server:
    config = uvicorn.Config(
        create_app(emulator=emulator),
        log_level="warning",
        ws="none",
        ssl_certfile=str(options.ssl_certfile) if tls else None,
        ssl_keyfile=str(options.ssl_keyfile) if tls else None,
    )
    return uvicorn.Server(config)


async def _serve(servers: list[tuple[uvicorn.Server, socket.socket]]) -> None:
    """Every listener until one stops (a signal), then the others too."""
    tasks = [asyncio.create_task(server.serve(sockets=[sock])) for server, sock in servers]
    await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for server, _ in servers:
        server.should_exit = True
    await asyncio.gather(*tasks)


def run(options: ServeOptions) -> None:
    """Serve until interrupted."""
    emulator = Emulator(settings=build_settings(options))
    listeners = _listeners(options)
    emulator.origin = listeners[0].origin(options.host)
    if len(listeners) > 1:
        emulator.tls_origin = listeners[1].origin(options.host)
    if options.state_file is not None:
        _attach_state_file(emulator, options.state_file)
    servers = [(_server(emulator, options, tls=item.tls), item.sock) for item in listeners]
    print(listen_line(emulator.origin, emulator.tls_origin), flush=True)
    asyncio.run(_serve(servers))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="msgraph_emulator", description=__doc__)
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--auto-consent", action="store_true")
    parser.add_argument("--state", type=Path, metavar="FILE")
    parser.add_argument("--ssl-certfile", type=Path)
    parser.add_argument("--ssl-keyfile", type=Path)
    parser.add_argument("--https-port", type=int, help="also serve HTTPS on this port")
    parser.add_argument("--access-token-lifetime-seconds", type=int)
    parser.add_argument("--default-page-size", type=int)
    parser.add_argument("--throttle-concurrent-per-mailbox", type=int)
    parser.add_argument("--throttle-requests-per-window", type=int)
    parser.add_argument("--throttle-window-seconds", type=float)
    parser.add_argument("--notification-timeout-seconds", type=float)
    return parser


def options_from(args: argparse.Namespace) -> ServeOptions:
    throttle = {
        "concurrentPerMailbox": args.throttle_concurrent_per_mailbox,
        "requestsPerWindow": args.throttle_requests_per_window,
        "windowSeconds": args.throttle_window_seconds,
    }
    settings: dict[str, Any] = {
        "accessTokenLifetimeSeconds": args.access_token_lifetime_seconds,
        "defaultPageSize": args.default_page_size,
        "notificationTimeoutSeconds": args.notification_timeout_seconds,
        "throttle": {k: v for k, v in throttle.items() if v is not None},
    }
    return ServeOptions(
        host=args.host,
        port=args.port,
        auto_consent=args.auto_consent,
        state_file=args.state,
        ssl_certfile=args.ssl_certfile,
        ssl_keyfile=args.ssl_keyfile,
        https_port=args.https_port,
        settings={k: v for k, v in settings.items() if v not in (None, {})},
    )


def main(argv: Sequence[str] | None = None) -> int:
    options = options_from(build_parser().parse_args(argv))
    try:
        build_settings(options)
    except ValueError as exc:
        print(f"msgraph emulator: {exc}", file=sys.stderr)
        return 2
    run(options)
    return 0
