"""Organizations made through a running app's own container, as
`openelements admin create-organization` does, at the cheapest password-hashing cost.

Imported by the integration harnesses by module name (the suite's root folder is on the path
through tests/conftest.py); fixtures stay in conftest files.
"""

from __future__ import annotations

from fastapi.testclient import TestClient

from openelements.container import Container
from openelements.platform.auth import runtime_of
from openelements.platform.passwords import TEST_COST, PasswordHashing
from openelements.platform.schemas import OrganizationCreated, UserCreate
from openelements.platform.service import OrganizationService

__all__ = ["CHEAP_HASHING", "container_of", "create_organization"]

CHEAP_HASHING = PasswordHashing(TEST_COST)


def container_of(client: TestClient) -> Container:
    container = client.app.state.container  # type: ignore[attr-defined]
    assert isinstance(container, Container)
    return container


def create_organization(client: TestClient, *, name: str, admin: UserCreate) -> OrganizationCreated:
    container = container_of(client)

    async def create() -> OrganizationCreated:
        runtime = runtime_of(container, passwords=CHEAP_HASHING)
        async with container.database.transaction() as session:
            return await OrganizationService(session, runtime).create(name=name, admin=admin)

    created: OrganizationCreated = client.portal.call(create)  # type: ignore[union-attr]
    return created
