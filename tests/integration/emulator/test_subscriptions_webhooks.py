"""Subscriptions over real HTTP with a plain aiohttp receiver on loopback (§10, G21-G27).

The emulator runs in its own thread; the receiver and the test's Graph client run on the
test's loop. Timings are made small through the control API and retries are driven by the
emulator clock, never by long sleeps.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
from aiohttp import web

from msgraph_emulator.emulator import DIRECT_TOKEN_CLIENT_ID
from msgraph_emulator.identity.grants import RefreshGrant

pytestmark = pytest.mark.anyio

CLIENT_STATE = "Zr4bq9mXk0tP2vY7wL1sD8fH3jN6cQ5a"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Receiver:
    """A webhook endpoint: answers validation as told and notifications with scripted statuses."""

    def __init__(self) -> None:
        self.handshake = "echo"  # echo | encoded | late | json | 500
        self.statuses: list[int] = []  # answers to notifications, in turn; then 202
        self.hold_next = False  # keep the next notification unanswered until teardown
        self.released = asyncio.Event()  # set at teardown: held answers may go then
        self.validations: list[str] = []
        self.posts: list[dict[str, Any]] = []  # each POST's document
        self.notifications: list[dict[str, Any]] = []  # every `value[]` item, in order
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        token = request.query.get("validationToken")
        if token is not None:
            return await self._validate(request, token)
        document = await request.json()
        if self.hold_next:
            self.hold_next = False
            await self.released.wait()
        status = self.statuses.pop(0) if self.statuses else 202
        if 200 <= status < 300:
            self.posts.append(document)
            self.notifications.extend(document["value"])
        return web.Response(status=status)

    async def _validate(self, request: web.Request, token: str) -> web.Response:
        self.validations.append(token)
        if self.handshake == "late":
            await self.released.wait()
        if self.handshake == "500":
            return web.Response(status=500)
        if self.handshake == "json":
            return web.json_response({"token": token})
        body = quote(token) if self.handshake == "encoded" else token
        return web.Response(text=body, content_type="text/plain")


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    hook = Receiver()
    app = web.Application()
    app.router.add_post("/hook", hook.handle)
    app.router.add_post("/lifecycle", hook.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    hook.url = f"http://127.0.0.1:{port}"
    yield hook
    hook.released.set()
    await runner.cleanup()


class Graph:
    def __init__(self, running: Any, session: aiohttp.ClientSession) -> None:
        emulator = running.emulator
        self.emulator = emulator
        self.user = emulator.create_user(
            user_principal_name="dana@acme.example", display_name="Dana"
        )
        self.base, self.graph = running.base_url, running.graph_url
        self.session = session
        self.new_token()

    def new_token(self) -> None:
        token = self.emulator.issue_user_token(self.user).value
        self.auth = {"Authorization": f"Bearer {token}"}

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        url = path if path.startswith("http") else f"{self.graph}{path}"
        async with self.session.request(method, url, json=body, headers=self.auth) as answer:
            data = await answer.json() if answer.content_length else None
            return answer.status, data

    async def control(self, method: str, path: str, body: Any = None) -> Any:
        async with self.session.request(
            method, f"{self.base}/_emulator{path}", json=body
        ) as answer:
            assert answer.status < 300, await answer.text()
            return await answer.json() if answer.content_length else None

    async def subscribe(self, hook: Receiver, **extra: Any) -> tuple[int, Any]:
        expiry = self.emulator.clock.now() + timedelta(hours=2)
        body = {
            "changeType": "created,updated,deleted",
            "notificationUrl": f"{hook.url}/hook?tenant=42",
            "resource": "/me/events",
            "expirationDateTime": expiry.strftime("%Y-%m-%dT%H:%M:%S.0000000Z"),
            "clientState": CLIENT_STATE,
            **extra,
        }
        return await self.call("POST", "/subscriptions", body)

    async def create_event(self, subject: str) -> str:
        body = {
            "subject": subject,
            "start": {"dateTime": "2026-04-02T09:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2026-04-02T10:00:00", "timeZone": "UTC"},
        }
        status, event = await self.call("POST", "/me/events", body)
        assert status == 201
        return str(event["id"])

    async def deliveries(self, kind: str = "notification") -> list[dict[str, Any]]:
        records = await self.control("GET", "/deliveries")
        return [r for r in records if r["kind"] == kind]

    async def advance(self, seconds: float) -> None:
        await self.control("POST", "/clock", {"advanceSeconds": seconds})


@pytest.fixture
async def graph(running_emulator: Any) -> AsyncIterator[Graph]:
    async with aiohttp.ClientSession() as session:
        client = Graph(running_emulator, session)
        # Timeouts stay at Graph's 10 s and 3 s: a receiver on this process's loop can be slow
        # to answer in a loaded run (GC pauses of a large suite, two busy cores), and a 0.3 s
        # timeout then failed deliveries the tests expect to succeed. Tests that need a
        # timeout to trip hold the answer back (`Receiver.released`) and shorten it themselves.
        yield client


async def until(check: Callable[[], Any], *, seconds: float = 5.0) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def test_good_receiver_is_validated_then_notified_of_creates_updates_deletes(
    graph: Graph, receiver: Receiver
) -> None:
    status, subscription = await graph.subscribe(receiver)
    assert status == 201, subscription
    assert subscription["clientState"] == CLIENT_STATE
    assert subscription["resource"] == "/me/events"
    (token,) = receiver.validations
    assert " " in token
    assert ":" in token

    event_id = await graph.create_event("kickoff")
    await graph.call("PATCH", f"/me/events/{quote(event_id, safe='')}", {"subject": "moved"})
    await graph.call("DELETE", f"/me/events/{quote(event_id, safe='')}")

    await until(lambda: len(receiver.notifications) == 3)
    items = receiver.notifications
    assert [i["changeType"] for i in items] == ["created", "updated", "deleted"]
    for item in items:
        assert item["subscriptionId"] == subscription["id"]
        assert item["clientState"] == CLIENT_STATE
        assert item["tenantId"] == graph.emulator.directory.tenant_id
        assert item["resource"] == f"Users/{graph.user.id}/Events/{event_id}"
        assert item["resourceData"]["id"] == event_id
        assert item["resourceData"]["@odata.type"] == "#Microsoft.Graph.Event"
    assert "@odata.etag" in items[1]["resourceData"]
    records = await graph.deliveries()
    assert all(r["url"] == f"{receiver.url}/hook?tenant=42" for r in records)
    assert all(r["state"] == "delivered" for r in records)


@pytest.mark.parametrize("handshake", ["encoded", "late", "json", "500"])
async def test_receiver_that_answers_wrongly_or_late_is_refused(
    graph: Graph, receiver: Receiver, handshake: str
) -> None:
    receiver.handshake = handshake
    await graph.control("PUT", "/settings", {"subscriptionValidationTimeoutSeconds": 0.4})
    status, answer = await graph.subscribe(receiver)
    assert status == 400
    assert answer["error"]["code"] == "InvalidRequest"
    assert "validation request failed" in answer["error"]["message"]
    status, listed = await graph.call("GET", "/subscriptions")
    assert listed["value"] == []


async def test_failing_receiver_is_retried_and_gets_the_notification_once_it_recovers(
    graph: Graph, receiver: Receiver
) -> None:
    await graph.subscribe(receiver)
    receiver.statuses = [500]
    await graph.create_event("one")
    first = await until(lambda: _settled(graph))
    assert [a["status"] for a in first[0]["attempts"]] == [500]
    assert receiver.notifications == []

    receiver.hold_next = True  # unanswered until teardown: this attempt times out
    await graph.control("PUT", "/settings", {"notificationTimeoutSeconds": 0.3})
    await graph.advance(60)  # the first retry comes a minute later
    second = await until(lambda: _settled(graph, attempts=2))
    assert second[0]["attempts"][1]["error"] == "timeout"

    await graph.control("PUT", "/settings", {"notificationTimeoutSeconds": 3})
    await graph.advance(120)  # then two minutes later
    third = await until(lambda: _settled(graph, attempts=3))
    assert third[0]["state"] == "delivered"
    assert third[0]["attempts"][2]["status"] == 202
    await until(lambda: len(receiver.notifications) == 1)


async def _settled(graph: Graph, *, attempts: int = 1) -> list[dict[str, Any]] | None:
    records = await graph.deliveries()
    done = records and records[0]["state"] in ("pending", "delivered", "dropped")
    return records if done and len(records[0]["attempts"]) >= attempts else None


async def test_delivery_is_dropped_after_the_retry_period(graph: Graph, receiver: Receiver) -> None:
    await graph.control("PUT", "/settings", {"notificationRetryPeriodSeconds": 300})
    await graph.subscribe(receiver)
    receiver.statuses = [503] * 10
    await graph.create_event("doomed")
    await until(lambda: _settled(graph))
    for step, attempts in ((60, 2), (120, 3)):
        await graph.advance(step)
        await until(lambda n=attempts: _settled(graph, attempts=n))  # type: ignore[misc]
    await graph.advance(240)  # the next retry would be 7 minutes after the first attempt
    records = await until(lambda: _dropped(graph))
    assert len(records[0]["attempts"]) == 3
    assert receiver.notifications == []


async def _dropped(graph: Graph) -> list[dict[str, Any]] | None:
    records = await graph.deliveries()
    return records if records and records[0]["state"] == "dropped" else None


async def test_changes_of_a_short_window_arrive_in_one_post(
    graph: Graph, receiver: Receiver
) -> None:
    await graph.control("PUT", "/settings", {"notificationBatchWindowMs": 300})
    await graph.subscribe(receiver)
    await graph.create_event("a")
    await graph.create_event("b")
    await until(lambda: receiver.notifications)
    assert [i["changeType"] for i in receiver.posts[0]["value"]] == ["created", "created"]


async def test_lifecycle_url_is_validated_and_gets_events_on_demand(
    graph: Graph, receiver: Receiver
) -> None:
    status, subscription = await graph.subscribe(
        receiver, lifecycleNotificationUrl=f"{receiver.url}/lifecycle"
    )
    assert status == 201
    assert len(receiver.validations) == 2
    path = f"/subscriptions/{subscription['id']}/lifecycle"
    await graph.control("POST", path, {"event": "missed"})
    await until(lambda: receiver.notifications)
    item = receiver.notifications[0]
    assert item["lifecycleEvent"] == "missed"
    assert item["subscriptionId"] == subscription["id"]
    assert item["clientState"] == CLIENT_STATE

    await graph.control("POST", path, {"event": "subscriptionRemoved"})
    await until(lambda: len(receiver.notifications) == 2)
    status, _ = await graph.call("GET", f"/subscriptions/{subscription['id']}")
    assert status == 404


async def test_revoked_refresh_tokens_remove_the_subscription(
    graph: Graph, receiver: Receiver
) -> None:
    status, subscription = await graph.subscribe(
        receiver, lifecycleNotificationUrl=f"{receiver.url}/lifecycle"
    )
    grant = RefreshGrant(
        user_id=graph.user.id,
        client_id=DIRECT_TOKEN_CLIENT_ID,
        scopes=("Calendars.Read",),
        issued_at=graph.emulator.clock.now(),
    )
    graph.emulator.directory.grants.issue_refresh(grant)
    await graph.control("POST", "/tokens/revoke", {})
    await until(lambda: receiver.notifications)
    assert receiver.notifications[0]["lifecycleEvent"] == "subscriptionRemoved"
    status, _ = await graph.call("GET", f"/subscriptions/{subscription['id']}")
    assert status == 404


async def test_lifetime_is_bounded_renewable_and_expired_subscriptions_disappear(
    graph: Graph, receiver: Receiver
) -> None:
    too_far = graph.emulator.clock.now() + timedelta(minutes=10_081)
    status, answer = await graph.subscribe(receiver, expirationDateTime=too_far.isoformat())
    assert status == 400
    assert "10080 minutes" in answer["error"]["message"]

    status, subscription = await graph.subscribe(receiver)
    renewed_to = graph.emulator.clock.now() + timedelta(days=3)
    status, renewed = await graph.call(
        "PATCH",
        f"/subscriptions/{subscription['id']}",
        {"expirationDateTime": renewed_to.isoformat()},
    )
    assert status == 200
    assert renewed["expirationDateTime"] == renewed_to.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert len(receiver.validations) == 1  # renewal does not validate again (G23)
    moved = f"{receiver.url}/lifecycle"
    status, patched = await graph.call(
        "PATCH", f"/subscriptions/{subscription['id']}", {"notificationUrl": moved}
    )
    assert status == 200
    assert patched["notificationUrl"] == moved
    assert len(receiver.validations) == 2  # a new URL is validated (G23)
    receiver.handshake = "encoded"
    status, _ = await graph.call(
        "PATCH", f"/subscriptions/{subscription['id']}", {"notificationUrl": f"{receiver.url}/hook"}
    )
    assert status == 400

    await graph.advance(3 * 24 * 3600 + 1)
    graph.new_token()
    status, _ = await graph.call("GET", f"/subscriptions/{subscription['id']}")
    assert status == 404
    await graph.create_event("after expiry")
    await asyncio.sleep(0.2)
    assert await graph.deliveries() == []


async def test_subscription_is_listed_read_and_deleted(graph: Graph, receiver: Receiver) -> None:
    _, subscription = await graph.subscribe(receiver, clientState=None)
    assert subscription["clientState"] is None  # G21
    status, listed = await graph.call("GET", "/subscriptions")
    assert [s["id"] for s in listed["value"]] == [subscription["id"]]
    status, _ = await graph.call("DELETE", f"/subscriptions/{subscription['id']}")
    assert status == 204
    status, _ = await graph.call("DELETE", f"/subscriptions/{subscription['id']}")
    assert status == 404


@pytest.mark.parametrize(
    "override",
    [
        {"resource": "/me/messages"},
        {"changeType": "created,moved"},
        {"notificationUrl": "http://hooks.example.com/hook"},
        {"includeResourceData": True},
        {"expirationDateTime": "2001-01-01T00:00:00Z"},
    ],
)
async def test_invalid_subscriptions_are_refused(
    graph: Graph, receiver: Receiver, override: dict[str, Any]
) -> None:
    status, answer = await graph.subscribe(receiver, **override)
    assert status == 400
    assert answer["error"]["code"] == "InvalidRequest"
    assert receiver.validations == []


async def test_calendar_scoped_subscription_hears_only_its_calendar(
    graph: Graph, receiver: Receiver
) -> None:
    status, work = await graph.call("POST", "/me/calendars", {"name": "Work"})
    assert status == 201
    status, _ = await graph.subscribe(receiver, resource=f"/me/calendars/{work['id']}/events")
    assert status == 201
    await graph.create_event("in the default calendar")
    body = {
        "subject": "in Work",
        "start": {"dateTime": "2026-04-03T09:00:00", "timeZone": "UTC"},
        "end": {"dateTime": "2026-04-03T10:00:00", "timeZone": "UTC"},
    }
    status, event = await graph.call(
        "POST", f"/me/calendars/{quote(work['id'], safe='')}/events", body
    )
    assert status == 201
    await until(lambda: receiver.notifications)
    await asyncio.sleep(0.1)
    assert [n["resourceData"]["id"] for n in receiver.notifications] == [event["id"]]


async def test_automatic_reauthorization_reminders_pause_notifications_until_renewal(
    graph: Graph, receiver: Receiver
) -> None:
    await graph.control("PUT", "/settings", {"lifecycleAuto": True})
    status, subscription = await graph.subscribe(
        receiver, lifecycleNotificationUrl=f"{receiver.url}/lifecycle"
    )
    assert status == 201
    await graph.advance(61 * 60)  # less than an hour before expiry now
    await until(lambda: receiver.notifications)
    assert receiver.notifications[0]["lifecycleEvent"] == "reauthorizationRequired"
    graph.new_token()
    await graph.create_event("missed while paused")
    await asyncio.sleep(0.2)
    assert len(receiver.notifications) == 1

    status, _ = await graph.call("POST", f"/subscriptions/{subscription['id']}/reauthorize")
    assert status == 204
    await graph.create_event("heard again")
    await until(lambda: len(receiver.notifications) == 2)
    assert receiver.notifications[1]["changeType"] == "created"
    await graph.advance(15 * 60)  # still under an hour left: the next reminder comes
    await until(lambda: len(receiver.notifications) == 3)
    assert receiver.notifications[2]["lifecycleEvent"] == "reauthorizationRequired"


async def test_mailbox_cap_refuses_one_more_subscription(graph: Graph, receiver: Receiver) -> None:
    await graph.control("PUT", "/settings", {"subscriptionsPerMailbox": 1})
    status, _ = await graph.subscribe(receiver)
    assert status == 201
    status, answer = await graph.subscribe(receiver)
    assert status == 403
    assert answer["error"]["code"] == "ExtensionError"
