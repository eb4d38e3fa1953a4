"""A disabled, invalidated or deleted instance stops answering hub calls within the grant
cache's TTL (hubs/grants.py: 1 s), the documented bound; a clock stands in for the wait."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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


def _answers_after_ttl(connected: Connected, change: Callable[[], None]) -> int:
    ticks = _controlled_grants(connected.client)
    assert _calendars(connected) == 200
    change()
    ticks.now += TTL
    return _calendars(connected)


def test_a_disabled_instance_answers_403_once_the_grant_ttl_passed(connected: Connected) -> None:
    client, headers = connected.client, connected.platform_headers()
    path = f"{API}/instances/{connected.instance['id']}/enabled"
    assert _answers_after_ttl(connected, lambda: _ok(client.delete(path, headers=headers))) == 403
    _ok(client.put(path, headers=headers))
    assert _calendars(connected) == 200


def test_an_invalidated_instance_answers_401_once_the_grant_ttl_passed(
    connected: Connected,
) -> None:
    container = connected.client.app.state.container  # type: ignore[attr-defined]
    keeper = container.instances.calls.keeper

    async def invalidate() -> None:
        await keeper.mark_rejected(connected.instance["id"], reason="revoked")

    def change() -> None:
        connected.client.portal.call(invalidate)  # type: ignore[union-attr]

    assert _answers_after_ttl(connected, change) == 401


def test_a_deleted_instance_answers_401_once_the_grant_ttl_passed(connected: Connected) -> None:
    client, headers = connected.client, connected.platform_headers()
    path = f"{API}/instances/{connected.instance['id']}"
    assert _answers_after_ttl(connected, lambda: _ok(client.delete(path, headers=headers))) == 401


def _ok(response: Any) -> None:
    assert response.status_code == 200, response.text
