"""Fixtures shared by the whole suite.

`database_url` runs a test once on SQLite and once on PostgreSQL. PostgreSQL comes from
OPENELEMENTS_TEST_POSTGRES_URL (scripts/test sets it); each test gets a database of its own,
created from that server and dropped afterwards. Without the variable the PostgreSQL case is
skipped, unless OPENELEMENTS_TEST_REQUIRE_POSTGRES=1 (CI), where a missing server is a failure.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from openelements.kit.logging import configure_logging

POSTGRES_URL_ENV = "OPENELEMENTS_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_ENV = "OPENELEMENTS_TEST_REQUIRE_POSTGRES"


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


@pytest.fixture
def postgres_url() -> Iterator[str]:
    admin = _postgres_admin_url()
    if admin is None:
        pytest.skip(f"{POSTGRES_URL_ENV} not set")
    url = make_url(admin)
    name = f"oe_test_{secrets.token_hex(6)}"
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """A fresh, empty database URL: the test runs once per backend."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(fixture))
