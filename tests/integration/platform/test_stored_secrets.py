"""D08/D12 at rest: no secret, token or password is stored in clear."""

from fastapi.testclient import TestClient
from platform_harness import ADMIN_PASSWORD, API, Tenant, create_account, create_user
from sqlalchemy import text

from openelements.container import Container

TABLES = ["organization", "account", "app_user", "user_role", "user_session", "account_setting"]


async def _dump(container: Container) -> str:
    async with container.database.read_session() as session:
        rows: list[str] = []
        for table in TABLES:
            result = await session.execute(text(f"SELECT * FROM {table}"))
            rows.extend(str(tuple(row)) for row in result)
    return "\n".join(rows)


def test_database_holds_no_secret_token_or_password_in_clear(
    client: TestClient, tenant: Tenant
) -> None:
    account = create_account(client, tenant, "a-1")
    user = create_user(client, tenant, account["id"], "dana@acme.example", password="pw-dana-1")
    login = {"username": tenant.admin_email, "password": ADMIN_PASSWORD}
    token = client.post(f"{API}/authentication", json=login).json()["token"]
    container = client.app.state.container  # type: ignore[attr-defined]
    dump = client.portal.call(_dump, container)  # type: ignore[union-attr]
    assert "dana@acme.example" in dump  # the dump is real
    for clear in (
        tenant.organization_secret,
        tenant.admin_secret,
        user["secret"],
        token,
        ADMIN_PASSWORD,
        "pw-dana-1",
    ):
        assert clear not in dump
