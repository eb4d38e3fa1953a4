"""The real app (in-process) on a migrated database (SQLite and PostgreSQL), talking over real
HTTP on loopback to the Graph emulator (served by `serve_asgi_on_loopback`, tests/conftest.py),
with a seeded tenant, a registered Azure app and a mailbox.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from instances_harness import APP_ID, APP_SECRET, CALLBACK, DANA, Tenant, create_tenant

from msgraph_emulator.emulator import Emulator
from openelements.app import create_app
from openelements.kit.crypto import generate_key
from openelements.platform.auth import password_hashing
from openelements.platform.passwords import TEST_COST, PasswordHashing
from openelements.settings import Settings


@pytest.fixture
def emulator(serve_consenting_emulator: Any) -> Emulator:
    return serve_consenting_emulator(
        app_id=APP_ID, app_secret=APP_SECRET, callback=CALLBACK, mailbox=DANA
    )


@pytest.fixture
def settings(migrated_database_url: str, tmp_path: Path, emulator: Emulator) -> Settings:
    return Settings(
        database_url=migrated_database_url,
        encryption_keys=f"k1:{generate_key()}",  # type: ignore[arg-type]
        hmac_pepper=base64.b64encode(secrets.token_bytes(32)).decode(),  # type: ignore[arg-type]
        key_file=tmp_path / "keys",
        microsoft_authority=f"{emulator.origin}/common",
        graph_base_url=f"{emulator.origin}/v1.0",
        http_retry_attempts=3,
        http_retry_max_wait_seconds=5.0,
        http_retry_backoff_initial_seconds=0.01,
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings, start_worker=False)
    app.dependency_overrides[password_hashing] = lambda: PasswordHashing(TEST_COST)
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def tenant(client: TestClient) -> Tenant:
    return create_tenant(client, name="Acme", email="admin@acme.example")


@pytest.fixture
def other_tenant(client: TestClient) -> Tenant:
    return create_tenant(client, name="Globex", email="admin@globex.example")
