"""calendarView and instances over HTTP (§8, G15, G19)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from graph_http import Graph

WINDOW = "startDateTime=2026-04-01T00:00:00Z&endDateTime=2026-05-01T00:00:00Z"


def _event(subject: str, start: str, end: str, **extra: Any) -> dict[str, Any]:
    return {
        "subject": subject,
        "start": {"dateTime": start, "timeZone": "UTC"},
        "end": {"dateTime": end, "timeZone": "UTC"},
        **extra,
    }


def _daily(graph: Graph, count: int = 5) -> dict[str, Any]:
    body = _event(
        "daily",
        "2026-04-06T09:00:00",
        "2026-04-06T10:00:00",
        recurrence={
            "pattern": {"type": "daily", "interval": 1},
            "range": {"type": "numbered", "startDate": "2026-04-06", "numberOfOccurrences": count},
        },
    )
    return graph.post("/me/events", body).json()


def test_a_missing_window_answers_the_exact_400(graph: Graph) -> None:
    for path in (
        "/me/calendarView",
        "/me/calendar/calendarView",
        "/me/calendarView?startDateTime=2026-04-01T00:00:00Z",
    ):
        refused = graph.get(path)
        assert refused.status_code == 400, path
        assert refused.json()["error"]["code"] == "ErrorInvalidParameter"
        assert refused.json()["error"]["message"] == (
            "This request requires a time window specified by the query string parameters "
            "StartDateTime and EndDateTime."
        )


def test_window_names_are_case_insensitive_and_offsets_are_honoured(graph: Graph) -> None:
    graph.post("/me/events", _event("a", "2026-04-15T09:00:00", "2026-04-15T10:00:00"))
    lower = graph.get(
        "/me/calendarView?enddatetime=2026-04-15T12:00:00%2B02:00&STARTDATETIME=2026-04-15T00:00:00"
    )
    assert [e["subject"] for e in lower.json()["value"]] == ["a"]
    before = graph.get(
        "/me/calendarView?startDateTime=2026-04-15T00:00:00&endDateTime=2026-04-15T11:00:00%2B02:00"
    )
    assert before.json()["value"] == []


def test_events_overlapping_the_window_are_returned(graph: Graph) -> None:
    graph.post("/me/events", _event("evening", "2026-03-31T22:00:00", "2026-04-01T01:00:00"))
    graph.post("/me/events", _event("ends at start", "2026-03-31T22:00:00", "2026-04-01T00:00:00"))
    graph.post("/me/events", _event("zero at start", "2026-04-01T00:00:00", "2026-04-01T00:00:00"))
    graph.post("/me/events", _event("starts at end", "2026-05-01T00:00:00", "2026-05-01T01:00:00"))
    view = graph.get(f"/me/calendarView?{WINDOW}").json()["value"]
    assert sorted(e["subject"] for e in view) == ["evening", "zero at start"]


def test_series_are_expanded_and_masters_left_out(graph: Graph) -> None:
    master = _daily(graph)
    view = graph.get(f"/me/calendarView?{WINDOW}").json()
    assert view["@odata.context"].endswith("/calendarView")
    types = {e["type"] for e in view["value"]}
    assert types == {"occurrence"}
    assert all(e["seriesMasterId"] == master["id"] for e in view["value"])
    assert all(e["recurrence"] is None for e in view["value"])
    assert len({e["iCalUId"] for e in view["value"]}) == 5
    assert view["value"][0]["originalStart"] == "2026-04-06T09:00:00Z"


def test_patch_and_delete_on_occurrences_make_exceptions_and_cancellations(graph: Graph) -> None:
    master = _daily(graph)
    view = graph.get(f"/me/calendarView?{WINDOW}").json()["value"]
    second, third = quote(view[1]["id"], safe=""), quote(view[2]["id"], safe="")
    edited = graph.patch(f"/me/events/{second}", {"subject": "moved"})
    assert edited.status_code == 200
    assert edited.json()["type"] == "exception"
    assert edited.json()["id"] == view[1]["id"]
    assert graph.delete(f"/me/events/{third}").status_code == 204
    assert graph.get(f"/me/events/{third}").status_code == 404
    again = graph.get(f"/me/calendarView?{WINDOW}").json()["value"]
    assert [(e["type"], e["subject"]) for e in again] == [
        ("occurrence", "daily"),
        ("exception", "moved"),
        ("occurrence", "daily"),
        ("occurrence", "daily"),
    ]
    got = graph.get(f"/me/events/{quote(master['id'], safe='')}").json()
    assert got["exceptionOccurrences"] == [view[1]["id"]]
    assert got["cancelledOccurrences"] == [view[2]["id"]]
    instances = graph.get(f"/me/events/{quote(master['id'], safe='')}/instances?{WINDOW}")
    assert [e["id"] for e in instances.json()["value"]] == [e["id"] for e in again]
    listed = graph.get("/me/events").json()["value"]
    assert [e["type"] for e in listed] == ["seriesMaster"]


def test_instances_need_their_window(graph: Graph) -> None:
    master = _daily(graph)
    refused = graph.get(f"/me/events/{quote(master['id'], safe='')}/instances")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "ErrorInvalidParameter"


def test_views_page_with_absolute_next_links_until_the_end(graph: Graph) -> None:
    _daily(graph, count=25)
    seen: list[str] = []
    page = graph.get(f"/me/calendarView?{WINDOW}&$select=subject,createdDateTime").json()
    assert page["@odata.context"].endswith("/calendarView(subject,createdDateTime)")
    assert set(page["value"][0]) == {"@odata.etag", "id", "subject"}
    while True:
        seen.extend(e["id"] for e in page["value"])
        link = page.get("@odata.nextLink")
        if link is None:
            break
        assert link.startswith("http://testserver/v1.0/me/calendarView?")
        page = graph.client.get(link, headers={"Authorization": f"Bearer {graph.token}"}).json()
    assert len(seen) == len(set(seen)) == 25


def test_views_filter_on_the_supported_fields_only(graph: Graph) -> None:
    graph.post("/me/events", _event("keep", "2026-04-15T09:00:00", "2026-04-15T10:00:00"))
    graph.post(
        "/me/events", _event("drop", "2026-04-16T09:00:00", "2026-04-16T10:00:00", showAs="free")
    )
    kept = graph.get(f"/me/calendarView?{WINDOW}&$filter=showAs eq 'busy'").json()["value"]
    assert [e["subject"] for e in kept] == ["keep"]
    refused = graph.get(
        f"/me/calendarView?{WINDOW}&$filter=lastModifiedDateTime ge 2026-01-01T00:00:00Z"
    )
    assert refused.status_code == 400


def test_a_calendar_scoped_view_shows_only_that_calendar(graph: Graph) -> None:
    work = graph.post("/me/calendars", {"name": "Work"}).json()["id"]
    graph.post(
        f"/me/calendars/{quote(work, safe='')}/events",
        _event("work", "2026-04-15T09:00:00", "2026-04-15T10:00:00"),
    )
    graph.post("/me/events", _event("home", "2026-04-15T09:00:00", "2026-04-15T10:00:00"))
    scoped = graph.get(f"/me/calendars/{quote(work, safe='')}/calendarView?{WINDOW}").json()
    assert [e["subject"] for e in scoped["value"]] == ["work"]
    default = graph.get(f"/me/calendar/calendarView?{WINDOW}").json()
    assert [e["subject"] for e in default["value"]] == ["home"]
    everything = graph.get(f"/users/dana@acme.example/calendarView?{WINDOW}").json()
    assert len(everything["value"]) == 2


def test_windows_at_the_edge_of_time_do_not_crash(graph: Graph) -> None:
    edge = graph.get(
        "/me/calendarView?startDateTime=0001-01-01T00:00:00%2B05:00"
        "&endDateTime=9999-12-31T23:59:59-05:00"
    )
    assert edge.status_code == 400
    assert edge.json()["error"]["code"] == "ErrorInvalidParameter"


def test_a_recurrence_zone_sets_the_wall_clock_of_the_series(graph: Graph) -> None:
    body = _event(
        "tokyo",
        "2026-04-06T00:00:00",
        "2026-04-06T01:00:00",
        recurrence={
            "pattern": {"type": "daily", "interval": 1},
            "range": {
                "type": "numbered",
                "startDate": "2026-04-06",
                "numberOfOccurrences": 2,
                "recurrenceTimeZone": "Tokyo Standard Time",
            },
        },
    )
    assert graph.post("/me/events", body).status_code == 201
    view = graph.get(f"/me/calendarView?{WINDOW}").json()["value"]
    assert [e["start"]["dateTime"] for e in view] == [
        "2026-04-06T00:00:00.0000000",
        "2026-04-07T00:00:00.0000000",
    ]
    body["recurrence"]["range"]["recurrenceTimeZone"] = "Moon Standard Time"
    refused = graph.post("/me/events", body)
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "TimeZoneNotSupportedException"
