from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any, cast

import pytest
from hub_fakes import NOW, answer

from openelements.elements.base import AccessTokenRejected, ProviderRequest, ProviderResponse
from openelements.elements.registry import ElementRegistry
from openelements.hubs.grants import GrantCache, InstanceFetch
from openelements.instances.calls import InstanceCalls
from openelements.instances.tokens import AccessGrant
from openelements.kit.clock import ManualClock


def _grant(token: str = "t1", *, expires_in: dt.timedelta = dt.timedelta(hours=1)) -> AccessGrant:
    return AccessGrant(
        instance_id=42, element_key="microsoftgraph", mailbox="dana@a.example",
        access_token=token, version=1, expires_at=NOW + expires_in,
    )  # fmt: skip


class Ticks:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_grant_is_reused_within_the_ttl_only() -> None:
    ticks = Ticks()
    cache = GrantCache(ttl_seconds=1.0, monotonic=ticks)
    cache.put(_grant())
    ticks.now = 0.9
    assert cache.get(42, now=NOW) == _grant()
    ticks.now = 1.0
    assert cache.get(42, now=NOW) is None


def test_a_grant_about_to_expire_is_not_reused() -> None:
    cache = GrantCache(ttl_seconds=60, monotonic=Ticks())
    cache.put(_grant(expires_in=dt.timedelta(seconds=59)))
    assert cache.get(42, now=NOW) is None


class FakeKeeper:
    def __init__(self) -> None:
        self.reads = 0

    async def current(self, instance_id: int) -> AccessGrant:
        self.reads += 1
        return _grant(f"t{self.reads}")


class FakeCalls:
    def __init__(self) -> None:
        self.keeper = FakeKeeper()
        self.fallbacks: list[ProviderRequest] = []

    async def call(self, instance_id: int, request: ProviderRequest) -> ProviderResponse:
        self.fallbacks.append(request)
        return answer({"via": "instance calls"})


class FakeElement:
    key = "microsoftgraph"
    id = 5836

    def __init__(self, *, reject: set[str]) -> None:
        self.reject = reject
        self.tokens: list[str] = []

    async def call(self, request: Any, *, access_token: str, mailbox: str) -> ProviderResponse:
        self.tokens.append(access_token)
        if access_token in self.reject:
            raise AccessTokenRejected("expired")
        return answer({"via": "cached grant"})


def _fetch(element: FakeElement, calls: FakeCalls, cache: GrantCache) -> InstanceFetch:
    return InstanceFetch(
        instance_id=42,
        calls=cast(InstanceCalls, calls),
        elements=ElementRegistry([cast(Any, element)]),
        grants=cache,
        clock=ManualClock(NOW),
    )


@pytest.mark.anyio
async def test_calls_within_the_ttl_read_the_grant_once() -> None:
    element, calls = FakeElement(reject=set()), FakeCalls()
    fetch = _fetch(element, calls, GrantCache(monotonic=Ticks()))
    for _ in range(3):
        await fetch(ProviderRequest("GET", "me/events"))
    assert calls.keeper.reads == 1
    assert element.tokens == ["t1", "t1", "t1"]


@pytest.mark.anyio
async def test_a_rejected_cached_grant_is_dropped_and_the_call_goes_through_refresh() -> None:
    element, calls, cache = FakeElement(reject={"t1"}), FakeCalls(), GrantCache(monotonic=Ticks())
    fetch = _fetch(element, calls, cache)
    response = await fetch(ProviderRequest("GET", "me/events"))
    assert response.json() == {"via": "instance calls"}
    assert len(calls.fallbacks) == 1
    assert cache.get(42, now=NOW) is None


@pytest.mark.anyio
async def test_concurrent_misses_share_one_grant_read() -> None:
    element, calls = FakeElement(reject=set()), FakeCalls()
    fetch = _fetch(element, calls, GrantCache(monotonic=Ticks()))
    await asyncio.gather(*(fetch(ProviderRequest("GET", "me/events")) for _ in range(32)))
    assert calls.keeper.reads == 1
