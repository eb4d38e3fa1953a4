"""The app in-process on a migrated database (SQLite and PostgreSQL), calling the Graph emulator
over real HTTP on loopback (`serve_asgi_on_loopback`), with a tenant and a provisioned instance."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest
from fastapi.testclient import TestClient
from hub_integration_harness import Connected

from msgraph_emulator.emulator import Emulator
from openelements.app import create_app
from openelements.kit.crypto import generate_key
from openelements.platform.auth import password_hashing
from openelements.platform.passwords import TEST_COST, PasswordHashing
from openelements.platform.schemas import OrganizationCreated, UserCreate
from openelements.settings import API_BASE_PATH, Settings
from seeded_organizations import create_organization

APP_ID = "22222222-3333-4444-5555-666666666666"
APP_SECRET = "hub-app-secret"
CALLBACK = "https://app.example.com/auth"
MAILBOX = "dana@acme.example"


@pytest.fixture
def emulator(serve_consenting_emulator: Any) -> Emulator:
    return serve_consenting_emulator(
        app_id=APP_ID, app_secret=APP_SECRET, callback=CALLBACK, mailbox=MAILBOX
    )


@pytest.fixture
def connected(
    migrated_database_url: str, tmp_path: Path, emulator: Emulator
) -> Iterator[Connected]:
    settings = Settings(
        database_url=migrated_database_url,
        encryption_keys=f"k1:{generate_key()}",
        hmac_pepper=base64.b64encode(secrets.token_bytes(32)).decode(),
        key_file=tmp_path / "keys",
        microsoft_authority=f"{emulator.origin}/common",
        graph_base_url=f"{emulator.origin}/v1.0",
        http_retry_attempts=2,
        http_retry_backoff_initial_seconds=0.01,
    )
    app = create_app(settings, start_worker=False)
    app.dependency_overrides[password_hashing] = lambda: PasswordHashing(TEST_COST)
    with TestClient(app) as client:
        created = _organization(client)
        secrets_pair = f"User {created.user.secret}, Organization {created.organization.secret}"
        headers = {"Authorization": secrets_pair}
        instance = client.post(
            f"{API_BASE_PATH}/instances", headers=headers, json=_instance_body(_code(client))
        )
        assert instance.status_code == 200, instance.text
        yield Connected(
            client=client,
            emulator=emulator,
            organization_secret=created.organization.secret,
            user_secret=created.user.secret,
            instance=instance.json(),
        )


def _organization(client: TestClient) -> OrganizationCreated:
    admin = UserCreate(
        first_name="Dana", last_name="Swope", email="admin@acme.example", password="pw-123456"
    )
    return create_organization(client, name="Acme", admin=admin)


def _code(client: TestClient) -> str:
    params = {"apiKey": APP_ID, "apiSecret": APP_SECRET, "callbackUrl": CALLBACK}
    url = client.get(f"{API_BASE_PATH}/elements/microsoftgraph/oauth/url", params=params).json()[
        "oauthUrl"
    ]
    answer = httpx2.get(f"{url}&login_hint={MAILBOX}", follow_redirects=False)
    return parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]


def _instance_body(code: str) -> dict[str, Any]:
    return {
        "element": {"key": "microsoftgraph"},
        "name": "Dana",
        "configuration": {
            "oauth.api.key": APP_ID,
            "oauth.api.secret": APP_SECRET,
            "oauth.callback.url": CALLBACK,
        },
        "providerData": {"code": code},
    }
