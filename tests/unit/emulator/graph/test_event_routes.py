"""Events over HTTP: shapes (§3.3), status codes (G04, G10), G08, G11, G31, ids, Prefer."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest
from graph_http import Graph

from msgraph_emulator.emulator import Emulator
from msgraph_emulator.graph import ids

WALL = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}$")
OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$")


def event_body(**extra: Any) -> dict[str, Any]:
    return {
        "@odata.type": "#microsoft.graph.event",
        "subject": "Quarterly review",
        "body": {"contentType": "HTML", "content": "<p>Agenda   <b>attached</b></p>"},
        "start": {"dateTime": "2026-04-15T09:00:00", "timeZone": "Pacific Standard Time"},
        "end": {"dateTime": "2026-04-15T10:00:00.0000000", "timeZone": "Pacific Standard Time"},
        "location": {"displayName": "Room 4"},
        "attendees": [
            {"type": "Required", "emailAddress": {"name": "Sam Lee", "address": "sam@acme.example"}}
        ],
        **extra,
    }


def path_id(item_id: str) -> str:
    return quote(item_id, safe="")


def test_create_answers_201_with_the_full_graph_shape(graph: Graph) -> None:
    response = graph.post("/me/events", event_body(showAs="TENTATIVE"))
    assert response.status_code == 201
    event = response.json()
    assert event["@odata.context"].startswith("http://testserver/v1.0/$metadata#users('")
    assert event["@odata.context"].endswith("')/events/$entity")
    assert event["@odata.etag"] == f'W/"{event["changeKey"]}"'
    assert OFFSET.match(event["createdDateTime"])
    assert event["start"] == {"dateTime": "2026-04-15T16:00:00.0000000", "timeZone": "UTC"}
    assert WALL.match(event["end"]["dateTime"])
    assert event["originalStartTimeZone"] == "Pacific Standard Time"
    assert event["body"] == {
        "contentType": "html",
        "content": "<html><head></head><body><p>Agenda   <b>attached</b></p></body></html>",
    }
    assert event["bodyPreview"] == "Agenda attached"
    assert event["showAs"] == "tentative"
    assert event["type"] == "singleInstance"
    assert event["seriesMasterId"] is None
    assert event["recurrence"] is None
    assert event["onlineMeetingUrl"] is None
    assert event["responseStatus"] == {"response": "organizer", "time": "0001-01-01T00:00:00Z"}
    assert event["location"] == {
        "displayName": "Room 4",
        "locationType": "default",
        "uniqueId": "Room 4",
        "uniqueIdType": "private",
    }
    assert event["locations"] == [
        {"displayName": "Room 4", "locationType": "default", "uniqueIdType": "unknown"}
    ]
    assert event["attendees"][0]["type"] == "required"
    assert event["attendees"][0]["status"] == {"response": "none", "time": "0001-01-01T00:00:00Z"}
    assert event["organizer"] == {
        "emailAddress": {"name": "Dana Swope", "address": "dana@acme.example"}
    }
    assert "transactionId" not in event


def test_iana_zone_names_are_accepted(graph: Graph) -> None:
    body = event_body(
        start={"dateTime": "2026-07-01T09:00:00", "timeZone": "Europe/Paris"},
        end={"dateTime": "2026-07-01T10:00:00", "timeZone": "Europe/Paris"},
    )
    assert (
        graph.post("/me/events", body).json()["start"]["dateTime"] == "2026-07-01T07:00:00.0000000"
    )


def test_an_unknown_zone_is_refused(graph: Graph) -> None:
    body = event_body(start={"dateTime": "2026-07-01T09:00:00", "timeZone": "Mars/Olympus"})
    response = graph.post("/me/events", body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "TimeZoneNotSupportedException"


def test_prefer_headers_set_zone_and_body_type_and_are_echoed(graph: Graph) -> None:
    event_id = graph.post("/me/events", event_body()).json()["id"]
    prefer = 'outlook.timezone="Eastern Standard Time", outlook.body-content-type="text"'
    response = graph.get(f"/me/events/{path_id(event_id)}", headers={"Prefer": prefer})
    assert response.headers["Preference-Applied"] == prefer
    event = response.json()
    assert event["start"] == {
        "dateTime": "2026-04-15T12:00:00.0000000",
        "timeZone": "Eastern Standard Time",
    }
    assert event["body"] == {"contentType": "text", "content": "Agenda attached"}


def test_a_repeated_transaction_id_answers_the_existing_event(graph: Graph) -> None:
    first = graph.post("/me/events", event_body(transactionId="tx-1"))
    second = graph.post("/me/events", event_body(transactionId="tx-1", subject="other"))
    assert second.status_code == 201
    assert second.json()["id"] == first.json()["id"]
    assert second.json()["transactionId"] == "tx-1"
    assert len(graph.get("/me/events").json()["value"]) == 1


def test_update_answers_200_with_the_event_and_delete_answers_204(graph: Graph) -> None:
    created = graph.post("/me/events", event_body()).json()
    path = f"/me/events/{path_id(created['id'])}"
    updated = graph.patch(path, {"subject": "Moved", "importance": "HIGH"})
    assert updated.status_code == 200
    assert updated.json()["subject"] == "Moved"
    assert updated.json()["importance"] == "high"
    assert updated.json()["changeKey"] != created["changeKey"]
    assert graph.delete(path).status_code == 204
    missing = graph.get(path)
    assert missing.status_code == 404
    assert missing.json()["error"] == {
        **missing.json()["error"],
        "code": "ErrorItemNotFound",
        "message": "The specified object was not found in the store.",
    }


def test_if_match_guards_updates_and_deletes(graph: Graph) -> None:
    created = graph.post("/me/events", event_body()).json()
    path = f"/me/events/{path_id(created['id'])}"
    stale = graph.patch(path, {"subject": "x"}, headers={"If-Match": 'W/"stale"'})
    assert stale.status_code == 412
    assert stale.json()["error"]["code"] == "ErrorIrresolvableConflict"
    assert "ETag" not in stale.headers
    fresh = graph.patch(path, {"subject": "x"}, headers={"If-Match": created["@odata.etag"]})
    assert fresh.status_code == 200
    assert graph.delete(path, headers={"If-Match": created["@odata.etag"]}).status_code == 412
    assert graph.delete(path, headers={"If-Match": "*"}).status_code == 204


def test_ids_with_slashes_work_when_percent_encoded(
    graph: Graph, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ids, "new_item_id", lambda: "AAMkAGI1/AAt9+AHjAAA=")
    created = graph.post("/me/events", event_body())
    assert created.json()["id"] == "AAMkAGI1/AAt9+AHjAAA="
    got = graph.get("/me/events/AAMkAGI1%2FAAt9%2BAHjAAA%3D")
    assert got.status_code == 200
    assert got.json()["id"] == "AAMkAGI1/AAt9+AHjAAA="


def test_an_event_is_reachable_through_every_path_of_its_mailbox(graph: Graph) -> None:
    work = graph.post("/me/calendars", {"name": "Work"}).json()["id"]
    event_id = path_id(
        graph.post(f"/me/calendars/{path_id(work)}/events", event_body()).json()["id"]
    )
    default = graph.get("/me/calendar").json()["id"]
    for path in (
        f"/me/events/{event_id}",
        f"/me/calendar/events/{event_id}",
        f"/me/calendars/{path_id(default)}/events/{event_id}",
        f"/users/dana@acme.example/events/{event_id}",
        f"/users/{graph.get('/me').json()['id']}/calendars/{path_id(work)}/events/{event_id}",
    ):
        assert graph.get(path).status_code == 200, path
    assert len(graph.get("/me/events").json()["value"]) == 1
    assert graph.get("/me/calendar/events").json()["value"] == []


def test_lists_page_with_absolute_next_links_and_honour_select_orderby_count(
    graph: Graph, emulator: Emulator
) -> None:
    for n in range(12):
        graph.post("/me/events", event_body(subject=f"e{n:02d}"))
    first = graph.get("/me/events?$select=subject&$orderby=subject desc&$count=true").json()
    assert first["@odata.context"].endswith("/events(subject)")
    assert first["@odata.count"] == 12
    assert [e["subject"] for e in first["value"]][:2] == ["e11", "e10"]
    assert set(first["value"][0]) == {"@odata.etag", "id", "subject"}
    assert len(first["value"]) == emulator.settings.default_page_size
    link = first["@odata.nextLink"]
    assert link.startswith("http://testserver/v1.0/me/events?")
    rest = graph.client.get(link, headers={"Authorization": f"Bearer {graph.token}"}).json()
    assert [e["subject"] for e in rest["value"]] == ["e01", "e00"]
    assert "@odata.nextLink" not in rest
    small = graph.get("/me/events", headers={"Prefer": "odata.maxpagesize=5"}).json()
    assert len(small["value"]) == 5


def test_bad_json_and_bad_types_are_refused(graph: Graph) -> None:
    raw = graph.client.post(
        "/v1.0/me/events",
        content=b"{nope",
        headers={"Authorization": f"Bearer {graph.token}", "Content-Type": "application/json"},
    )
    assert raw.status_code == 400
    typed = graph.post("/me/events", event_body(subject=5))
    assert typed.status_code == 400
    assert typed.json()["error"]["code"] == "RequestBodyRead"
    backwards = graph.post(
        "/me/events",
        event_body(end={"dateTime": "2026-04-15T08:00:00", "timeZone": "Pacific Standard Time"}),
    )
    assert backwards.status_code == 400


def test_unsupported_query_options_are_refused(graph: Graph) -> None:
    for query in ("$search=x", "$foo=1", "$filter=body/content eq 'x'", "$expand=instances"):
        response = graph.get(f"/me/events?{query}")
        assert response.status_code == 400, query
        assert response.json()["error"]["code"] == "BadRequest"
    assert graph.get("/me/events?$filter=foo eq 1").json()["error"]["message"] == (
        "This filter query is not supported."
    )


def test_writes_reach_the_change_listeners(graph: Graph, emulator: Emulator) -> None:
    heard: list[str] = []
    emulator.change_listeners.append(lambda change: heard.append(change.change_type))
    event_id = path_id(graph.post("/me/events", event_body()).json()["id"])
    graph.patch(f"/me/events/{event_id}", {"subject": "x"})
    graph.delete(f"/me/events/{event_id}")
    assert heard == ["created", "updated", "deleted"]


def test_the_sdk_me_alias_names_the_callers_mailbox(graph: Graph) -> None:
    mine = graph.get("/me/calendars").json()["value"]
    aliased = graph.get("/users/me-token-to-replace/calendars").json()["value"]
    assert [c["id"] for c in aliased] == [c["id"] for c in mine]


def test_select_names_match_in_any_case_and_unknown_ones_are_refused(graph: Graph) -> None:
    event_id = path_id(graph.post("/me/events", event_body()).json()["id"])
    chosen = graph.get(f"/me/events/{event_id}?$select=Subject,START").json()
    assert set(chosen) == {"@odata.context", "@odata.etag", "id", "subject", "start"}
    refused = graph.get(f"/me/events/{event_id}?$select=subject,colour")
    assert refused.status_code == 400
    assert refused.json()["error"]["message"] == (
        "Could not find a property named 'colour' on type 'microsoft.graph.event'."
    )
    assert graph.get("/me/calendars?$select=name,nope").status_code == 400


def test_dates_outside_the_calendar_range_are_refused(graph: Graph) -> None:
    far = event_body(end={"dateTime": "9999-12-31T23:59:59", "timeZone": "UTC"})
    assert graph.post("/me/events", far).status_code == 400
