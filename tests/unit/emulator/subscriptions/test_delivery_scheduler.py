from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from msgraph_emulator.clock import Clock
from msgraph_emulator.delivery import (
    DeliveryLog,
    DeliveryScheduler,
    RetryPolicy,
    SendResult,
    handshake_passed,
    validate_endpoint,
    validation_url,
)

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class ScriptedSender:
    """Answers with the given statuses in turn (None: a timeout); records what it got."""

    def __init__(self, statuses: list[int | None]) -> None:
        self._statuses: Iterator[int | None] = iter(statuses)
        self.calls: list[tuple[str, bytes, str]] = []
        self.echo = False

    async def post(
        self, url: str, *, body: bytes, content_type: str, timeout_seconds: float
    ) -> SendResult:
        self.calls.append((url, body, content_type))
        status = next(self._statuses)
        if status is None:
            return SendResult(status=None, elapsed_ms=timeout_seconds * 1000, error="timeout")
        return SendResult(status=status, elapsed_ms=1.0)


def scheduler(sender: ScriptedSender, clock: Clock, log: DeliveryLog) -> DeliveryScheduler:
    return DeliveryScheduler(
        clock=clock, sender=sender, log=log, policy=RetryPolicy, timeout_seconds=lambda: 3.0
    )


@pytest.mark.anyio
async def test_failed_delivery_is_retried_on_the_back_off_schedule_then_delivered() -> None:
    clock, log = Clock(START), DeliveryLog()
    sender = ScriptedSender([500, None, 202])
    runner = scheduler(sender, clock, log)
    record = runner.enqueue(kind="notification", url="http://h/x", items=[{"a": 1}])
    assert runner.start_due() == 1
    await runner.drain()
    assert record.state == "pending"
    assert record.next_attempt_at == START + timedelta(minutes=1)
    clock.advance(59)
    assert runner.start_due() == 0
    clock.advance(1)
    runner.start_due()
    await runner.drain()
    assert record.next_attempt_at == START + timedelta(minutes=3)
    clock.advance(120)
    runner.start_due()
    await runner.drain()
    assert record.state == "delivered"
    assert [a.result.status for a in record.attempts] == [500, None, 202]
    assert sender.calls[0][1] == b'{"value": [{"a": 1}]}'


@pytest.mark.anyio
async def test_delivery_is_dropped_once_the_retry_period_is_over() -> None:
    clock, log = Clock(START), DeliveryLog()
    sender = ScriptedSender([503] * 20)
    runner = scheduler(sender, clock, log)
    record = runner.enqueue(kind="notification", url="http://h/x", items=[])
    for _ in range(20):
        runner.start_due()
        await runner.drain()
        if record.state == "dropped":
            break
        clock.advance((record.next_attempt_at - clock.now()).total_seconds())
    assert record.state == "dropped"
    # After 1, 2, 4, 8, 16 minutes, then every 30 minutes, up to 4 hours after the first.
    minutes = [int((a.at - START).total_seconds() // 60) for a in record.attempts]
    assert minutes == [0, 1, 3, 7, 15, 31, 61, 91, 121, 151, 181, 211]


def test_retry_policy_compresses_time() -> None:
    policy = RetryPolicy(compression=0.001)
    assert policy.delay_after(1) == timedelta(seconds=0.06)
    assert policy.delay_after(9) == timedelta(seconds=1.8)
    assert policy.gives_up(first_attempt=START, now=START + timedelta(seconds=14.5))
    assert not policy.gives_up(first_attempt=START, now=START + timedelta(seconds=14))


@pytest.mark.anyio
async def test_batch_window_joins_changes_to_one_post() -> None:
    clock, log = Clock(START), DeliveryLog()
    sender = ScriptedSender([200])
    runner = scheduler(sender, clock, log)
    first = runner.enqueue(
        kind="notification", url="http://h/x", items=[{"n": 1}], batch_window_seconds=0.2
    )
    second = runner.enqueue(
        kind="notification", url="http://h/x", items=[{"n": 2}], batch_window_seconds=0.2
    )
    other = runner.enqueue(
        kind="notification", url="http://h/y", items=[{"n": 3}], batch_window_seconds=0.2
    )
    assert first is second
    assert other is not first
    assert runner.start_due() == 0
    clock.advance(0.2)
    sender_two = ScriptedSender([200, 200])
    runner._sender = sender_two
    assert runner.start_due() == 2
    await runner.drain()
    assert first.items == [{"n": 1}, {"n": 2}]


def test_validation_url_keeps_the_query_and_encodes_the_token() -> None:
    url = validation_url("http://h/hook?x=1", "a b: c")
    assert url == "http://h/hook?x=1&validationToken=a%20b%3A%20c"


def test_handshake_needs_200_text_plain_and_the_decoded_token() -> None:
    good = SendResult(
        status=200, elapsed_ms=1, body="a b: c", content_type="text/plain; charset=utf-8"
    )
    assert handshake_passed(good, "a b: c")
    assert not handshake_passed(
        SendResult(status=200, elapsed_ms=1, body="a%20b%3A%20c", content_type="text/plain"),
        "a b: c",
    )
    assert not handshake_passed(
        SendResult(status=200, elapsed_ms=1, body="a b: c", content_type="application/json"),
        "a b: c",
    )
    assert not handshake_passed(
        SendResult(status=202, elapsed_ms=1, body="a b: c", content_type="text/plain"), "a b: c"
    )


@pytest.mark.anyio
async def test_validation_is_recorded_in_the_delivery_log() -> None:
    log = DeliveryLog()
    passed = await validate_endpoint(
        ScriptedSender([500]), "http://h/hook", timeout_seconds=1, log=log, now=START
    )
    assert not passed
    (record,) = log.all()
    assert record.kind == "validation"
    assert record.state == "failed"


@pytest.mark.anyio
async def test_one_post_at_a_time_per_url_keeps_the_order_of_changes() -> None:
    clock, log = Clock(START), DeliveryLog()
    sender = ScriptedSender([200, 200, 200])
    runner = scheduler(sender, clock, log)
    for n in range(2):
        runner.enqueue(kind="notification", url="http://h/x", items=[{"n": n}])
    runner.enqueue(kind="notification", url="http://h/y", items=[{"n": 9}])
    assert runner.start_due() == 2
    await runner.drain()
    assert runner.start_due() == 1
    await runner.drain()
    assert [body for _, body, _ in sender.calls] == [
        b'{"value": [{"n": 0}]}',
        b'{"value": [{"n": 9}]}',
        b'{"value": [{"n": 1}]}',
    ]


@pytest.mark.anyio
async def test_changes_made_while_a_post_is_in_flight_travel_together() -> None:
    clock, log = Clock(START), DeliveryLog()
    sender = ScriptedSender([200, 200])
    runner = scheduler(sender, clock, log)
    runner.enqueue(kind="notification", url="http://h/x", items=[{"n": 0}])
    assert runner.start_due() == 1
    for n in (1, 2):
        runner.enqueue(kind="notification", url="http://h/x", items=[{"n": n}])
    await runner.drain()
    assert runner.start_due() == 1
    await runner.drain()
    assert [body for _, body, _ in sender.calls] == [
        b'{"value": [{"n": 0}]}',
        b'{"value": [{"n": 1}, {"n": 2}]}',
    ]
