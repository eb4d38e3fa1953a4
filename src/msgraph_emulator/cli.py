"""`python -m msgraph_emulator` (and `openelements emulator`): serve the emulator on uvicorn.

Defaults 127.0.0.1:8765; Graph at `/v1.0`, identity at `/{tenant}/oauth2/v2.0/...`, control
at `/_emulator`. Prints one line saying where it listens. Settings flags are the same knobs as
`PUT /_emulator/settings`.
"""

from __future__ import annotations

import argparse
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
    settings: dict[str, Any] = field(default_factory=dict)  # camelCase, as the control API


def build_settings(options: ServeOptions) -> EmulatorSettings:
    settings = EmulatorSettings()
    settings.update_from_json({**options.settings, "autoConsent": options.auto_consent})
    return settings


def listen_line(origin: str) -> str:
    return (
        f"msgraph emulator listening on {origin} "
        f"(Graph {origin}/v1.0, identity {origin}/{{tenant}}/oauth2/v2.0, "
        f"control {origin}/_emulator)"
    )


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


def _attach_state_file(emulator: Emulator, path: Path) -> None:
    """The state file belongs to `state_file.py`; it loads now and saves on changes."""
    try:
        module = importlib.import_module("msgraph_emulator.state_file")
    except ModuleNotFoundError as exc:
        raise SystemExit("msgraph emulator: --state is not available in this build") from exc
    module.attach(emulator, path)


def run(options: ServeOptions) -> None:
    """Serve until interrupted."""
    emulator = Emulator(settings=build_settings(options))
    sock = _bind(options.host, options.port)
    port = sock.getsockname()[1]
    scheme = "https" if options.ssl_certfile else "http"
    host = f"[{options.host}]" if ":" in options.host else options.host
    emulator.origin = f"{scheme}://{host}:{port}"
    if options.state_file is not None:
        _attach_state_file(emulator, options.state_file)
    config = uvicorn.Config(
        create_app(emulator=emulator),
        log_level="warning",
        ws="none",
        ssl_certfile=str(options.ssl_certfile) if options.ssl_certfile else None,
        ssl_keyfile=str(options.ssl_keyfile) if options.ssl_keyfile else None,
    )
    print(listen_line(emulator.origin), flush=True)
    uvicorn.Server(config).run(sockets=[sock])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="msgraph_emulator", description=__doc__)
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--auto-consent", action="store_true")
    parser.add_argument("--state", type=Path, metavar="FILE")
    parser.add_argument("--ssl-certfile", type=Path)
    parser.add_argument("--ssl-keyfile", type=Path)
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
