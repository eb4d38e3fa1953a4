"""The dependencies the hub uses: resolve the Element instance, call Graph through it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from instances_harness import API, create_tenant, provision

from msgraph_emulator.emulator import Emulator
from openelements import migrations
from openelements.app import create_app
from openelements.elements.base import ProviderRequest
from openelements.instances.dependencies import HubInstance, InstanceCallsDep
from openelements.platform.auth import password_hashing
from openelements.platform.passwords import TEST_COST, PasswordHashing
from openelements.settings import Settings


def probe_router() -> APIRouter:
    router = APIRouter(prefix=f"{API}/probe")

    @router.get("/calendar")
    async def calendar(instance: HubInstance, calls: InstanceCallsDep) -> dict[str, Any]:
        response = await calls.call(instance.id, ProviderRequest("GET", "me/calendar"))
        return {
            "owner": response.json()["owner"]["address"],
            "nulls": instance.configuration["filter.response.nulls"],
        }

    return router


@pytest.fixture
def probing_client(settings: Settings) -> Iterator[TestClient]:
    migrations.upgrade(settings.database_url)
    app = create_app(settings, start_worker=False)
    app.dependency_overrides[password_hashing] = lambda: PasswordHashing(TEST_COST)
    app.include_router(probe_router())
    with TestClient(app) as test_client:
        yield test_client


def test_a_hub_style_route_calls_graph_through_the_element_instance(
    probing_client: TestClient, emulator: Emulator
) -> None:
    client = probing_client
    tenant = create_tenant(client, name="Acme", email="admin@acme.example")
    created = provision(client, tenant)
    headers = tenant.headers(element=created["token"])
    answer = client.get(f"{API}/probe/calendar", headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"owner": "dana@acme.example", "nulls": "true"}

    client.delete(f"{API}/instances/{created['id']}/enabled", headers=tenant.headers())
    disabled = client.get(f"{API}/probe/calendar", headers=headers)
    assert disabled.status_code == 403
    client.put(f"{API}/instances/{created['id']}/enabled", headers=tenant.headers())

    httpx2.post(f"{emulator.origin}/_emulator/tokens/revoke", json={})
    httpx2.post(f"{emulator.origin}/_emulator/tokens/expire", json={})
    revoked = client.get(f"{API}/probe/calendar", headers=headers)
    assert revoked.status_code == 401
    assert "re-authenticate" in revoked.json()["message"]
    assert revoked.json()["providerMessage"].startswith("AADSTS50173")
    again = client.get(f"{API}/probe/calendar", headers=headers)
    assert again.status_code == 401

    client.delete(f"{API}/instances/{created['id']}", headers=tenant.headers())
    assert client.get(f"{API}/probe/calendar", headers=headers).status_code == 401
