"""Outbound HTTP: one shared session, a one-method transport seam, retries, a keyed governor.

Provider-neutral: nothing here knows Graph. The pieces stack like this

    caller ──► RetryingTransport ──► AiohttpTransport ──► aiohttp.ClientSession (one per process)
                 (stamina; Retry-After)      (the real network; any `Transport` plugs in here)

`Transport` is the seam (the httpx idea): `send(HttpRequest) -> HttpResponse`. Tests plug a fake
transport or point the real one at the emulator on loopback; nothing is patched.

Retry rules (microsoft-graph.md §12 and §19.3):

- 429 is always retried: a throttled request was not processed.
- 503, 504 and connection failures/timeouts are retried only for idempotent requests (GET, HEAD,
  PUT, DELETE, OPTIONS, or a request marked `idempotent=True`, e.g. an event POST carrying a
  `transactionId`).
- The wait is `Retry-After` (seconds or an HTTP date) when present and positive; otherwise (absent,
  `0`, unparsable) exponential back-off with jitter, like kiota's retry handler.
- Attempts are bounded, and so is the total time spent waiting: when the next wait would exceed
  the budget, retrying stops and the last answer is returned (a 429 then keeps its `Retry-After`
  so the caller can pass it on, D78). Connection failures that outlast the retries raise
  `TransportFailure`.

stamina drives the attempt loop (attempt bound, its retry instrumentation). Its own sleep cannot
be injected, so the backoff hook asks stamina for a zero wait and the computed wait is taken
through the injected `sleep` at the start of the next attempt; tests inject a recording sleep and
run instantly and deterministically.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import json
import random
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiohttp
import stamina
import structlog

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_RETRY_POLICY",
    "DEFAULT_TIMEOUTS",
    "AiohttpTransport",
    "HttpLimits",
    "HttpRequest",
    "HttpResponse",
    "HttpTimeouts",
    "KeyedLimiter",
    "RetryPolicy",
    "RetryingTransport",
    "Transport",
    "TransportFailure",
    "json_body",
    "open_session",
    "parse_retry_after",
]

log = structlog.get_logger(__name__)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], dt.datetime]


@dataclass(frozen=True, slots=True)
class HttpRequest:
    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None
    idempotent: bool | None = None
    """None: decided by the method. True/False overrides (e.g. POST with a transactionId)."""

    @property
    def is_idempotent(self) -> bool:
        if self.idempotent is not None:
            return self.idempotent
        return self.method.upper() in IDEMPOTENT_METHODS


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str]
    """Header names lower-cased."""
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


class TransportFailure(Exception):
    """No HTTP answer at all: connection refused or reset, DNS failure, timeout."""


class Transport(Protocol):
    async def send(self, request: HttpRequest) -> HttpResponse: ...


@dataclass(frozen=True, slots=True)
class HttpTimeouts:
    """Seconds. aiohttp has no separate write timeout: `write` only widens the total bound."""

    connect: float = 5.0
    read: float = 30.0
    write: float = 30.0
    pool: float = 10.0

    def to_aiohttp(self) -> aiohttp.ClientTimeout:
        return aiohttp.ClientTimeout(
            total=self.pool + self.connect + self.write + self.read,
            connect=self.pool + self.connect,  # aiohttp's `connect` includes the pool wait
            sock_connect=self.connect,
            sock_read=self.read,
        )


@dataclass(frozen=True, slots=True)
class HttpLimits:
    connections: int = 100
    connections_per_host: int = 0
    """0 means no per-host cap beyond `connections` (Graph is one host)."""
    keepalive_seconds: float = 30.0


DEFAULT_TIMEOUTS = HttpTimeouts()
DEFAULT_LIMITS = HttpLimits()


def open_session(
    *, timeouts: HttpTimeouts = DEFAULT_TIMEOUTS, limits: HttpLimits = DEFAULT_LIMITS
) -> aiohttp.ClientSession:
    """The process's one outbound session; create in the lifespan, close at shutdown."""
    connector = aiohttp.TCPConnector(
        limit=limits.connections,
        limit_per_host=limits.connections_per_host,
        keepalive_timeout=limits.keepalive_seconds,
    )
    return aiohttp.ClientSession(
        connector=connector,
        timeout=timeouts.to_aiohttp(),
        auto_decompress=True,
        raise_for_status=False,
        trust_env=False,
    )


class AiohttpTransport:
    """The real network, through the shared session."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def send(self, request: HttpRequest) -> HttpResponse:
        try:
            async with self._session.request(
                request.method,
                request.url,
                headers=dict(request.headers),
                data=request.body,
                allow_redirects=False,
            ) as answer:
                body = await answer.read()
                headers = {name.lower(): value for name, value in answer.headers.items()}
                return HttpResponse(status=answer.status, headers=headers, body=body)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise TransportFailure(f"{type(exc).__name__} calling {request.method}") from exc


def parse_retry_after(value: str | None, *, now: dt.datetime) -> float | None:
    """Seconds to wait from a `Retry-After` value, or None when absent, zero or unparsable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        seconds = float(int(text))
        return seconds if seconds > 0 else None
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    seconds = (when - now).total_seconds()
    return seconds if seconds > 0 else None


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 4
    """Total tries, first one included."""
    max_total_wait: float = 60.0
    """Seconds of waiting summed over all retries of one call."""
    backoff_initial: float = 0.5
    backoff_max: float = 30.0
    jitter: float = 0.5
    retry_statuses: frozenset[int] = frozenset({429, 503, 504})

    def backoff(self, retry_number: int, rng: random.Random) -> float:
        """Exponential back-off with jitter for the `retry_number`-th retry (1-based)."""
        base = self.backoff_initial * float(2 ** (retry_number - 1))
        return min(self.backoff_max, base + rng.uniform(0, self.jitter))

    def is_retryable(self, request: HttpRequest, response: HttpResponse | None) -> bool:
        if response is None:
            return request.is_idempotent
        if response.status not in self.retry_statuses:
            return False
        return response.status == 429 or request.is_idempotent


DEFAULT_RETRY_POLICY = RetryPolicy()


class _RetryableOutcome(Exception):
    """Internal: carries a retryable answer (or failure) through stamina's loop."""

    def __init__(self, response: HttpResponse | None, failure: TransportFailure | None) -> None:
        super().__init__("retryable outcome")
        self.response = response
        self.failure = failure


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class _RetryRun:
    """The state of one call's retries: pending wait and the budget left."""

    def __init__(self, *, policy: RetryPolicy, clock: Clock, rng: random.Random) -> None:
        self._policy = policy
        self._clock = clock
        self._rng = rng
        self._retries = 0
        self._waited = 0.0
        self.pending_wait = 0.0

    @property
    def retries(self) -> int:
        return self._retries

    def plan_next(self, exc: Exception) -> bool | float:
        """stamina backoff hook: False stops; 0.0 retries with our own wait queued."""
        if not isinstance(exc, _RetryableOutcome):
            return False
        wait = self._wait_for(exc.response)
        if self._waited + wait > self._policy.max_total_wait:
            return False
        self._retries += 1
        self._waited += wait
        self.pending_wait = wait
        log.info(
            "http.retry",
            retry=self._retries,
            wait_seconds=round(wait, 3),
            status=exc.response.status if exc.response is not None else None,
        )
        return 0.0

    def _wait_for(self, response: HttpResponse | None) -> float:
        header = response.header("retry-after") if response is not None else None
        advised = parse_retry_after(header, now=self._clock())
        if advised is not None:
            return advised
        return self._policy.backoff(self._retries + 1, self._rng)


class RetryingTransport:
    """Wraps a transport with the retry rules of the module docstring."""

    def __init__(
        self,
        inner: Transport,
        *,
        policy: RetryPolicy = DEFAULT_RETRY_POLICY,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = _utc_now,
        rng: random.Random | None = None,
    ) -> None:
        self._inner = inner
        self._policy = policy
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()  # jitter, not security

    async def send(self, request: HttpRequest) -> HttpResponse:
        """The first attempt runs bare: setting up stamina's loop (tenacity state, hooks) cost
        about a tenth of a hub call's CPU, and almost every call succeeds at once. stamina takes
        over only for the retries, with the same bound and the same `plan_next` decisions."""
        run = _RetryRun(policy=self._policy, clock=self._clock, rng=self._rng)
        try:
            return await self._attempt(request, run)
        except _RetryableOutcome as outcome:
            if run.plan_next(outcome) is False or self._policy.attempts <= 1:
                return _outcome(outcome)
        try:
            async for attempt in stamina.retry_context(
                on=run.plan_next, attempts=self._policy.attempts - 1, timeout=None
            ):
                with attempt:
                    return await self._attempt(request, run)
        except _RetryableOutcome as outcome:
            return _outcome(outcome)
        raise AssertionError("stamina ended the loop without an outcome")  # pragma: no cover

    async def _attempt(self, request: HttpRequest, run: _RetryRun) -> HttpResponse:
        if run.pending_wait > 0:
            await self._sleep(run.pending_wait)
            run.pending_wait = 0.0
        sent = _with_retry_attempt(request, run.retries)
        try:
            response = await self._inner.send(sent)
        except TransportFailure as failure:
            if self._policy.is_retryable(request, None):
                raise _RetryableOutcome(None, failure) from failure
            raise
        if self._policy.is_retryable(request, response):
            raise _RetryableOutcome(response, None)
        return response


def _outcome(outcome: _RetryableOutcome) -> HttpResponse:
    """The last retryable answer, or its failure raised, once retrying has stopped."""
    if outcome.response is not None:
        return outcome.response
    raise outcome.failure or TransportFailure("no answer") from outcome.__cause__


def _with_retry_attempt(request: HttpRequest, retries: int) -> HttpRequest:
    """Adds `Retry-Attempt: n` on retries, as kiota does, so the far side can tell them apart."""
    if retries == 0:
        return request
    headers = {**request.headers, "Retry-Attempt": str(retries)}
    return HttpRequest(
        method=request.method,
        url=request.url,
        headers=headers,
        body=request.body,
        idempotent=request.idempotent,
    )


@dataclass(slots=True)
class _KeySlot:
    semaphore: asyncio.Semaphore
    users: int = 0
    """Holders plus waiters; the slot is dropped at zero."""
    active: int = 0


class KeyedLimiter:
    """At most `limit` holders per key at once (Graph: 4 concurrent requests per mailbox).

    Semaphores are created on demand and dropped when no one holds or waits for the key, so the
    map stays as small as the set of busy keys. Per process: across processes the provider's own
    limit still applies and its 429s are retried.
    """

    def __init__(self, limit: int = 4) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self._limit = limit
        self._slots: dict[str, _KeySlot] = {}

    @property
    def limit(self) -> int:
        return self._limit

    def in_use(self, key: str) -> int:
        slot = self._slots.get(key)
        return 0 if slot is None else slot.active

    def hold(self, key: str) -> AbstractAsyncContextManager[None]:
        """`async with limiter.hold(key):` — a plain object, not a generator-based context
        manager: this is entered on every provider call."""
        return _Hold(self, key)

    async def _enter(self, key: str) -> _KeySlot:
        slot = self._slots.get(key)
        if slot is None:
            slot = self._slots[key] = _KeySlot(asyncio.Semaphore(self._limit))
        slot.users += 1
        try:
            await slot.semaphore.acquire()
        except BaseException:
            self._leave(key, slot)
            raise
        slot.active += 1
        return slot

    def _exit(self, key: str, slot: _KeySlot) -> None:
        slot.active -= 1
        slot.semaphore.release()
        self._leave(key, slot)

    def _leave(self, key: str, slot: _KeySlot) -> None:
        slot.users -= 1
        if slot.users == 0:
            del self._slots[key]


class _Hold:
    __slots__ = ("_key", "_limiter", "_slot")

    def __init__(self, limiter: KeyedLimiter, key: str) -> None:
        self._limiter = limiter
        self._key = key
        self._slot: _KeySlot | None = None

    async def __aenter__(self) -> None:
        self._slot = await self._limiter._enter(self._key)

    async def __aexit__(self, *_exc: object) -> None:
        if self._slot is not None:
            self._limiter._exit(self._key, self._slot)
            self._slot = None


def json_body(value: Any) -> bytes:
    """Compact UTF-8 JSON, as request bodies go on the wire."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
