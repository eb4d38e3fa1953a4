"""Helpers of the platform integration tests: tenants, accounts and users made for real."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from openelements.container import Container
from openelements.platform.auth import runtime_of
from openelements.platform.passwords import TEST_COST, PasswordHashing
from openelements.platform.schemas import OrganizationCreated, UserCreate
from openelements.platform.service import OrganizationService
from openelements.settings import API_BASE_PATH

API = API_BASE_PATH
CHEAP_HASHING = PasswordHashing(TEST_COST)
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

    def headers(self, user_secret: str | None = None, **extra: str) -> dict[str, str]:
        user = user_secret or self.admin_secret
        return {"Authorization": f"User {user}, Organization {self.organization_secret}", **extra}


def create_tenant(client: TestClient, *, name: str, email: str) -> Tenant:
    container = client.app.state.container  # type: ignore[attr-defined]
    assert isinstance(container, Container)
    admin = UserCreate(
        first_name="Organization", last_name="Administrator", email=email, password=ADMIN_PASSWORD
    )

    async def create() -> OrganizationCreated:
        runtime = runtime_of(container, passwords=CHEAP_HASHING)
        async with container.database.transaction() as session:
            return await OrganizationService(session, runtime).create(name=name, admin=admin)

    created = client.portal.call(create)  # type: ignore[union-attr]
    return Tenant(
        organization_id=created.organization.id,
        organization_secret=created.organization.secret,
        admin_id=created.user.id,
        admin_email=created.user.email,
        admin_secret=created.user.secret,
    )


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
