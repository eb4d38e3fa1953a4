"""Event actions (§3.5, G10) and getSchedule (§3.7, G14) over HTTP."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from graph_http import Graph

from msgraph_emulator.emulator import Emulator


def _event(graph: Graph, **extra: Any) -> str:
    body = {
        "subject": "Sync",
        "start": {"dateTime": "2026-04-15T09:00:00", "timeZone": "UTC"},
        "end": {"dateTime": "2026-04-15T10:00:00", "timeZone": "UTC"},
        **extra,
    }
    return quote(graph.post("/me/events", body).json()["id"], safe="")


def test_responses_answer_202_and_set_the_response_status(graph: Graph) -> None:
    event_id = _event(graph)
    for action, response in (
        ("accept", "accepted"),
        ("tentativelyAccept", "tentativelyAccepted"),
        ("decline", "declined"),
    ):
        answer = graph.post(
            f"/me/events/{event_id}/{action}", {"Comment": "ok", "SendResponse": True}
        )
        assert answer.status_code == 202, action
        assert answer.content == b""
        status = graph.get(f"/me/events/{event_id}").json()["responseStatus"]
        assert status["response"] == response
        assert status["time"] != "0001-01-01T00:00:00Z"


def test_a_new_time_cannot_be_proposed_when_the_event_forbids_it(graph: Graph) -> None:
    event_id = _event(graph, allowNewTimeProposals=False)
    proposal = {
        "ProposedNewTime": {
            "start": {"dateTime": "2026-04-15T11:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2026-04-15T12:00:00", "timeZone": "UTC"},
        }
    }
    assert graph.post(f"/me/events/{event_id}/decline", proposal).status_code == 400
    other = _event(graph)
    no_response = {**proposal, "sendResponse": False}
    assert graph.post(f"/me/events/{other}/tentativelyAccept", no_response).status_code == 400
    assert graph.post(f"/me/events/{other}/tentativelyAccept", proposal).status_code == 202


def test_cancel_by_the_organizer_removes_the_event(graph: Graph) -> None:
    event_id = _event(graph)
    assert graph.post(f"/me/events/{event_id}/cancel", {"Comment": "off"}).status_code == 202
    assert graph.get(f"/me/events/{event_id}").status_code == 404


def test_cancel_by_an_attendee_is_refused(graph: Graph, emulator: Emulator) -> None:
    event_id = _event(graph)
    mailbox = next(iter(emulator.mailboxes.values()))
    next(iter(mailbox.events.values())).props["isOrganizer"] = False
    refused = graph.post(f"/me/events/{event_id}/cancel", {})
    assert refused.status_code == 400
    assert refused.json()["error"]["message"] == (
        "Your request can't be completed. You need to be an organizer to cancel a meeting."
    )


def test_forward_needs_recipients(graph: Graph) -> None:
    event_id = _event(graph)
    to = {"ToRecipients": [{"emailAddress": {"address": "sam@acme.example"}}]}
    assert graph.post(f"/me/events/{event_id}/forward", to).status_code == 202
    assert graph.post(f"/me/events/{event_id}/forward", {}).status_code == 400


def test_actions_on_unknown_events_answer_404(graph: Graph) -> None:
    assert graph.post("/me/events/AAMkAGI1AAAt9AHjAAAAAAAAAAAA/accept", {}).status_code == 404


def test_get_schedule_is_computed_from_the_mailboxes(graph: Graph, emulator: Emulator) -> None:
    _event(graph, showAs="tentative")
    _event(
        graph,
        subject="Late",
        start={"dateTime": "2026-04-15T10:30:00", "timeZone": "UTC"},
        end={"dateTime": "2026-04-15T11:00:00", "timeZone": "UTC"},
    )
    emulator.create_user(user_principal_name="sam@acme.example", display_name="Sam Lee")
    answer = graph.post(
        "/me/calendar/getSchedule",
        {
            "Schedules": ["dana@acme.example", "sam@acme.example", "nobody@acme.example"],
            "StartTime": {"dateTime": "2026-04-15T08:00:00", "timeZone": "UTC"},
            "EndTime": {"dateTime": "2026-04-15T12:00:00", "timeZone": "UTC"},
            "AvailabilityViewInterval": 30,
        },
    )
    assert answer.status_code == 200
    dana, sam, nobody = answer.json()["value"]
    assert dana["availabilityView"] == "00110200"
    assert [i["subject"] for i in dana["scheduleItems"]] == ["Sync", "Late"]
    assert dana["scheduleItems"][0]["status"] == "tentative"
    assert dana["scheduleItems"][0]["start"] == {
        "dateTime": "2026-04-15T09:00:00.0000000",
        "timeZone": "UTC",
    }
    assert sam["availabilityView"] == "00000000"
    assert nobody["error"]["responseCode"] == "ErrorMailRecipientNotFound"


def test_get_schedule_checks_its_parameters(graph: Graph) -> None:
    window = {
        "startTime": {"dateTime": "2026-04-15T08:00:00", "timeZone": "UTC"},
        "endTime": {"dateTime": "2026-04-15T12:00:00", "timeZone": "UTC"},
    }
    assert graph.post("/me/calendar/getSchedule", window).status_code == 400
    bad = {**window, "schedules": ["dana@acme.example"], "availabilityViewInterval": 2}
    assert graph.post("/me/calendar/getSchedule", bad).status_code == 400
