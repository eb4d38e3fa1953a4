from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any, cast

import pytest
from hub_fakes import NOW, answer

from openelements.elements.base import ProviderRequest, ProviderResponse
from openelements.elements.registry import ElementRegistry
from openelements.hubs.expiring_cache import ExpiringCache
from openelements.hubs.grants import GrantCache, InstanceFetch
from openelements.instances.calls import InstanceCalls
from openelements.instances.tokens import AccessGrant
from openelements.kit.clock import ManualClock


class Ticks:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def _grant(token: str) -> AccessGrant:
    return AccessGrant(
        instance_id=42, element_key="microsoftgraph", mailbox="dana@a.example",
        access_token=token, version=1, expires_at=NOW + dt.timedelta(hours=1),
    )  # fmt: skip


class GatedKeeper:
    """Hands out `t1` only when the test opens the gate."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.started = asyncio.Event()

    async def current(self, instance_id: int) -> AccessGrant:
        self.started.set()
        await self.gate.wait()
        return _grant("t1")


class Calls:
    def __init__(self) -> None:
        self.keeper = GatedKeeper()


class Element:
    key = "microsoftgraph"
    id = 5836

    async def call(self, request: Any, *, access_token: str, mailbox: str) -> ProviderResponse:
        return answer({"token": access_token})


@pytest.mark.anyio
async def test_a_grant_read_before_a_drop_is_not_cached_by_the_load_in_flight() -> None:
    cache, calls = GrantCache(monotonic=Ticks()), Calls()
    fetch = InstanceFetch(
        instance_id=42,
        calls=cast(InstanceCalls, calls),
        elements=ElementRegistry([cast(Any, Element())]),
        grants=cache,
        clock=ManualClock(NOW),
    )
    call = asyncio.ensure_future(fetch(ProviderRequest("GET", "me/events")))
    await calls.keeper.started.wait()
    cache.drop(42)  # another request's provider call was refused meanwhile (401)
    calls.keeper.gate.set()
    assert (await call).json() == {"token": "t1"}
    assert cache.get(42, now=NOW) is None


@pytest.mark.anyio
async def test_a_load_caches_its_value_for_the_ttl() -> None:
    ticks = Ticks()
    cache: ExpiringCache[str, int] = ExpiringCache(ttl_seconds=2.0, monotonic=ticks)
    loads = 0

    async def load() -> int:
        nonlocal loads
        loads += 1
        return 7

    assert await cache.load("k", load) == 7
    ticks.now = 1.9
    assert cache.get("k") == 7
    ticks.now = 2.0
    assert cache.get("k") is None
    assert loads == 1


@pytest.mark.anyio
async def test_a_failed_load_caches_nothing_and_reaches_every_waiter() -> None:
    cache: ExpiringCache[str, int] = ExpiringCache(ttl_seconds=2.0, monotonic=Ticks())

    async def load() -> int:
        await asyncio.sleep(0)
        raise LookupError("gone")

    outcomes = await asyncio.gather(
        *(cache.load("k", load) for _ in range(3)), return_exceptions=True
    )
    assert all(isinstance(outcome, LookupError) for outcome in outcomes)
    assert cache.get("k") is None


def test_entries_are_cleared_when_the_bound_is_reached() -> None:
    cache: ExpiringCache[int, int] = ExpiringCache(ttl_seconds=60, monotonic=Ticks(), max_entries=2)
    cache.put(1, 1)
    cache.put(2, 2)
    cache.put(3, 3)
    assert (cache.get(1), cache.get(2), cache.get(3)) == (None, None, 3)
