"""A disabled, invalidated or deleted instance stops answering hub calls within the grant
cache's TTL (hubs/grants.py: 1 s), the documented bound; a clock stands in for the wait."""

from __future__ import annotations

from fastapi.testclient import TestClient
from hub_integration_harness import Connected

from openelements.container import Container
from openelements.hubs.endpoints import hub_runtime
from openelements.hubs.grants import GrantCache
from openelements.settings import API_BASE_PATH

API = API_BASE_PATH
TTL = 1.0


class Ticks:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def _controlled_grants(client: TestClient) -> Ticks:
    container = client.app.state.container  # type: ignore[attr-defined]
    assert isinstance(container, Container)
    ticks = Ticks()
    hub_runtime(client.app.state, container).grants = GrantCache(ttl_seconds=TTL, monotonic=ticks)  # type: ignore[attr-defined]
    return ticks


def _calendars(connected: Connected) -> int:
    response = connected.client.get(f"{API}/calendars", headers=connected.hub_headers())
    return response.status_code


def test_a_disabled_instance_answers_403_once_the_grant_ttl_passed(connected: Connected) -> None:
    ticks = _controlled_grants(connected.client)
    assert _calendars(connected) == 200
    path = f"{API}/instances/{connected.instance['id']}/enabled"
    assert connected.client.delete(path, headers=connected.platform_headers()).status_code == 200
    ticks.now += TTL
    assert _calendars(connected) == 403
    assert connected.client.put(path, headers=connected.platform_headers()).status_code == 200
    assert _calendars(connected) == 200


def test_an_invalidated_instance_answers_401_once_the_grant_ttl_passed(
    connected: Connected,
) -> None:
    ticks = _controlled_grants(connected.client)
    assert _calendars(connected) == 200
    container = connected.client.app.state.container  # type: ignore[attr-defined]
    keeper = container.instances.calls.keeper

    async def invalidate() -> None:
        await keeper.mark_rejected(connected.instance["id"], reason="revoked")

    connected.client.portal.call(invalidate)  # type: ignore[union-attr]
    ticks.now += TTL
    assert _calendars(connected) == 401


def test_a_deleted_instance_answers_401_once_the_caches_passed(connected: Connected) -> None:
    ticks = _controlled_grants(connected.client)
    assert _calendars(connected) == 200
    path = f"{API}/instances/{connected.instance['id']}"
    assert connected.client.delete(path, headers=connected.platform_headers()).status_code == 200
    ticks.now += TTL
    assert _calendars(connected) == 401
