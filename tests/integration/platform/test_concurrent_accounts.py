"""Concurrent writes through a real uvicorn server: SQLite must queue writers, never fail them.

50 account creations are sent at once over real sockets; the gateway handles them on its
event loop with a pool of database connections, so they contend for SQLite's write lock.
"""

import asyncio
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI
from platform_harness import API, CHEAP_HASHING, Tenant

from openelements.container import Container
from openelements.platform.auth import runtime_of
from openelements.platform.schemas import UserCreate
from openelements.platform.service import OrganizationService
from openelements.settings import Settings

CONCURRENT_CREATIONS = 50


async def _seed(settings: Settings) -> Tenant:
    container = Container.build(settings, start_worker=False)
    try:
        runtime = runtime_of(container, passwords=CHEAP_HASHING)
        admin = UserCreate(first_name="A", last_name="B", email="admin@acme.example", password="pw")
        async with container.database.transaction() as session:
            created = await OrganizationService(session, runtime).create(name="Acme", admin=admin)
    finally:
        await container.aclose()
    return Tenant.of(created)


async def _create_all(
    base_url: str, tenant: Tenant, external_ids: list[str]
) -> list[httpx2.Response]:
    limits = httpx2.Limits(max_connections=len(external_ids))
    async with httpx2.AsyncClient(base_url=base_url, limits=limits, timeout=60) as http:
        return await asyncio.gather(
            *(
                http.post("/accounts", headers=tenant.headers(), json={"externalId": external_id})
                for external_id in external_ids
            )
        )


@pytest.mark.slow
def test_concurrent_account_creations_all_succeed_and_duplicates_conflict(
    app: FastAPI, settings: Settings, serve_asgi_on_loopback: Any
) -> None:
    tenant = asyncio.run(_seed(settings))
    wanted = [f"c-{i}" for i in range(CONCURRENT_CREATIONS)]
    base_url = serve_asgi_on_loopback(app, lifespan="on") + API
    responses = asyncio.run(_create_all(base_url, tenant, wanted))
    duplicates = asyncio.run(_create_all(base_url, tenant, ["same"] * 10))
    listed = httpx2.get(f"{base_url}/accounts", headers=tenant.headers(), timeout=30)
    assert sorted(r.status_code for r in duplicates) == [200] + [409] * 9
    failures = [(r.status_code, r.text) for r in responses if r.status_code != 200]
    assert failures == []
    assert all("database is locked" not in r.text for r in responses)
    external_ids = {a["externalId"] for a in listed.json() if not a["defaultAccount"]}
    assert external_ids == {*wanted, "same"}
    assert len({r.json()["id"] for r in responses}) == CONCURRENT_CREATIONS


async def _same_request_many_times(
    base_url: str, tenant: Tenant, *, method: str, path: str, body: object, times: int
) -> list[httpx2.Response]:
    limits = httpx2.Limits(max_connections=times)
    async with httpx2.AsyncClient(base_url=base_url, limits=limits, timeout=60) as http:
        return await asyncio.gather(
            *(http.request(method, path, headers=tenant.headers(), json=body) for _ in range(times))
        )


@pytest.mark.slow
def test_concurrent_role_grants_and_setting_changes_all_succeed(
    app: FastAPI, settings: Settings, serve_asgi_on_loopback: Any
) -> None:
    tenant = asyncio.run(_seed(settings))
    user_body = {"firstName": "D", "lastName": "S", "email": "d@acme.example", "password": "p"}
    key = "notification.webhook.failure.policy"
    base_url = serve_asgi_on_loopback(app, lifespan="on") + API
    account = httpx2.post(
        f"{base_url}/accounts", headers=tenant.headers(), json={"externalId": "a"}
    ).json()
    user = httpx2.post(
        f"{base_url}/accounts/{account['id']}/users", headers=tenant.headers(), json=user_body
    ).json()
    grants = asyncio.run(
        _same_request_many_times(
            base_url,
            tenant,
            method="PUT",
            path=f"/users/{user['id']}/roles/admin",
            body=None,
            times=10,
        )
    )
    changes = asyncio.run(
        _same_request_many_times(
            base_url,
            tenant,
            method="POST",
            path=f"/accounts/{account['id']}/settings",
            body={key: "queue"},
            times=10,
        )
    )
    assert [r.status_code for r in grants] == [200] * 10
    assert {tuple(role["key"] for role in r.json()) for r in grants} == {("admin",)}
    assert [r.status_code for r in changes] == [200] * 10
    assert {r.json()[key] for r in changes} == {"queue"}
