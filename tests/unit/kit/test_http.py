"""kit/http: retries over the transport seam, Retry-After, the keyed governor, aiohttp."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from openelements.kit.http import (
    AiohttpTransport,
    HttpRequest,
    HttpResponse,
    HttpTimeouts,
    KeyedLimiter,
    RetryingTransport,
    RetryPolicy,
    TransportFailure,
    open_session,
    parse_retry_after,
)

NOW = dt.datetime(2026, 3, 3, 10, 0, 0, tzinfo=dt.UTC)


class ScriptedTransport:
    """Answers from a script; an exception in the script is raised instead of answering."""

    def __init__(self, *script: HttpResponse | Exception) -> None:
        self._script = list(script)
        self.requests: list[HttpRequest] = []

    async def send(self, request: HttpRequest) -> HttpResponse:
        self.requests.append(request)
        step = self._script.pop(0)
        if isinstance(step, Exception):
            raise step
        return step


class RecordingSleep:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def answer(status: int, **headers: str) -> HttpResponse:
    return HttpResponse(status=status, headers={k.replace("_", "-"): v for k, v in headers.items()})


def retrying(
    inner: ScriptedTransport, sleep: RecordingSleep, policy: RetryPolicy | None = None
) -> RetryingTransport:
    return RetryingTransport(
        inner,
        policy=policy or RetryPolicy(attempts=4, max_total_wait=60, jitter=0.0),
        sleep=sleep,
        clock=lambda: NOW,
        rng=random.Random(7),
    )


GET = HttpRequest(method="GET", url="http://graph.test/v1.0/me/calendar")
POST = HttpRequest(method="POST", url="http://graph.test/v1.0/me/events", body=b"{}")


@pytest.mark.anyio
async def test_429_is_retried_after_the_seconds_in_retry_after() -> None:
    inner = ScriptedTransport(answer(429, retry_after="3"), answer(200))
    sleep = RecordingSleep()
    response = await retrying(inner, sleep).send(GET)
    assert response.status == 200
    assert sleep.waits == [3.0]
    assert len(inner.requests) == 2


@pytest.mark.anyio
async def test_retry_after_as_http_date_is_honoured() -> None:
    inner = ScriptedTransport(answer(503, retry_after="Tue, 03 Mar 2026 10:00:05 GMT"), answer(200))
    sleep = RecordingSleep()
    assert (await retrying(inner, sleep).send(GET)).status == 200
    assert sleep.waits == [5.0]


@pytest.mark.anyio
async def test_retry_after_zero_or_missing_falls_back_to_exponential_backoff() -> None:
    inner = ScriptedTransport(answer(429, retry_after="0"), answer(429), answer(504), answer(200))
    sleep = RecordingSleep()
    policy = RetryPolicy(attempts=4, backoff_initial=0.5, jitter=0.0)
    assert (await retrying(inner, sleep, policy).send(GET)).status == 200
    assert sleep.waits == [0.5, 1.0, 2.0]


@pytest.mark.anyio
async def test_backoff_jitter_stays_within_its_bound() -> None:
    policy = RetryPolicy(backoff_initial=1.0, jitter=0.5, backoff_max=30)
    rng = random.Random(1)
    waits = [policy.backoff(3, rng) for _ in range(50)]
    assert all(4.0 <= wait <= 4.5 for wait in waits)
    assert len(set(waits)) > 1


@pytest.mark.anyio
async def test_exhausted_attempts_return_the_last_429_with_its_retry_after() -> None:
    inner = ScriptedTransport(*(answer(429, retry_after="1") for _ in range(3)))
    sleep = RecordingSleep()
    response = await retrying(inner, sleep, RetryPolicy(attempts=3)).send(GET)
    assert response.status == 429
    assert response.header("Retry-After") == "1"
    assert len(inner.requests) == 3
    assert sleep.waits == [1.0, 1.0]


@pytest.mark.anyio
async def test_a_single_attempt_policy_never_retries() -> None:
    inner = ScriptedTransport(answer(503), TransportFailure("refused"))
    sleep = RecordingSleep()
    transport = retrying(inner, sleep, RetryPolicy(attempts=1))
    assert (await transport.send(GET)).status == 503
    with pytest.raises(TransportFailure, match="refused"):
        await transport.send(GET)
    assert len(inner.requests) == 2
    assert sleep.waits == []


@pytest.mark.anyio
async def test_a_first_attempt_that_succeeds_is_sent_once_without_waiting() -> None:
    inner = ScriptedTransport(answer(200))
    sleep = RecordingSleep()
    assert (await retrying(inner, sleep).send(GET)).status == 200
    assert inner.requests == [GET]
    assert sleep.waits == []


@pytest.mark.anyio
async def test_a_wait_beyond_the_total_budget_stops_retrying_at_once() -> None:
    inner = ScriptedTransport(answer(429, retry_after="120"))
    sleep = RecordingSleep()
    response = await retrying(inner, sleep, RetryPolicy(max_total_wait=60)).send(GET)
    assert response.status == 429
    assert sleep.waits == []
    assert len(inner.requests) == 1


@pytest.mark.anyio
async def test_post_is_retried_on_429_but_not_on_503() -> None:
    sleep = RecordingSleep()
    throttled = ScriptedTransport(answer(429, retry_after="1"), answer(201))
    assert (await retrying(throttled, sleep).send(POST)).status == 201
    unavailable = ScriptedTransport(answer(503))
    assert (await retrying(unavailable, sleep).send(POST)).status == 503
    assert len(unavailable.requests) == 1


@pytest.mark.anyio
async def test_post_marked_idempotent_is_retried_on_503() -> None:
    inner = ScriptedTransport(answer(503, retry_after="2"), answer(201))
    request = HttpRequest(method="POST", url=POST.url, body=b"{}", idempotent=True)
    assert (await retrying(inner, RecordingSleep()).send(request)).status == 201


@pytest.mark.anyio
async def test_other_statuses_are_returned_without_retry() -> None:
    for status in (400, 401, 404, 500, 502):
        inner = ScriptedTransport(answer(status))
        assert (await retrying(inner, RecordingSleep()).send(GET)).status == status
        assert len(inner.requests) == 1


@pytest.mark.anyio
async def test_connection_failures_are_retried_for_get_then_raised() -> None:
    inner = ScriptedTransport(*(TransportFailure("refused") for _ in range(4)))
    sleep = RecordingSleep()
    with pytest.raises(TransportFailure):
        await retrying(inner, sleep).send(GET)
    assert len(inner.requests) == 4
    assert len(sleep.waits) == 3


@pytest.mark.anyio
async def test_connection_failure_on_post_is_not_retried() -> None:
    inner = ScriptedTransport(TransportFailure("reset"))
    with pytest.raises(TransportFailure):
        await retrying(inner, RecordingSleep()).send(POST)
    assert len(inner.requests) == 1


@pytest.mark.anyio
async def test_retries_carry_a_retry_attempt_header() -> None:
    inner = ScriptedTransport(
        answer(429, retry_after="1"), answer(429, retry_after="1"), answer(200)
    )
    await retrying(inner, RecordingSleep()).send(GET)
    assert [r.headers.get("Retry-Attempt") for r in inner.requests] == [None, "1", "2"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("0", None),
        ("7", 7.0),
        ("soon", None),
        ("Tue, 03 Mar 2026 10:00:30 GMT", 30.0),
        ("Tue, 03 Mar 2026 09:59:00 GMT", None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == expected


@pytest.mark.anyio
async def test_keyed_limiter_admits_at_most_limit_holders_per_key() -> None:
    limiter = KeyedLimiter(limit=4)
    peak = 0
    gate = asyncio.Event()

    async def hold(key: str) -> None:
        nonlocal peak
        async with limiter.hold(key):
            peak = max(peak, limiter.in_use("dana@acme.example"))
            await gate.wait()

    tasks = [asyncio.create_task(hold("dana@acme.example")) for _ in range(10)]
    tasks += [asyncio.create_task(hold("lee@acme.example")) for _ in range(3)]
    await asyncio.sleep(0.01)
    assert limiter.in_use("dana@acme.example") == 4
    assert limiter.in_use("lee@acme.example") == 3
    gate.set()
    await asyncio.gather(*tasks)
    assert peak == 4
    assert limiter.in_use("dana@acme.example") == 0


@pytest.mark.anyio
async def test_keyed_limiter_forgets_idle_keys() -> None:
    limiter = KeyedLimiter(limit=2)
    for index in range(100):
        async with limiter.hold(f"mailbox-{index}"):
            pass
    assert limiter._slots == {}


@pytest.mark.anyio
async def test_keyed_limiter_releases_the_slot_of_a_holder_that_fails_or_a_waiter_cancelled() -> (
    None
):
    limiter = KeyedLimiter(limit=1)
    with pytest.raises(RuntimeError):
        async with limiter.hold("dana"):
            raise RuntimeError("provider call failed")
    assert limiter._slots == {}
    gate = asyncio.Event()

    async def hold() -> None:
        async with limiter.hold("dana"):
            await gate.wait()

    holder, waiter = asyncio.create_task(hold()), asyncio.create_task(hold())
    await asyncio.sleep(0.01)
    waiter.cancel()
    await asyncio.sleep(0)
    assert limiter.in_use("dana") == 1
    gate.set()
    await holder
    assert waiter.cancelled()
    assert limiter._slots == {}
    async with limiter.hold("dana"):
        assert limiter.in_use("dana") == 1


def test_keyed_limiter_refuses_a_limit_below_one() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        KeyedLimiter(limit=0)


@pytest.fixture
async def loopback_server() -> AsyncIterator[str]:
    async def echo(request: web.Request) -> web.Response:
        body = await request.read()
        return web.json_response(
            {"method": request.method, "body": body.decode(), "crid": request.headers.get("x-c")},
            status=201,
            headers={"Retry-After": "2"},
        )

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(1)
        return web.Response(text="late")

    app = web.Application()
    app.router.add_route("*", "/echo", echo)
    app.router.add_get("/slow", slow)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


@pytest.mark.anyio
async def test_aiohttp_transport_sends_and_reads_over_loopback(loopback_server: str) -> None:
    async with open_session() as session:
        transport = AiohttpTransport(session)
        request = HttpRequest(
            method="POST", url=f"{loopback_server}/echo", headers={"X-C": "abc"}, body=b"hi"
        )
        response = await transport.send(request)
    assert response.status == 201
    assert response.header("retry-after") == "2"
    assert b'"body": "hi"' in response.body
    assert b'"crid": "abc"' in response.body


@pytest.mark.anyio
async def test_aiohttp_transport_turns_a_read_timeout_into_transport_failure(
    loopback_server: str,
) -> None:
    timeouts = HttpTimeouts(connect=1, read=0.1, write=0.1, pool=0.1)
    async with open_session(timeouts=timeouts) as session:
        with pytest.raises(TransportFailure):
            await AiohttpTransport(session).send(HttpRequest("GET", f"{loopback_server}/slow"))


@pytest.mark.anyio
async def test_aiohttp_transport_turns_a_refused_connection_into_transport_failure() -> None:
    async with open_session() as session:
        with pytest.raises(TransportFailure):
            await AiohttpTransport(session).send(HttpRequest("GET", "http://127.0.0.1:9/x"))


def test_timeouts_map_to_aiohttp_with_the_pool_wait_inside_connect() -> None:
    timeout = HttpTimeouts(connect=5, read=30, write=30, pool=10).to_aiohttp()
    assert timeout.sock_connect == 5
    assert timeout.sock_read == 30
    assert timeout.connect == 15
    assert timeout.total == 75
    assert isinstance(timeout, aiohttp.ClientTimeout)
