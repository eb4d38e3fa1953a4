"""The real app on a real, migrated database (SQLite and PostgreSQL), with seeded tenants.

Password hashing runs at the cheapest argon2id cost (a dependency override); everything else
is the production wiring: `create_app`, its container, Alembic migrations, the services.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from platform_harness import CHEAP_HASHING, Tenant, create_tenant

from openelements.app import create_app
from openelements.kit.clock import ManualClock
from openelements.kit.crypto import generate_key
from openelements.platform.auth import password_hashing
from openelements.settings import Settings


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


@pytest.fixture
def app(settings: Settings, clock: ManualClock, migrated_database_url: str) -> FastAPI:
    assert settings.database_url == migrated_database_url
    application = create_app(settings, start_worker=False, clock=clock)
    application.dependency_overrides[password_hashing] = lambda: CHEAP_HASHING
    return application


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
