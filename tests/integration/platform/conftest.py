"""The real app on a real, migrated database (SQLite and PostgreSQL), with seeded tenants.

Password hashing runs at the cheapest argon2id cost (a dependency override); everything else
is the production wiring: `create_app`, its container, Alembic migrations, the services.
"""

from __future__ import annotations

import base64
import os
import secrets
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from platform_harness import CHEAP_HASHING, Tenant, create_tenant
from sqlalchemy.engine import URL, make_url

from openelements import migrations
from openelements.app import create_app
from openelements.kit.clock import ManualClock
from openelements.kit.crypto import generate_key
from openelements.platform.auth import password_hashing
from openelements.settings import Settings

POSTGRES_URL_ENV = "OPENELEMENTS_TEST_POSTGRES_URL"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        encryption_keys=f"k1:{generate_key()}",
        hmac_pepper=base64.b64encode(secrets.token_bytes(32)).decode(),
        key_file=tmp_path / "keys",
    )


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2025, 1, 10, 9, 30, tzinfo=UTC))


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file per run, copied for each test (PostgreSQL migrates each time)."""
    path = tmp_path_factory.mktemp("platform-template") / "template.db"
    migrations.upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def migrated_postgres_template() -> Iterator[str]:
    """One migrated PostgreSQL database per run, cloned (CREATE DATABASE ... TEMPLATE) per test."""
    admin = make_url(os.environ[POSTGRES_URL_ENV])
    name = f"oe_platform_template_{secrets.token_hex(4)}"
    dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        migrations.upgrade(admin.set(database=name).render_as_string(hide_password=False))
        yield name
    finally:
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def app(settings: Settings, clock: ManualClock, request: pytest.FixtureRequest) -> FastAPI:
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database:
        shutil.copyfile(request.getfixturevalue("migrated_sqlite_template"), url.database)
    else:
        _clone_postgres(url, template=request.getfixturevalue("migrated_postgres_template"))
    application = create_app(settings, start_worker=False, clock=clock)
    application.dependency_overrides[password_hashing] = lambda: CHEAP_HASHING
    return application


def _clone_postgres(url: URL, *, template: str) -> None:
    """Replace the test's empty database by a copy of the migrated template."""
    dsn = make_url(os.environ[POSTGRES_URL_ENV]).set(drivername="postgresql")
    with psycopg.connect(dsn.render_as_string(hide_password=False), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE "{url.database}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{url.database}" TEMPLATE "{template}"')


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def tenant(client: TestClient) -> Tenant:
    return create_tenant(client, name="Acme Platform", email="admin@acme.example")


@pytest.fixture
def other_tenant(client: TestClient) -> Tenant:
    return create_tenant(client, name="Globex", email="admin@globex.example")
