"""`findMeetingTimes` (§3.7), deterministic from the mailboxes (G14)."""

from __future__ import annotations

from graph_http import Graph

from msgraph_emulator.emulator import Emulator


def _busy(graph: Graph, start: str, end: str) -> None:
    graph.post(
        "/me/events",
        {
            "subject": "busy",
            "start": {"dateTime": start, "timeZone": "UTC"},
            "end": {"dateTime": end, "timeZone": "UTC"},
        },
    )


def _request(*attendees: str, **extra: object) -> dict:
    return {
        "attendees": [{"type": "required", "emailAddress": {"address": a}} for a in attendees],
        "timeConstraint": {
            "activityDomain": "work",
            "timeSlots": [
                {
                    "start": {"dateTime": "2026-04-15T08:00:00", "timeZone": "UTC"},
                    "end": {"dateTime": "2026-04-15T12:00:00", "timeZone": "UTC"},
                }
            ],
        },
        "meetingDuration": "PT1H",
        **extra,
    }


def test_free_slots_of_organizer_and_attendees_are_suggested_in_order(
    graph: Graph, emulator: Emulator
) -> None:
    _busy(graph, "2026-04-15T09:00:00", "2026-04-15T10:00:00")
    sam = emulator.create_user(user_principal_name="sam@acme.example", display_name="Sam")
    sam_graph = Graph(graph.client, emulator.issue_user_token(sam).value)
    _busy(sam_graph, "2026-04-15T10:00:00", "2026-04-15T11:00:00")
    answer = graph.post("/me/findMeetingTimes", _request("sam@acme.example"))
    assert answer.status_code == 200
    result = answer.json()
    assert result["emptySuggestionsReason"] == ""
    slots = [
        (s["order"], s["confidence"], s["meetingTimeSlot"]["start"]["dateTime"])
        for s in result["meetingTimeSuggestions"]
    ]
    assert slots == [
        (1, 100.0, "2026-04-15T08:00:00.0000000"),
        (2, 100.0, "2026-04-15T11:00:00.0000000"),
        (3, 50.0, "2026-04-15T10:00:00.0000000"),
        (4, 50.0, "2026-04-15T10:30:00.0000000"),
    ]
    first = result["meetingTimeSuggestions"][0]
    assert first["attendeeAvailability"] == [
        {
            "attendee": {"type": "required", "emailAddress": {"address": "sam@acme.example"}},
            "availability": "free",
        }
    ]


def test_unknown_attendees_score_49_and_the_threshold_applies(graph: Graph) -> None:
    lenient = graph.post(
        "/me/findMeetingTimes",
        _request("who@elsewhere.example", minimumAttendeePercentage=40, maxCandidates=2),
    ).json()
    assert [s["confidence"] for s in lenient["meetingTimeSuggestions"]] == [74.5, 74.5]
    strict = graph.post(
        "/me/findMeetingTimes", _request("who@elsewhere.example", minimumAttendeePercentage=80)
    ).json()
    assert strict["meetingTimeSuggestions"] == []
    assert strict["emptySuggestionsReason"] == "AttendeesUnavailable"


def test_a_bad_duration_is_refused(graph: Graph) -> None:
    refused = graph.post("/me/findMeetingTimes", _request(meetingDuration="an hour"))
    assert refused.status_code == 400


def test_malformed_attendees_and_slots_are_refused(graph: Graph) -> None:
    assert graph.post("/me/findMeetingTimes", {"attendees": ["sam"]}).status_code == 400
    bad_slots = {"timeConstraint": {"timeSlots": ["tomorrow"]}}
    assert graph.post("/me/findMeetingTimes", bad_slots).status_code == 400
