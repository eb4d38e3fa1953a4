"""Emulator switches of the Graph data (G05, G31, the calendarView filter Quirk of §5)."""

from __future__ import annotations

from urllib.parse import quote

from graph_http import Graph

from msgraph_emulator.emulator import Emulator

WINDOW = "startDateTime=2026-04-01T00:00:00Z&endDateTime=2026-05-01T00:00:00Z"


def _event(graph: Graph, subject: str | None) -> dict:
    body = {
        "start": {"dateTime": "2026-04-15T09:00:00", "timeZone": "UTC"},
        "end": {"dateTime": "2026-04-15T10:00:00", "timeZone": "UTC"},
    }
    if subject is not None:
        body["subject"] = subject
    return graph.post("/me/events", body).json()


def test_a_stale_if_match_can_answer_409(graph: Graph, emulator: Emulator) -> None:
    emulator.settings.update_from_json({"ifMatchConflictStatus": 409})
    event = _event(graph, "a")
    stale = graph.patch(
        f"/me/events/{quote(event['id'], safe='')}",
        {"subject": "b"},
        headers={"If-Match": 'W/"old"'},
    )
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "ErrorIrresolvableConflict"


def test_duplicate_calendar_names_can_be_allowed(graph: Graph, emulator: Emulator) -> None:
    emulator.settings.update_from_json({"refuseDuplicateCalendarNames": False})
    graph.post("/me/calendars", {"name": "Work"})
    assert graph.post("/me/calendars", {"name": "Work"}).status_code == 201


def test_the_subject_filter_quirk_is_off_by_default_and_answers_500_when_on(
    graph: Graph, emulator: Emulator
) -> None:
    _event(graph, "named")
    _event(graph, None)
    query = f"/me/calendarView?{WINDOW}&$filter=contains(subject, 'nam')"
    assert [e["subject"] for e in graph.get(query).json()["value"]] == ["named"]
    emulator.settings.update_from_json({"calendarViewSubjectFilterQuirk": True})
    failed = graph.get(query)
    assert failed.status_code == 500
    assert failed.json()["error"]["code"] == "ErrorInternalServerError"
    assert graph.get(f"/me/calendarView?{WINDOW}&$filter=subject eq 'named'").status_code == 200
