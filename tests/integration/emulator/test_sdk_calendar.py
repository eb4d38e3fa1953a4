"""Microsoft's msgraph-sdk against the emulator on a real loopback port (spec §16, §18.4).

The SDK keeps its default middleware (`/users/me-token-to-replace` → `/me`, parameter-name
decoding, retries) and a fixed bearer token the emulator issued through its control API.
Every answer is parsed by the SDK's own models: a shape it cannot read fails the test.
"""

from __future__ import annotations

import datetime as dt
import warnings
from typing import Any

import pytest
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph import GraphServiceClient
from msgraph.generated.models.body_type import BodyType
from msgraph.generated.models.calendar import Calendar
from msgraph.generated.models.date_time_time_zone import DateTimeTimeZone
from msgraph.generated.models.day_of_week import DayOfWeek
from msgraph.generated.models.event import Event
from msgraph.generated.models.event_type import EventType
from msgraph.generated.models.item_body import ItemBody
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.patterned_recurrence import PatternedRecurrence
from msgraph.generated.models.recurrence_pattern import RecurrencePattern
from msgraph.generated.models.recurrence_pattern_type import RecurrencePatternType
from msgraph.generated.models.recurrence_range import RecurrenceRange
from msgraph.generated.models.recurrence_range_type import RecurrenceRangeType
from msgraph.generated.users.item.calendar.get_schedule.get_schedule_post_request_body import (
    GetSchedulePostRequestBody,
)
from msgraph.generated.users.item.events.item.accept.accept_post_request_body import (
    AcceptPostRequestBody,
)
from msgraph_core.tasks.page_iterator import PageIterator

with warnings.catch_warnings():
    # The SDK's generated module defines a deprecated class at import time.
    warnings.simplefilter("ignore", DeprecationWarning)
    from msgraph.generated.users.item.calendar_view.calendar_view_request_builder import (
        CalendarViewRequestBuilder,
    )
    from msgraph.generated.users.item.events.events_request_builder import EventsRequestBuilder
    from msgraph.generated.users.item.events.item.instances.instances_request_builder import (
        InstancesRequestBuilder,
    )

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.filterwarnings("ignore::DeprecationWarning:msgraph.*"),
]

UPN = "dana@acme.example"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _when(text: str, zone: str = "UTC") -> DateTimeTimeZone:
    return DateTimeTimeZone(date_time=text, time_zone=zone)


async def _calendar_crud(client: GraphServiceClient, base_url: str) -> None:
    created = await client.me.calendars.post(Calendar(name="Work"))
    assert created is not None
    assert created.name == "Work"
    assert created.is_default_calendar is False
    listed = await client.me.calendars.get()
    assert listed is not None
    assert sorted(c.name for c in listed.value or []) == ["Calendar", "Work"]
    calendar = client.me.calendars.by_calendar_id(created.id or "")
    renamed = await calendar.patch(Calendar(name="Work 2"))
    assert renamed is not None
    assert renamed.name == "Work 2"
    fetched = await calendar.get()
    assert fetched is not None
    assert fetched.change_key == renamed.change_key
    default = await client.me.calendar.get()
    assert default is not None
    assert default.is_default_calendar is True
    await calendar.delete()
    with pytest.raises(ODataError) as missing:
        await calendar.get()
    assert missing.value.response_status_code == 404
    assert missing.value.error is not None
    assert missing.value.error.code == "ErrorItemNotFound"


async def _event_crud(client: GraphServiceClient, base_url: str) -> None:
    work = await client.me.calendars.post(Calendar(name="Work"))
    assert work is not None
    body = Event(
        subject="Quarterly review",
        body=ItemBody(content_type=BodyType.Html, content="Agenda <b>attached</b>"),
        start=_when("2026-04-15T09:00:00", "Pacific Standard Time"),
        end=_when("2026-04-15T10:00:00", "Pacific Standard Time"),
        transaction_id="sdk-tx-1",
    )
    created = await client.me.calendars.by_calendar_id(work.id or "").events.post(body)
    assert created is not None
    assert created.type == EventType.SingleInstance
    assert created.body_preview == "Agenda attached"
    assert created.start is not None
    assert created.start.date_time == "2026-04-15T16:00:00.0000000"
    assert created.created_date_time is not None
    again = await client.me.events.post(body)
    assert again is not None
    assert again.id == created.id
    event = client.me.events.by_event_id(created.id or "")
    updated = await event.patch(Event(subject="Moved"))
    assert updated is not None
    assert updated.subject == "Moved"
    assert updated.change_key != created.change_key
    listed = await client.me.events.get()
    assert listed is not None
    assert [e.subject for e in listed.value or []] == ["Moved"]
    fetched = await event.get()
    assert fetched is not None
    assert fetched.additional_data.get("@odata.etag") == f'W/"{updated.change_key}"'
    await event.delete()
    with pytest.raises(ODataError):
        await event.get()


async def _calendar_view_paging(client: GraphServiceClient, base_url: str) -> None:
    series = Event(
        subject="Daily stand-up",
        start=_when("2026-04-01T09:00:00", "W. Europe Standard Time"),
        end=_when("2026-04-01T09:15:00", "W. Europe Standard Time"),
        recurrence=PatternedRecurrence(
            pattern=RecurrencePattern(
                type=RecurrencePatternType.Weekly,
                interval=1,
                days_of_week=[DayOfWeek.Monday, DayOfWeek.Wednesday, DayOfWeek.Friday],
            ),
            range=RecurrenceRange(type=RecurrenceRangeType.NoEnd, start_date=dt.date(2026, 4, 1)),
        ),
    )
    master = await client.me.events.post(series)
    assert master is not None
    assert master.type == EventType.SeriesMaster
    for day in (2, 9):
        single = Event(
            subject=f"one-off {day}",
            start=_when(f"2026-04-{day:02d}T12:00:00"),
            end=_when(f"2026-04-{day:02d}T13:00:00"),
        )
        await client.me.events.post(single)
    query = CalendarViewRequestBuilder.CalendarViewRequestBuilderGetQueryParameters(
        start_date_time="2026-04-01T00:00:00Z", end_date_time="2026-05-01T00:00:00Z", top=4
    )
    first = await client.me.calendar_view.get(RequestConfiguration(query_parameters=query))
    assert first is not None
    assert first.odata_next_link is not None
    assert first.odata_next_link.startswith(base_url)
    seen: list[Event] = []

    def keep(item: Event) -> bool:
        seen.append(item)
        return True

    iterator = PageIterator(first, client.request_adapter)
    await iterator.iterate(keep)
    occurrences = [e for e in seen if e.type == EventType.Occurrence]
    assert len(occurrences) == 13  # Mon/Wed/Fri from 1 April to 30 April 2026
    assert {e.series_master_id for e in occurrences} == {master.id}
    assert len(seen) == 15
    assert len({e.id for e in seen}) == 15
    starts = [e.start.date_time for e in seen if e.start]
    assert starts == sorted(starts)
    instance = await client.me.events.by_event_id(occurrences[0].id or "").get()
    assert instance is not None
    assert instance.type == EventType.Occurrence


async def test_sdk_runs_calendar_crud(graph_sdk: GraphServiceClient, running_emulator: Any) -> None:
    await _calendar_crud(graph_sdk, running_emulator.base_url)


async def test_sdk_runs_event_crud(graph_sdk: GraphServiceClient, running_emulator: Any) -> None:
    await _event_crud(graph_sdk, running_emulator.base_url)


async def test_sdk_pages_a_calendar_view_with_its_page_iterator(
    graph_sdk: GraphServiceClient, running_emulator: Any
) -> None:
    await _calendar_view_paging(graph_sdk, running_emulator.base_url)


async def _queries_actions_and_schedule(client: GraphServiceClient, base_url: str) -> None:
    for n, show_as in enumerate(("busy", "free", "busy")):
        await client.me.events.post(
            Event(
                subject=f"e{n}",
                start=_when(f"2026-04-1{n}T09:00:00"),
                end=_when(f"2026-04-1{n}T10:00:00"),
                additional_data={"showAs": show_as},
            )
        )
    query = EventsRequestBuilder.EventsRequestBuilderGetQueryParameters(
        filter="showAs eq 'busy'", orderby=["subject desc"], select=["subject", "start"], count=True
    )
    config = RequestConfiguration(query_parameters=query)
    config.headers.add("Prefer", 'outlook.timezone="Pacific Standard Time"')
    page = await client.me.events.get(config)
    assert page is not None
    assert [e.subject for e in page.value or []] == ["e2", "e0"]
    assert page.odata_count == 2
    first = (page.value or [])[0]
    assert first.start is not None
    assert first.start.time_zone == "Pacific Standard Time"
    assert first.start.date_time == "2026-04-12T02:00:00.0000000"
    accepted = client.me.events.by_event_id(first.id or "")
    await accepted.accept.post(AcceptPostRequestBody(comment="ok", send_response=True))
    after = await accepted.get()
    assert after is not None
    assert after.response_status is not None
    assert after.response_status.response is not None
    assert after.response_status.response.value == "accepted"
    schedule = await client.me.calendar.get_schedule.post(
        GetSchedulePostRequestBody(
            schedules=[UPN],
            start_time=_when("2026-04-10T08:00:00"),
            end_time=_when("2026-04-10T12:00:00"),
            availability_view_interval=60,
        )
    )
    assert schedule is not None
    (info,) = schedule.value or []
    assert info.availability_view == "0200"


async def _series_instances(client: GraphServiceClient, base_url: str) -> None:
    master = await client.me.events.post(
        Event(
            subject="Monthly",
            start=_when("2026-01-08T15:00:00"),
            end=_when("2026-01-08T16:00:00"),
            recurrence=PatternedRecurrence(
                pattern=RecurrencePattern(
                    type=RecurrencePatternType.RelativeMonthly,
                    interval=1,
                    days_of_week=[DayOfWeek.Thursday],
                ),
                range=RecurrenceRange(
                    type=RecurrenceRangeType.Numbered,
                    start_date=dt.date(2026, 1, 1),
                    number_of_occurrences=6,
                ),
            ),
        )
    )
    assert master is not None
    assert master.recurrence is not None
    query = InstancesRequestBuilder.InstancesRequestBuilderGetQueryParameters(
        start_date_time="2026-01-01T00:00:00Z", end_date_time="2027-01-01T00:00:00Z"
    )
    instances = await client.me.events.by_event_id(master.id or "").instances.get(
        RequestConfiguration(query_parameters=query)
    )
    assert instances is not None
    days = [(e.start.date_time or "")[:10] for e in instances.value or [] if e.start]
    assert days == [
        "2026-01-01",
        "2026-02-05",
        "2026-03-05",
        "2026-04-02",
        "2026-05-07",
        "2026-06-04",
    ]


async def test_sdk_queries_acts_and_reads_schedules(
    graph_sdk: GraphServiceClient, running_emulator: Any
) -> None:
    await _queries_actions_and_schedule(graph_sdk, running_emulator.base_url)


async def test_sdk_reads_the_instances_of_a_relative_monthly_series(
    graph_sdk: GraphServiceClient, running_emulator: Any
) -> None:
    await _series_instances(graph_sdk, running_emulator.base_url)
