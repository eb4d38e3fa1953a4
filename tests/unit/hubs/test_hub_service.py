from __future__ import annotations

import json
from typing import Any

import pytest
from hub_fakes import NOW, PagedGraph, ScriptedProvider, answer, graph_element

from openelements.ceql import CeqlError
from openelements.hubs.access import HubInstance
from openelements.hubs.cursor import CursorSealer
from openelements.hubs.paging import Fetch
from openelements.hubs.service import HubAnswer, HubCall
from openelements.kit.clock import ManualClock
from openelements.kit.crypto import KeyRing, generate_key
from openelements.kit.errors import BadRequest

RING = KeyRing.parse(f"k1:{generate_key()}")
EVENT = {
    "@odata.etag": 'W/"ck"',
    "id": "AAMk/1=",
    "subject": "Review",
    "seriesMasterId": None,
    "location": {"displayName": "Room", "address": None},
}


def _call(fetch: Fetch, *, nulls: bool = True, instance_id: int = 42) -> HubCall:
    return HubCall(
        element=graph_element(),
        instance=HubInstance(
            instance_id=instance_id, element_key="microsoftgraph", filter_nulls=nulls
        ),
        fetch=fetch,
        cursors=CursorSealer(RING),
        clock=ManualClock(NOW),
    )


async def _run(call: HubCall, method: str, path: str, *, query: dict[str, str] | None = None,
               body: Any = None, if_match: str | None = None) -> HubAnswer:  # fmt: skip
    raw = b"" if body is None else json.dumps(body).encode()
    return await call.run(
        method=method, segments=path.split("/"), query=query or {}, body=raw, if_match=if_match
    )


@pytest.mark.anyio
async def test_a_list_is_a_bare_array_with_count_and_instance_headers() -> None:
    graph = PagedGraph([EVENT, EVENT])
    result = await _run(_call(graph), "GET", "events")
    assert json.loads(result.body) == [
        {"@odata.etag": 'W/"ck"', "id": "AAMk/1=", "subject": "Review",
         "location": {"displayName": "Room"}},
    ] * 2  # fmt: skip
    assert result.headers == {"Elements-Returned-Count": "2", "Elements-Element-Instance-Id": "42"}
    assert graph.requests[0].path == "me/events"


@pytest.mark.anyio
async def test_nulls_stay_when_the_instance_turned_filtering_off() -> None:
    result = await _run(_call(ScriptedProvider(answer(EVENT)), nulls=False), "GET", "events/x")
    assert json.loads(result.body) == EVENT


@pytest.mark.anyio
async def test_ceql_becomes_graph_query_options() -> None:
    graph = PagedGraph([])
    query = {
        "where": "subject like 'Rev%'",
        "orderBy": "start.dateTime desc",
        "fields": "id,start.dateTime",
        "pageSize": "5",
    }
    await _run(_call(graph), "GET", "calendars/c1/events", query=query)
    sent = graph.requests[0]
    assert sent.query == {"$filter": "startswith(subject,'Rev')", "$orderby": "start/dateTime desc",
                          "$select": "id,start", "$top": "5"}  # fmt: skip


@pytest.mark.anyio
async def test_unsupported_ceql_is_refused_before_graph_is_called() -> None:
    graph = PagedGraph([])
    with pytest.raises(CeqlError, match="bodyPreview"):
        await _run(_call(graph), "GET", "events", query={"where": "bodyPreview = 'x'"})
    with pytest.raises(BadRequest, match="Error parsing query"):
        await _run(_call(graph), "GET", "events", query={"where": "subject ="})
    assert graph.requests == []


@pytest.mark.anyio
async def test_calendar_view_needs_its_window_and_sends_it_in_utc() -> None:
    graph = PagedGraph([])
    with pytest.raises(BadRequest, match="startDateTime and endDateTime"):
        await _run(_call(graph), "GET", "calendar-view")
    window = {"startDateTime": "2026-04-13T00:00:00+02:00", "endDateTime": "2026-04-20"}
    await _run(_call(graph), "GET", "calendar-view", query=window)
    assert graph.requests[0].path == "me/calendarView"
    assert graph.requests[0].query["startDateTime"].startswith("2026-04-12T22:00:00")


@pytest.mark.anyio
async def test_the_cursor_is_sent_only_when_more_may_exist_and_is_bound_to_the_instance() -> None:
    graph = PagedGraph([{"n": n} for n in range(5)])
    first = await _run(_call(graph), "GET", "events", query={"pageSize": "3"})
    token = first.headers["Elements-Next-Page-Token"]
    second = await _run(_call(graph), "GET", "events", query={"nextPage": token, "page": "9"})
    assert json.loads(second.body) == [{"n": 3}, {"n": 4}]
    assert "Elements-Next-Page-Token" not in second.headers
    assert second.headers["Elements-Returned-Count"] == "2"
    with pytest.raises(BadRequest, match="Invalid nextPage token"):
        await _run(_call(graph, instance_id=7), "GET", "events", query={"nextPage": token})
    with pytest.raises(BadRequest, match="Invalid nextPage token"):
        await _run(_call(graph), "GET", "calendars", query={"nextPage": token})


@pytest.mark.anyio
async def test_create_drops_read_only_fields_and_answers_the_object() -> None:
    provider = ScriptedProvider(answer(EVENT, status=201))
    body = {
        **EVENT,
        "isCancelled": False,
        "responseStatus": {"response": "none"},
        "originalStartTimeZone": "UTC",
        "organizer": {"emailAddress": {"address": "a@b"}},
    }
    result = await _run(_call(provider), "POST", "calendars/c/events", body=body)
    sent = provider.requests[0]
    assert (sent.method, sent.path) == ("POST", "me/calendars/c/events")
    assert sent.json_body == {
        "subject": "Review",
        "location": {"displayName": "Room", "address": None},
    }
    assert json.loads(result.body)["id"] == "AAMk/1="


@pytest.mark.anyio
async def test_ids_are_encoded_once_and_if_match_is_forwarded_on_patch() -> None:
    provider = ScriptedProvider(answer(EVENT))
    await _call(provider).run(
        method="PATCH", segments=["events", "AAMk/1="], query={}, body=b'{"subject": "x"}',
        if_match='W/"ck"',
    )  # fmt: skip
    sent = provider.requests[0]
    assert sent.path == "me/events/AAMk%2F1%3D"
    assert sent.headers == {"If-Match": 'W/"ck"'}


@pytest.mark.anyio
async def test_delete_and_actions_answer_an_empty_body() -> None:
    provider = ScriptedProvider(answer(None, status=204), answer(None, status=202))
    deleted = await _run(_call(provider), "DELETE", "calendars/c/events/e")
    accepted = await _run(_call(provider), "POST", "events/e/tentatively-accept")
    assert deleted.body == accepted.body == b""
    assert [r.path for r in provider.requests] == ["me/events/e", "me/events/e/tentativelyAccept"]
    assert provider.requests[1].json_body == {}


@pytest.mark.anyio
async def test_schedule_answers_graphs_value_array() -> None:
    provider = ScriptedProvider(answer({"value": [{"scheduleId": "a@b", "workingHours": None}]}))
    result = await _run(_call(provider), "POST", "schedule", body={"schedules": ["a@b"]})
    assert json.loads(result.body) == [{"scheduleId": "a@b"}]
    assert provider.requests[0].path == "me/calendar/getSchedule"


@pytest.mark.anyio
async def test_ping_asks_graph_for_the_calendar_id_only() -> None:
    provider = ScriptedProvider(answer({"id": "cal"}))
    result = await _run(_call(provider), "GET", "ping")
    assert json.loads(result.body) == {
        "dateTime": "2026-04-15T09:30:00Z",
        "endpoint": "microsoftgraph",
    }
    assert provider.requests[0].query == {"$select": "id"}


@pytest.mark.anyio
@pytest.mark.parametrize("body", [b"[]", b"not json", b""])
async def test_create_bodies_must_be_json_objects(body: bytes) -> None:
    call = _call(ScriptedProvider())
    with pytest.raises(BadRequest, match="Invalid request body"):
        await call.run(method="POST", segments=["events"], query={}, body=body, if_match=None)
