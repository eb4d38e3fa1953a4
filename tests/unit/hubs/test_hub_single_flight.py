from __future__ import annotations

import asyncio

import pytest

from openelements.hubs.single_flight import SingleFlight


@pytest.mark.anyio
async def test_concurrent_callers_share_one_load_and_its_value() -> None:
    flight: SingleFlight[str, int] = SingleFlight()
    started = 0
    release = asyncio.Event()

    async def load() -> int:
        nonlocal started
        started += 1
        await release.wait()
        return 7

    waiters = [asyncio.ensure_future(flight.run("k", load)) for _ in range(5)]
    await asyncio.sleep(0)
    release.set()
    assert await asyncio.gather(*waiters) == [7] * 5
    assert started == 1


@pytest.mark.anyio
async def test_a_failure_reaches_every_waiter_and_the_next_call_loads_again() -> None:
    flight: SingleFlight[str, int] = SingleFlight()
    calls = 0

    async def failing() -> int:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0)
        raise LookupError("gone")

    outcomes = await asyncio.gather(
        *(flight.run("k", failing) for _ in range(3)), return_exceptions=True
    )
    assert all(isinstance(outcome, LookupError) for outcome in outcomes)
    with pytest.raises(LookupError):
        await flight.run("k", failing)
    assert calls == 2


@pytest.mark.anyio
async def test_a_cancelled_caller_does_not_cancel_the_load_for_others() -> None:
    flight: SingleFlight[str, int] = SingleFlight()
    release = asyncio.Event()

    async def load() -> int:
        await release.wait()
        return 1

    first = asyncio.ensure_future(flight.run("k", load))
    second = asyncio.ensure_future(flight.run("k", load))
    await asyncio.sleep(0)
    first.cancel()
    release.set()
    assert await second == 1
