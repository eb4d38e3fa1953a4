"""Token lifecycle against the emulator: one refresh per burst, revocation, throttling, state."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient
from instances_harness import (
    API,
    APP_SECRET,
    Tenant,
    authorization_code,
    container_of,
    oauth_url,
    provision,
)
from sqlalchemy import text

from msgraph_emulator.emulator import Emulator
from openelements.elements.base import ProviderFailure, ProviderRequest, ProviderResponse
from openelements.instances.tokens import REAUTHENTICATE
from openelements.kit.errors import ElementsError, Forbidden, Unauthorized

CALENDAR = ProviderRequest("GET", "me/calendar")


def graph_call(client: TestClient, instance_id: int, request: ProviderRequest = CALENDAR) -> Any:
    calls = container_of(client).instances.calls

    async def run() -> ProviderResponse:
        return await calls.call(instance_id, request)

    return client.portal.call(run)  # type: ignore[union-attr]


def burst(client: TestClient, instance_id: int, count: int) -> list[ProviderResponse]:
    calls = container_of(client).instances.calls

    async def run() -> list[ProviderResponse]:
        return list(
            await asyncio.gather(*(calls.call(instance_id, CALENDAR) for _ in range(count)))
        )

    return client.portal.call(run)  # type: ignore[union-attr, no-any-return]


def refresh_requests(emulator: Emulator, since: int) -> int:
    return sum(
        1 for entry in emulator.request_log.since(since) if entry.grant_type == "refresh_token"
    )


def control(emulator: Emulator, path: str, body: dict[str, Any] | None = None) -> None:
    answer = httpx2.post(f"{emulator.origin}/_emulator/{path}", json=body or {})
    assert answer.status_code < 300, answer.text


def test_the_instance_token_works_for_graph_calls(client: TestClient, tenant: Tenant) -> None:
    created = provision(client, tenant)
    response = graph_call(client, created["id"])
    assert response.status == 200
    assert response.json()["owner"]["address"] == "dana@acme.example"


def test_fifty_concurrent_calls_with_an_expired_token_refresh_exactly_once(
    client: TestClient, tenant: Tenant, emulator: Emulator
) -> None:
    created = provision(client, tenant)
    control(emulator, "tokens/expire")
    mark = emulator.request_log.last_seq
    responses = burst(client, created["id"], 50)
    assert [r.status for r in responses] == [200] * 50
    assert refresh_requests(emulator, mark) == 1


def test_a_revoked_refresh_token_invalidates_the_instance_until_reprovisioned(
    client: TestClient, tenant: Tenant, emulator: Emulator
) -> None:
    created = provision(client, tenant)
    control(emulator, "tokens/revoke")
    control(emulator, "tokens/expire")
    with pytest.raises(Unauthorized) as caught:
        graph_call(client, created["id"])
    assert caught.value.message == REAUTHENTICATE
    assert (caught.value.provider_message or "").startswith("AADSTS50173")
    shown = client.get(f"{API}/instances/{created['id']}", headers=tenant.headers()).json()
    assert shown["valid"] is False
    with pytest.raises(Unauthorized):  # stays invalid without calling the provider again
        graph_call(client, created["id"])

    code = authorization_code(oauth_url(client))
    patched = client.patch(
        f"{API}/instances/{created['id']}",
        headers=tenant.headers(),
        json={"providerData": {"code": code}},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["valid"] is True
    assert "providerData" not in patched.json()
    assert graph_call(client, created["id"]).status == 200


@pytest.mark.slow  # waits out a real one-second Retry-After
def test_throttling_is_waited_out_with_retry_after(
    client: TestClient, tenant: Tenant, emulator: Emulator
) -> None:
    created = provision(client, tenant)
    control(
        emulator,
        "faults",
        {"method": "GET", "pathRegex": "/me/calendar$", "status": 429, "times": 1, "retryAfter": 1},
    )
    started = time.monotonic()
    assert graph_call(client, created["id"]).status == 200
    assert time.monotonic() - started >= 0.9


def test_exhausted_retries_give_a_normalized_error_not_a_hang(
    client: TestClient, tenant: Tenant, emulator: Emulator
) -> None:
    created = provision(client, tenant)
    control(emulator, "faults", {"pathRegex": "/me/calendar$", "status": 503, "times": 10})
    with pytest.raises(ProviderFailure) as caught:
        graph_call(client, created["id"])
    assert caught.value.status == 502
    assert caught.value.message == "Provider server error"
    assert httpx2.delete(f"{emulator.origin}/_emulator/faults").status_code == 204
    control(
        emulator,
        "faults",
        {"pathRegex": "/me/calendar$", "status": 429, "times": 10, "retryAfter": 10},
    )
    with pytest.raises(ProviderFailure) as throttled:
        graph_call(client, created["id"])
    assert throttled.value.status == 429
    # 10 s is beyond the retry budget (5 s here): answered at once, Retry-After passed on (D78)
    assert throttled.value.headers() == {"Retry-After": "10"}


def test_disabled_instances_make_no_calls_and_deleted_tokens_stop_working(
    client: TestClient, tenant: Tenant
) -> None:
    created = provision(client, tenant)
    instance = f"{API}/instances/{created['id']}"
    assert client.delete(f"{instance}/enabled", headers=tenant.headers()).json()["disabled"] is True
    with pytest.raises(Forbidden):
        graph_call(client, created["id"])
    assert client.put(f"{instance}/enabled", headers=tenant.headers()).json()["disabled"] is False
    assert graph_call(client, created["id"]).status == 200

    own = client.get(
        f"{API}/instances/configuration", headers=tenant.headers(element=created["token"])
    )
    assert own.status_code == 200
    deleted = client.delete(instance, headers=tenant.headers())
    assert deleted.status_code == 200
    assert deleted.content == b""
    gone = client.get(
        f"{API}/instances/configuration", headers=tenant.headers(element=created["token"])
    )
    assert gone.status_code == 401
    assert client.get(instance, headers=tenant.headers()).status_code == 404
    with pytest.raises(ElementsError):
        graph_call(client, created["id"])


def test_another_organization_cannot_reach_the_instance(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    created = provision(client, tenant)
    instance = f"{API}/instances/{created['id']}"
    assert client.get(instance, headers=other_tenant.headers()).status_code == 404
    assert client.delete(instance, headers=other_tenant.headers()).status_code == 404
    borrowed = client.get(
        f"{API}/instances/configuration", headers=other_tenant.headers(element=created["token"])
    )
    assert borrowed.status_code == 401
    assert client.get(f"{API}/instances", headers=other_tenant.headers()).json() == []


def test_no_secret_is_stored_in_clear(client: TestClient, tenant: Tenant) -> None:
    code = authorization_code(oauth_url(client))
    body = {
        "element": {"key": "microsoftgraph"},
        "providerData": {"code": code},
        "configuration": {
            "oauth.api.key": "11111111-2222-3333-4444-555555555555",
            "oauth.api.secret": APP_SECRET,
            "oauth.callback.url": "https://app.example.com/auth",
            "event.notification.signature.key": "my-shared-secret",
        },
        "name": "Dana",
    }
    response = client.post(f"{API}/instances", headers=tenant.headers(), json=body)
    created = response.json()
    access, refresh = _provider_tokens(client, created["id"])
    for secret in (APP_SECRET, "my-shared-secret", access, refresh, code):
        assert secret not in response.text
    for value in _all_text(client):
        for secret in (APP_SECRET, "my-shared-secret", access, refresh, created["token"]):
            assert secret not in value


def _provider_tokens(client: TestClient, instance_id: int) -> tuple[str, str]:
    """The provider tokens, opened with the gateway's own keys: what must never show."""
    container = container_of(client)
    sealer = container.instances.runtime.sealer

    async def read() -> tuple[str, str]:
        async with container.database.read_session() as session:
            row = (
                await session.execute(
                    text(
                        "SELECT access_token_sealed, refresh_token_sealed FROM element_instance "
                        "WHERE id = :id"
                    ),
                    {"id": instance_id},
                )
            ).one()
        return (
            sealer.open_provider_token(instance_id, "access_token", row[0]),
            sealer.open_provider_token(instance_id, "refresh_token", row[1]),
        )

    return client.portal.call(read)  # type: ignore[union-attr, no-any-return]


def _all_text(client: TestClient) -> list[str]:
    database = container_of(client).database

    async def dump() -> list[str]:
        values: list[str] = []
        async with database.read_session() as session:
            for table in ("element_instance", "instance_configuration", "instance_tag"):
                rows = await session.execute(text(f"SELECT * FROM {table}"))
                values += [str(value) for row in rows for value in row]
        return values

    return client.portal.call(dump)  # type: ignore[union-attr, no-any-return]


def test_a_401_right_after_a_refresh_invalidates_the_instance(
    client: TestClient, tenant: Tenant, emulator: Emulator
) -> None:
    created = provision(client, tenant)
    fault = {"pathRegex": "/me/calendar$", "status": 401, "times": 2}
    control(emulator, "faults", fault)
    mark = emulator.request_log.last_seq
    with pytest.raises(Unauthorized) as caught:
        graph_call(client, created["id"])
    assert caught.value.message == "Provider rejected the instance's credentials"
    assert refresh_requests(emulator, mark) == 1
    shown = client.get(f"{API}/instances/{created['id']}", headers=tenant.headers()).json()
    assert shown["valid"] is False
