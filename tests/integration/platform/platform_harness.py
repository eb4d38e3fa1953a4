"""Helpers of the platform integration tests: tenants, accounts and users made for real."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from openelements.platform.schemas import OrganizationCreated, UserCreate
from openelements.settings import API_BASE_PATH
from seeded_organizations import CHEAP_HASHING, create_organization

__all__ = [
    "ADMIN_PASSWORD",
    "API",
    "CHEAP_HASHING",
    "USER_PASSWORD",
    "Tenant",
    "create_account",
    "create_tenant",
    "create_user",
]

API = API_BASE_PATH
ADMIN_PASSWORD = "correct horse battery staple"
USER_PASSWORD = "pass-word-1"


@dataclass(frozen=True)
class Tenant:
    """An organization created as `openelements admin create-organization` does."""

    organization_id: int
    organization_secret: str
    admin_id: int
    admin_email: str
    admin_secret: str

    @classmethod
    def of(cls, created: OrganizationCreated) -> Tenant:
        return cls(
            organization_id=created.organization.id,
            organization_secret=created.organization.secret,
            admin_id=created.user.id,
            admin_email=created.user.email,
            admin_secret=created.user.secret,
        )

    def headers(self, user_secret: str | None = None, **extra: str) -> dict[str, str]:
        user = user_secret or self.admin_secret
        return {"Authorization": f"User {user}, Organization {self.organization_secret}", **extra}


def create_tenant(client: TestClient, *, name: str, email: str) -> Tenant:
    admin = UserCreate(
        first_name="Organization", last_name="Administrator", email=email, password=ADMIN_PASSWORD
    )
    return Tenant.of(create_organization(client, name=name, admin=admin))


def create_account(client: TestClient, tenant: Tenant, external_id: str) -> dict[str, Any]:
    response = client.post(
        f"{API}/accounts", headers=tenant.headers(), json={"externalId": external_id}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def create_user(
    client: TestClient,
    tenant: Tenant,
    account_id: int,
    email: str,
    *,
    roles: list[str] | None = None,
    password: str = USER_PASSWORD,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "firstName": "Dana",
        "lastName": "Swope",
        "email": email,
        "password": password,
    }
    if roles is not None:
        body["roles"] = [{"key": key} for key in roles]
    response = client.post(
        f"{API}/accounts/{account_id}/users", headers=tenant.headers(), json=body
    )
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created
