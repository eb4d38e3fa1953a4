"""msgraph-sdk against the emulator for delta, `$batch` and subscriptions (spec §9-§11, §16).

The SDK's delta request builder follows nextLinks to the deltaLink; its `BatchRequestContent`
and `BatchRequestBuilder` send a batch (absolute item URLs, `depends_on`); a plain aiohttp
receiver on loopback gets the validation handshake and then the notifications for creates,
updates and deletes the SDK makes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import warnings
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph import GraphServiceClient
from msgraph.generated.models.date_time_time_zone import DateTimeTimeZone
from msgraph.generated.models.event import Event
from msgraph.generated.models.subscription import Subscription
from msgraph_core.requests.batch_request_builder import BatchRequestBuilder
from msgraph_core.requests.batch_request_content import BatchRequestContent
from msgraph_core.requests.batch_request_item import BatchRequestItem
from msgraph_core.requests.batch_response_content import BatchResponseContent

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from msgraph.generated.users.item.calendar_view.delta.delta_request_builder import (
        DeltaRequestBuilder,
    )

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore::DeprecationWarning:msgraph.*"),
]

CLIENT_STATE = "sdk-client-state"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def event(subject: str, day: str) -> Event:
    return Event(
        subject=subject,
        start=DateTimeTimeZone(date_time=f"{day}T09:00:00", time_zone="UTC"),
        end=DateTimeTimeZone(date_time=f"{day}T10:00:00", time_zone="UTC"),
    )


async def delta_round(client: GraphServiceClient, link: str | None) -> tuple[list[Event], str, int]:
    """One round through the SDK's delta builder: (items, deltaLink, pages)."""
    config: RequestConfiguration[Any] = RequestConfiguration()
    config.headers.add("Prefer", "odata.maxpagesize=2")
    builder = client.me.calendar_view.delta
    if link is None:
        config.query_parameters = DeltaRequestBuilder.DeltaRequestBuilderGetQueryParameters(
            start_date_time="2026-04-01T00:00:00Z", end_date_time="2026-04-08T00:00:00Z"
        )
        page = await builder.get(config)
    else:
        page = await builder.with_url(link).get(config)
    items: list[Event] = []
    pages = 1
    while True:
        assert page is not None
        items += page.value or []
        if page.odata_delta_link:
            return items, page.odata_delta_link, pages
        assert page.odata_next_link
        page = await builder.with_url(page.odata_next_link).get(config)
        pages += 1


def removed(items: list[Event]) -> set[str]:
    return {str(i.id) for i in items if "@removed" in i.additional_data}


async def test_sdk_delta_follows_next_links_to_the_delta_link(
    graph_sdk: GraphServiceClient,
) -> None:
    ids = []
    for n, day in enumerate(["2026-04-02", "2026-04-03", "2026-04-04", "2026-05-01"]):
        created = await graph_sdk.me.events.post(event(f"e{n}", day))
        assert created is not None
        ids.append(str(created.id))
    items, delta_link, pages = await delta_round(graph_sdk, None)
    assert {i.id for i in items} == set(ids[:3])
    assert pages == 2
    assert items[0].start is not None

    await graph_sdk.me.events.by_event_id(ids[0]).patch(Event(subject="renamed"))
    await graph_sdk.me.events.by_event_id(ids[1]).delete()
    await graph_sdk.me.events.by_event_id(ids[2]).patch(event("moved", "2026-04-20"))
    items, _, _ = await delta_round(graph_sdk, delta_link)
    assert [i.subject for i in items if i.id == ids[0]] == ["renamed"]
    assert removed(items) == {ids[1], ids[2]}


async def test_sdk_batch_with_dependencies(graph_sdk: GraphServiceClient) -> None:
    first = BatchRequestItem(
        graph_sdk.me.events.to_post_request_information(event("a", "2026-04-02")), id="1"
    )
    second = BatchRequestItem(
        graph_sdk.me.events.to_post_request_information(event("b", "2026-04-03")),
        id="2",
        depends_on=["1"],
    )
    listing = BatchRequestItem(
        graph_sdk.me.events.to_get_request_information(), id="3", depends_on=["2"]
    )
    missing = BatchRequestItem(
        graph_sdk.me.events.by_event_id(
            "AAMkAGVtdWxhdG9yLW1pc3Npbmc="
        ).to_get_request_information(),
        id="4",
    )
    after_missing = BatchRequestItem(
        graph_sdk.me.events.to_post_request_information(event("c", "2026-04-04")),
        id="5",
        depends_on=["4"],
    )
    content = BatchRequestContent()
    for item in (first, second, listing, missing, after_missing):
        content.add_request(item.id, item)
    answer = await BatchRequestBuilder(graph_sdk.request_adapter).post(content)
    assert isinstance(answer, BatchResponseContent)
    assert answer.get_response_status_codes() == {
        "1": 201,
        "2": 201,
        "3": 200,
        "4": 404,
        "5": 424,
    }
    # msgraph-core 1.5.2 reads item bodies only when they are base64 strings; Graph (and
    # the emulator) send JSON objects, so the SDK leaves `body` empty. Check the store instead.
    listed = await graph_sdk.me.events.get()
    assert listed is not None
    assert sorted(str(e.subject) for e in listed.value or []) == ["a", "b"]


class Receiver:
    def __init__(self) -> None:
        self.validations: list[str] = []
        self.notifications: list[dict[str, Any]] = []

    async def handle(self, request: web.Request) -> web.Response:
        token = request.query.get("validationToken")
        if token is not None:
            self.validations.append(token)
            return web.Response(text=token, content_type="text/plain")
        self.notifications.extend((await request.json())["value"])
        return web.Response(status=202)


@pytest.fixture
async def receiver_url() -> AsyncIterator[tuple[str, Receiver]]:
    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}/hook", receiver
    await runner.cleanup()


async def test_receiver_gets_notifications_for_sdk_changes(
    graph_sdk: GraphServiceClient, running_emulator: Any, receiver_url: tuple[str, Receiver]
) -> None:
    url, receiver = receiver_url
    expiry = running_emulator.emulator.clock.now() + dt.timedelta(hours=8)
    subscription = await graph_sdk.subscriptions.post(
        Subscription(
            change_type="created,updated,deleted",
            notification_url=url,
            resource="/me/events",
            expiration_date_time=expiry,
            client_state=CLIENT_STATE,
        )
    )
    assert subscription is not None
    assert subscription.id
    assert len(receiver.validations) == 1
    created = await graph_sdk.me.events.post(event("sdk", "2026-04-02"))
    assert created is not None
    await graph_sdk.me.events.by_event_id(str(created.id)).patch(Event(subject="sdk 2"))
    await graph_sdk.me.events.by_event_id(str(created.id)).delete()
    deadline = time.monotonic() + 5
    while len(receiver.notifications) < 3 and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    items = receiver.notifications
    assert [i["changeType"] for i in items] == ["created", "updated", "deleted"]
    assert {i["subscriptionId"] for i in items} == {subscription.id}
    assert {i["clientState"] for i in items} == {CLIENT_STATE}
    assert {i["resourceData"]["id"] for i in items} == {created.id}
    renewed = await graph_sdk.subscriptions.by_subscription_id(subscription.id).patch(
        Subscription(expiration_date_time=expiry + dt.timedelta(hours=1))
    )
    assert renewed is not None
    assert renewed.expiration_date_time == expiry.replace(microsecond=0) + dt.timedelta(hours=1)
    await graph_sdk.subscriptions.by_subscription_id(subscription.id).delete()
