"""Helpers of the instance integration tests: tenants, authorization codes, provisioning."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2
from fastapi.testclient import TestClient

from openelements.platform.schemas import UserCreate
from openelements.settings import API_BASE_PATH
from seeded_organizations import container_of, create_organization

__all__ = [
    "API",
    "APP_ID",
    "APP_SECRET",
    "CALLBACK",
    "DANA",
    "Tenant",
    "authorization_code",
    "container_of",
    "create_tenant",
    "instance_body",
    "oauth_url",
    "provision",
]

API = API_BASE_PATH
APP_ID = "11111111-2222-3333-4444-555555555555"
APP_SECRET = "app-client-secret-value"
CALLBACK = "https://app.example.com/auth"
DANA = "dana@acme.example"


@dataclass(frozen=True)
class Tenant:
    organization_id: int
    organization_secret: str
    admin_id: int
    admin_secret: str

    def headers(self, *, element: str | None = None) -> dict[str, str]:
        value = f"User {self.admin_secret}, Organization {self.organization_secret}"
        if element is not None:
            value += f", Element {element}"
        return {"Authorization": value}


def create_tenant(client: TestClient, *, name: str, email: str) -> Tenant:
    admin = UserCreate(first_name="Dana", last_name="Swope", email=email, password="pw-123456")
    created = create_organization(client, name=name, admin=admin)
    return Tenant(
        organization_id=created.organization.id,
        organization_secret=created.organization.secret,
        admin_id=created.user.id,
        admin_secret=created.user.secret,
    )


def authorization_code(oauth_url: str, *, login_hint: str = DANA) -> str:
    """Follow `oauthUrl` at the emulator as a browser would (auto-consent, G33)."""
    answer = httpx2.get(f"{oauth_url}&login_hint={login_hint}", follow_redirects=False)
    assert answer.status_code == 302, answer.text
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    assert "code" in query, query
    return query["code"][0]


def oauth_url(client: TestClient, **extra: str) -> str:
    params = {"apiKey": APP_ID, "apiSecret": APP_SECRET, "callbackUrl": CALLBACK, **extra}
    response = client.get(f"{API}/elements/microsoftgraph/oauth/url", params=params)
    assert response.status_code == 200, response.text
    url: str = response.json()["oauthUrl"]
    return url


def instance_body(code: str | None, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "element": {"key": "microsoftgraph"},
        "configuration": {
            "oauth.api.key": APP_ID,
            "oauth.api.secret": APP_SECRET,
            "oauth.callback.url": CALLBACK,
        },
        "name": "Dana's calendar",
    }
    if code is not None:
        body["providerData"] = {"code": code, "state": "microsoftgraph"}
    body.update(overrides)
    return body


def provision(client: TestClient, tenant: Tenant, **overrides: Any) -> dict[str, Any]:
    code = authorization_code(oauth_url(client))
    response = client.post(
        f"{API}/instances", headers=tenant.headers(), json=instance_body(code, **overrides)
    )
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created
