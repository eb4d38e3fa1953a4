"""Outbound POSTs to notification URLs: the validation handshake and retried deliveries.

Delivery rules (spec §10.5, G26): a receiver must answer 2xx within the notification timeout
(3 s). Otherwise the POST is retried after 1, 2, 4, 8 and 16 minutes, then every 30 minutes,
until 4 hours have passed since the first attempt; then it is dropped. Every delay and the
period are multiplied by a compression factor, and due times are read from the emulator
clock, so tests either compress time or advance the clock. HTTP timeouts are real time.

`DeliveryScheduler` never blocks the request that made a change: `enqueue` only records the
delivery and wakes the scheduler's task, which sends due deliveries concurrently.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol
from urllib.parse import quote, urlsplit, urlunsplit

import aiohttp

from msgraph_emulator.clock import Clock

DeliveryKind = Literal["notification", "lifecycle", "validation"]
DeliveryState = Literal["pending", "sending", "delivered", "failed", "dropped"]

RETRY_DELAYS_SECONDS = (60.0, 120.0, 240.0, 480.0, 960.0)  # G26
RETRY_INTERVAL_SECONDS = 1800.0
RETRY_PERIOD_SECONDS = 4 * 3600.0
BODY_EXCERPT_CHARS = 500
KEPT_RECORDS = 2000
POLL_INTERVAL_SECONDS = 0.05
MAX_ITEMS = 100  # notifications in one POST


@dataclass(frozen=True)
class SendResult:
    status: int | None
    elapsed_ms: float
    error: str | None = None
    body: str = ""
    content_type: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class Sender(Protocol):
    async def post(
        self, url: str, *, body: bytes, content_type: str, timeout_seconds: float
    ) -> SendResult: ...


class AiohttpSender:
    """POSTs through the emulator's one `ClientSession`; every call has an explicit timeout."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def post(
        self, url: str, *, body: bytes, content_type: str, timeout_seconds: float
    ) -> SendResult:
        started = time.perf_counter()
        try:
            async with self._session.post(
                url,
                data=body,
                headers={"Content-Type": content_type},
                timeout=aiohttp.ClientTimeout(total=timeout_seconds),
                allow_redirects=False,
            ) as response:
                text = await response.text(errors="replace")
                return SendResult(
                    status=response.status,
                    elapsed_ms=_since(started),
                    body=text[:BODY_EXCERPT_CHARS],
                    content_type=response.headers.get("Content-Type", ""),
                )
        except TimeoutError:
            return SendResult(status=None, elapsed_ms=_since(started), error="timeout")
        except aiohttp.ClientError as exc:
            return SendResult(status=None, elapsed_ms=_since(started), error=type(exc).__name__)


def _since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


@dataclass(frozen=True)
class RetryPolicy:
    compression: float = 1.0
    period_seconds: float = RETRY_PERIOD_SECONDS
    delays_seconds: tuple[float, ...] = RETRY_DELAYS_SECONDS
    interval_seconds: float = RETRY_INTERVAL_SECONDS

    def delay_after(self, failures: int) -> timedelta:
        """Wait before the next attempt once `failures` attempts have failed (≥ 1)."""
        steps = self.delays_seconds
        base = steps[failures - 1] if failures <= len(steps) else self.interval_seconds
        return timedelta(seconds=base * self.compression)

    def gives_up(self, *, first_attempt: datetime, now: datetime) -> bool:
        return (now - first_attempt).total_seconds() > self.period_seconds * self.compression


@dataclass(frozen=True)
class DeliveryAttempt:
    at: datetime
    result: SendResult

    def to_json(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "status": self.result.status,
            "error": self.result.error,
            "elapsedMs": self.result.elapsed_ms,
            "responseBody": self.result.body,
        }


@dataclass
class Delivery:
    id: int
    kind: DeliveryKind
    url: str
    items: list[dict[str, Any]]
    created_at: datetime
    next_attempt_at: datetime
    state: DeliveryState = "pending"
    attempts: list[DeliveryAttempt] = field(default_factory=list)

    def payload(self) -> bytes:
        return json.dumps({"value": self.items}).encode()

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "url": self.url,
            "state": self.state,
            "createdAt": self.created_at.isoformat(),
            "nextAttemptAt": self.next_attempt_at.isoformat() if self.state == "pending" else None,
            "payload": {"value": self.items},
            "attempts": [a.to_json() for a in self.attempts],
        }


class DeliveryLog:
    """Every delivery the emulator made or is making, newest last, bounded."""

    def __init__(self, *, keep: int = KEPT_RECORDS) -> None:
        self._records: list[Delivery] = []
        self._keep = keep
        self._next_id = 1

    def new(
        self, *, kind: DeliveryKind, url: str, items: list[dict[str, Any]], now: datetime
    ) -> Delivery:
        record = Delivery(self._next_id, kind, url, items, created_at=now, next_attempt_at=now)
        self._next_id += 1
        self._records.append(record)
        self._trim()
        return record

    def all(self) -> list[Delivery]:
        return list(self._records)

    def clear(self) -> None:
        self._records.clear()

    def _trim(self) -> None:
        excess = len(self._records) - self._keep
        finished = [r for r in self._records if r.state not in ("pending", "sending")]
        for record in finished[: max(excess, 0)]:
            self._records.remove(record)


class DeliveryScheduler:
    """Sends due deliveries on its own task; reads timings through callables so that
    `PUT /_emulator/settings` takes effect at once."""

    def __init__(
        self,
        *,
        clock: Clock,
        sender: Sender,
        log: DeliveryLog,
        policy: Callable[[], RetryPolicy],
        timeout_seconds: Callable[[], float],
    ) -> None:
        self._clock = clock
        self._sender = sender
        self._log = log
        self._policy = policy
        self._timeout = timeout_seconds
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._in_flight: set[asyncio.Task[None]] = set()

    def enqueue(
        self,
        *,
        kind: DeliveryKind,
        url: str,
        items: list[dict[str, Any]],
        batch_window_seconds: float = 0.0,
    ) -> Delivery:
        """Record a delivery. Changes join an unsent delivery to the same URL when a batch
        window is set (G25), and while a POST to that URL is in flight, so that a burst
        travels in a few POSTs of several items, as Graph sends them."""
        now = self._clock.now()
        if batch_window_seconds > 0 or self._busy(url):
            open_batch = self._open_batch(kind=kind, url=url)
            if open_batch is not None and len(open_batch.items) + len(items) <= MAX_ITEMS:
                open_batch.items.extend(items)
                return open_batch
        record = self._log.new(kind=kind, url=url, items=items, now=now)
        record.next_attempt_at = now + timedelta(seconds=batch_window_seconds)
        self.wake()
        return record

    def _busy(self, url: str) -> bool:
        return any(r.url == url and r.state == "sending" for r in self._log.all())

    def _open_batch(self, *, kind: DeliveryKind, url: str) -> Delivery | None:
        for record in reversed(self._log.all()):
            same_target = record.kind == kind and record.url == url
            if same_target and record.state == "pending" and not record.attempts:
                return record
        return None

    def wake(self) -> None:
        """Safe from any thread: changes may be made by code outside the server's loop."""
        loop, event = self._loop, self._wake
        if loop is None or event is None or loop.is_closed():
            return
        try:
            current: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            current = None
        if current is loop:
            event.set()
        else:
            loop.call_soon_threadsafe(event.set)

    def start_due(self) -> int:
        """Start every due delivery (or drop it when its retry period is over)."""
        now = self._clock.now()
        policy = self._policy()
        started = 0
        records = self._log.all()
        # One POST in flight per URL keeps a receiver's notifications in the order of the
        # changes; a failed one waits for its retry without holding the later ones back.
        busy = {r.url for r in records if r.state == "sending"}
        for record in records:
            if record.state != "pending" or record.next_attempt_at > now or record.url in busy:
                continue
            if record.attempts and policy.gives_up(first_attempt=record.attempts[0].at, now=now):
                record.state = "dropped"
                continue
            record.state = "sending"
            busy.add(record.url)
            task = asyncio.create_task(self._attempt(record))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)
            started += 1
        return started

    async def _attempt(self, record: Delivery) -> None:
        at = self._clock.now()
        try:
            result = await self._sender.post(
                record.url,  # a query string on the notification URL is kept (spec §10.1)
                body=record.payload(),
                content_type="application/json; charset=utf-8",
                timeout_seconds=self._timeout(),
            )
        except asyncio.CancelledError:
            record.state = "pending"  # the service stopped; a restarted one sends it again
            raise
        record.attempts.append(DeliveryAttempt(at=at, result=result))
        if result.ok:
            record.state = "delivered"
        else:
            delay = self._policy().delay_after(len(record.attempts))
            record.next_attempt_at = self._clock.now() + delay
            record.state = "pending"
        self.wake()  # the next delivery to this URL may go now

    async def run(
        self,
        *,
        poll_interval: float = POLL_INTERVAL_SECONDS,
        on_tick: Callable[[], None] | None = None,
    ) -> None:
        """Forever: run `on_tick`, start what is due, then sleep until woken or the poll
        interval passes (the poll notices due times reached by `Clock.advance`)."""
        self._loop = asyncio.get_running_loop()
        self._wake = wake = asyncio.Event()
        while True:
            if on_tick is not None:
                on_tick()
            self.start_due()
            wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=poll_interval)

    async def cancel_in_flight(self) -> None:
        for task in list(self._in_flight):
            task.cancel()
        await asyncio.gather(*list(self._in_flight), return_exceptions=True)

    async def drain(self) -> None:
        """Wait for the attempts in flight (used at shutdown and by tests)."""
        while self._in_flight:
            await asyncio.gather(*list(self._in_flight), return_exceptions=True)


def validation_token() -> str:
    """G23: spaces, a colon and a GUID, so a receiver echoing the encoded form fails."""
    return f"Validation token: {uuid.uuid4()} reachability check"


def validation_url(url: str, token: str) -> str:
    parts = urlsplit(url)
    parameter = f"validationToken={quote(token, safe='')}"
    query = f"{parts.query}&{parameter}" if parts.query else parameter
    return urlunsplit(parts._replace(query=query))


def handshake_passed(result: SendResult, token: str) -> bool:
    """200, `text/plain`, and the URL-decoded token as the whole body (spec §10.2)."""
    is_text = result.content_type.split(";")[0].strip().lower() == "text/plain"
    return result.status == 200 and is_text and result.body == token


async def validate_endpoint(
    sender: Sender, url: str, *, timeout_seconds: float, log: DeliveryLog, now: datetime
) -> bool:
    token = validation_token()
    result = await sender.post(
        validation_url(url, token),
        body=b"",
        content_type="text/plain; charset=utf-8",
        timeout_seconds=timeout_seconds,
    )
    record = log.new(kind="validation", url=url, items=[], now=now)
    record.attempts.append(DeliveryAttempt(at=now, result=result))
    passed = handshake_passed(result, token)
    record.state = "delivered" if passed else "failed"
    return passed
