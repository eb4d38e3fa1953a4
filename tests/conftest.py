"""Fixtures shared by the whole suite.

`database_url` runs a test once on SQLite and once on PostgreSQL. PostgreSQL comes from
OPENELEMENTS_TEST_POSTGRES_URL (scripts/test sets it); each test gets a database of its own,
created from that server and dropped afterwards. Without the variable the PostgreSQL case is
skipped, unless OPENELEMENTS_TEST_REQUIRE_POSTGRES=1 (CI), where a missing server is a failure.

`serve_asgi_on_loopback(app)` serves an ASGI app (the emulator, the gateway) with a real uvicorn
in a background thread on a free loopback port and returns its origin; servers stop at teardown.
`emulator_signing_key` is one RSA key for the whole run (generating one per test costs more than
most tests). `serve_consenting_emulator(...)` serves a Graph emulator that consents on its own,
with one registered app and one mailbox, as the gateway's integration tests need it.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, Literal, Protocol

import psycopg
import pytest
import uvicorn
from sqlalchemy.engine import URL, make_url

from msgraph_emulator.app import create_app as create_emulator_app
from msgraph_emulator.emulator import Emulator
from msgraph_emulator.identity.jwt import SigningKey
from openelements.kit.logging import configure_logging

POSTGRES_URL_ENV = "OPENELEMENTS_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_ENV = "OPENELEMENTS_TEST_REQUIRE_POSTGRES"
SERVER_START_SECONDS = 10.0


def _postgres_admin_url() -> str | None:
    url = os.environ.get(POSTGRES_URL_ENV)
    if url:
        return url
    if os.environ.get(REQUIRE_POSTGRES_ENV) == "1":
        pytest.fail(f"{POSTGRES_URL_ENV} is not set but PostgreSQL is required")
    return None


@pytest.fixture(autouse=True, scope="session")
def _structured_logs() -> None:
    """Log as production does (redacted JSON lines); pytest captures them per test."""
    configure_logging(level="INFO", log_format="json")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'openelements.db'}"


@pytest.fixture(scope="session")
def _migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from openelements import migrations

    path = tmp_path_factory.mktemp("migrated") / "template.db"
    migrations.upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
def migrated_sqlite_url(_migrated_sqlite_template: Path, tmp_path: Path) -> str:
    """A SQLite database at the head migration, as `openelements serve` leaves it (a copy of
    one migrated once per session, so it is cheap)."""
    path = tmp_path / "migrated.db"
    shutil.copyfile(_migrated_sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


def _admin_dsn() -> str:
    admin = _postgres_admin_url()
    assert admin is not None
    return make_url(admin).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def _postgres_database(prefix: str) -> Iterator[URL]:
    """A new, empty database on the test server, dropped when the block ends."""
    name = f"{prefix}_{secrets.token_hex(6)}"
    with psycopg.connect(_admin_dsn(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(str(_postgres_admin_url())).set(database=name)
    finally:
        with psycopg.connect(_admin_dsn(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_url() -> Iterator[str]:
    if _postgres_admin_url() is None:
        pytest.skip(f"{POSTGRES_URL_ENV} not set")
    with _postgres_database("oe_test") as url:
        yield url.render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """A fresh, empty database URL: the test runs once per backend."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(fixture))


@pytest.fixture(scope="session")
def _migrated_postgres_template() -> Iterator[str]:
    """One migrated PostgreSQL database per run, cloned (CREATE DATABASE … TEMPLATE) per test."""
    from openelements import migrations

    with _postgres_database("oe_template") as url:
        migrations.upgrade(url.render_as_string(hide_password=False))
        yield str(url.database)


@pytest.fixture
def migrated_database_url(database_url: str, request: pytest.FixtureRequest) -> str:
    """`database_url` at the head migration, as `openelements db upgrade` leaves it: a copy
    of a template migrated once per run (migrating each test's database cost ~1 s)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        assert url.database
        shutil.copyfile(request.getfixturevalue("_migrated_sqlite_template"), url.database)
        return database_url
    template = request.getfixturevalue("_migrated_postgres_template")
    with psycopg.connect(_admin_dsn(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{url.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{url.database}" TEMPLATE "{template}"')
    return database_url


class ServeOnLoopback(Protocol):
    def __call__(
        self,
        app: Any,
        *,
        lifespan: Literal["on", "off"] = "off",
        ssl_certfile: Path | None = None,
        ssl_keyfile: Path | None = None,
    ) -> str: ...


@pytest.fixture
def serve_asgi_on_loopback() -> Iterator[ServeOnLoopback]:
    """A factory: `serve_asgi_on_loopback(app)` → `http://127.0.0.1:<port>` (`https` with TLS
    files), served until the test's teardown."""
    with ExitStack() as servers:

        def serve(
            app: Any,
            *,
            lifespan: Literal["on", "off"] = "off",
            ssl_certfile: Path | None = None,
            ssl_keyfile: Path | None = None,
        ) -> str:
            config = uvicorn.Config(
                app,
                log_level="warning",
                lifespan=lifespan,
                ws="none",
                ssl_certfile=str(ssl_certfile) if ssl_certfile else None,
                ssl_keyfile=str(ssl_keyfile) if ssl_keyfile else None,
            )
            port = servers.enter_context(_served(uvicorn.Server(config)))
            return f"{'https' if ssl_certfile else 'http'}://127.0.0.1:{port}"

        yield serve


@contextmanager
def _served(server: uvicorn.Server) -> Iterator[int]:
    # IPPROTO_TCP named explicitly: asyncio sets TCP_NODELAY only on sockets that say so, and
    # without it keep-alive answers wait on Nagle + delayed ACK (~45 ms each).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.01)
        yield int(sock.getsockname()[1])
    finally:
        server.should_exit = True
        thread.join(timeout=SERVER_START_SECONDS)
        sock.close()


@pytest.fixture(scope="session")
def emulator_signing_key() -> SigningKey:
    """One RSA key for the whole run: generating one per test costs more than the test."""
    return SigningKey.generate()


class ServeConsentingEmulator(Protocol):
    def __call__(
        self, *, app_id: str, app_secret: str, callback: str, mailbox: str
    ) -> Emulator: ...


@pytest.fixture
def serve_consenting_emulator(
    emulator_signing_key: SigningKey, serve_asgi_on_loopback: ServeOnLoopback
) -> ServeConsentingEmulator:
    """A factory: an emulator with auto-consent (G33), the app `app_id` registered for
    `callback` and the user `mailbox` (password `pw`), served until teardown."""

    def serve(*, app_id: str, app_secret: str, callback: str, mailbox: str) -> Emulator:
        emulator = Emulator(signing_key=emulator_signing_key)
        emulator.settings.auto_consent = True
        emulator.register_app(client_id=app_id, client_secret=app_secret, redirect_uris=[callback])
        emulator.create_user(user_principal_name=mailbox, display_name="Dana Swope", password="pw")
        emulator.origin = serve_asgi_on_loopback(create_emulator_app(emulator=emulator))
        return emulator

    return serve
