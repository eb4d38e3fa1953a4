"""calendarView delta over HTTP: rounds, pages, `@removed`, refusals, token expiry (§9, G20)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
import requests

from msgraph_emulator.directory import User
from msgraph_emulator.graph import mailbox as mailbox_module

WINDOW = "startDateTime=2026-04-01T00:00:00Z&endDateTime=2026-04-08T00:00:00Z"


class Mailbox:
    """A user of the running emulator, talking Graph with a direct token."""

    def __init__(self, running_emulator: Any, upn: str = "dana@acme.example") -> None:
        emulator = running_emulator.emulator
        self.user: User = emulator.create_user(user_principal_name=upn, display_name="Dana")
        token = emulator.issue_user_token(self.user).value
        self.base = running_emulator.base_url
        self.graph = running_emulator.graph_url
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def create(self, subject: str, day: str) -> str:
        answer = self.session.post(f"{self.graph}/me/events", json=event_body(subject, day))
        assert answer.status_code == 201, answer.text
        return str(answer.json()["id"])

    def patch(self, event_id: str, body: dict[str, Any]) -> None:
        answer = self.session.patch(f"{self.graph}/me/events/{quote(event_id, safe='')}", json=body)
        assert answer.status_code == 200, answer.text

    def delete(self, event_id: str) -> None:
        assert (
            self.session.delete(f"{self.graph}/me/events/{quote(event_id, safe='')}").status_code
            == 204
        )

    def round(self, url: str, *, page_size: int = 2) -> tuple[list[dict[str, Any]], str, int]:
        """Follow nextLinks to the deltaLink: (items, deltaLink, pages)."""
        items: list[dict[str, Any]] = []
        pages = 0
        while True:
            answer = self.session.get(url, headers={"Prefer": f"odata.maxpagesize={page_size}"})
            assert answer.status_code == 200, answer.text
            page = answer.json()
            pages += 1
            assert len(page["value"]) <= page_size
            items += page["value"]
            if "@odata.deltaLink" in page:
                assert "@odata.nextLink" not in page
                return items, page["@odata.deltaLink"], pages
            url = page["@odata.nextLink"]


def event_body(subject: str, day: str) -> dict[str, Any]:
    return {
        "subject": subject,
        "start": {"dateTime": f"{day}T09:00:00", "timeZone": "UTC"},
        "end": {"dateTime": f"{day}T10:00:00", "timeZone": "UTC"},
    }


def split(items: list[dict[str, Any]]) -> tuple[dict[str, dict[str, Any]], set[str]]:
    present = {i["id"]: i for i in items if "@removed" not in i}
    removed = {i["id"] for i in items if "@removed" in i}
    return present, removed


@pytest.fixture
def mailbox(running_emulator: Any) -> Mailbox:
    return Mailbox(running_emulator)


def test_rounds_return_the_window_then_only_changes_and_removals(mailbox: Mailbox) -> None:
    a = mailbox.create("a", "2026-04-02")
    b = mailbox.create("b", "2026-04-03")
    c = mailbox.create("c", "2026-04-04")
    mailbox.create("outside", "2026-05-02")

    first, delta_link, pages = mailbox.round(f"{mailbox.graph}/me/calendarView/delta?{WINDOW}")
    present, removed = split(first)
    assert set(present) == {a, b, c}
    assert removed == set()
    assert pages == 2
    assert delta_link.startswith(f"{mailbox.base}/v1.0/me/calendarView/delta?$deltatoken=")
    assert present[a]["@odata.type"] == "#microsoft.graph.event"
    assert present[a]["@odata.etag"].startswith('W/"')

    mailbox.patch(a, {"subject": "a2"})
    mailbox.patch(a, {"subject": "a3"})  # several updates collapse into the latest state
    mailbox.delete(b)
    mailbox.patch(c, event_body("c", "2026-05-09"))  # moves out of the window
    e = mailbox.create("e", "2026-04-05")
    f = mailbox.create("f", "2026-06-01")  # created outside the window
    g = mailbox.create("g", "2026-04-06")
    mailbox.delete(g)  # created and deleted between rounds

    second, delta_link, _ = mailbox.round(delta_link)
    present, removed = split(second)
    assert set(present) == {a, e}
    assert present[a]["subject"] == "a3"
    assert removed == {b, c, f, g}
    assert len(second) == 6
    assert all(i["@removed"] == {"reason": "deleted"} for i in second if "@removed" in i)

    third, _, pages = mailbox.round(delta_link)
    assert third == []
    assert pages == 1


def test_sdk_route_spellings_and_user_twin_work(mailbox: Mailbox) -> None:
    event_id = mailbox.create("a", "2026-04-02")
    for path in (
        "me/calendarView/delta()",
        "me/calendarview/microsoft.graph.delta",
        f"users/{mailbox.user.id}/calendarView/delta",
        "me/events/delta()",
    ):
        items, _, _ = mailbox.round(f"{mailbox.graph}/{path}?{WINDOW}")
        assert [i["id"] for i in items] == [event_id], path


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("$select=subject", "'$orderby, $filter, $select, $expand, $search'"),
        ("$filter=subject eq 'a'", "'$orderby, $filter, $select, $expand, $search'"),
        ("$orderby=start/dateTime", "'$orderby, $filter, $select, $expand, $search'"),
        ("%24top=5", "Prefer: odata.maxpagesize"),
    ],
)
def test_query_options_graph_refuses_on_delta(mailbox: Mailbox, option: str, message: str) -> None:
    answer = mailbox.session.get(f"{mailbox.graph}/me/calendarView/delta?{WINDOW}&{option}")
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "ErrorInvalidUrlQuery"
    assert message in error["message"]


def test_first_request_needs_a_window(mailbox: Mailbox) -> None:
    answer = mailbox.session.get(f"{mailbox.graph}/me/calendarView/delta")
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "ErrorInvalidParameter"


def test_unknown_token_answers_sync_state_not_found(mailbox: Mailbox) -> None:
    answer = mailbox.session.get(f"{mailbox.graph}/me/calendarView/delta?$deltatoken=R0usmcMDNGg")
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "syncStateNotFound"


def test_expired_token_answers_410_with_a_location_that_starts_over(mailbox: Mailbox) -> None:
    event_id = mailbox.create("a", "2026-04-02")
    _, delta_link, _ = mailbox.round(f"{mailbox.graph}/me/calendarView/delta?{WINDOW}")
    assert requests.post(f"{mailbox.base}/_emulator/delta/expire").status_code == 200
    answer = mailbox.session.get(delta_link, allow_redirects=False)
    assert answer.status_code == 410
    location = answer.headers["Location"]
    assert "$deltatoken=" in location
    items, _, _ = mailbox.round(location)
    assert [i["id"] for i in items] == [event_id]


def test_token_lifetime_and_answer_form_are_configurable(mailbox: Mailbox) -> None:
    _, delta_link, _ = mailbox.round(f"{mailbox.graph}/me/calendarView/delta?{WINDOW}")
    settings = {"deltaTokenLifetimeSeconds": 60, "deltaExpiredAnswer": "syncStateNotFound"}
    assert requests.put(f"{mailbox.base}/_emulator/settings", json=settings).status_code == 200
    assert mailbox.session.get(delta_link).status_code == 200
    requests.post(f"{mailbox.base}/_emulator/clock", json={"advanceSeconds": 61})
    answer = mailbox.session.get(delta_link)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "syncStateNotFound"


def test_a_token_older_than_the_forgotten_deletions_starts_over(
    mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tombstones are bounded: once deletions a token still needs are forgotten, the token
    expires (410 + Location) instead of leaving the client with items that are gone."""
    monkeypatch.setattr(mailbox_module, "MAX_TOMBSTONES", 1)
    first, second = mailbox.create("a", "2026-04-02"), mailbox.create("b", "2026-04-03")
    _, delta_link, _ = mailbox.round(f"{mailbox.graph}/me/calendarView/delta?{WINDOW}")
    mailbox.delete(first)
    items, fresh_link, _ = mailbox.round(delta_link)
    assert split(items)[1] == {first}
    mailbox.delete(second)  # the tombstone of `first` is forgotten
    assert mailbox.session.get(delta_link, allow_redirects=False).status_code == 410
    items, _, _ = mailbox.round(fresh_link)
    assert split(items)[1] == {second}


def _daily_series(mailbox: Mailbox) -> str:
    body = event_body("stand-up", "2026-04-01") | {
        "recurrence": {
            "pattern": {"type": "daily", "interval": 1},
            "range": {"type": "endDate", "startDate": "2026-04-01", "endDate": "2026-04-03"},
        }
    }
    answer = mailbox.session.post(f"{mailbox.graph}/me/events", json=body)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def test_occurrences_of_a_reshaped_or_deleted_series_are_removed(mailbox: Mailbox) -> None:
    """calendarView delta hands out occurrence ids, never the master's: when the series
    moves or goes, the client must hear that each occurrence it holds is gone."""
    master = _daily_series(mailbox)
    items, delta_link, _ = mailbox.round(f"{mailbox.graph}/me/calendarView/delta?{WINDOW}")
    old_occurrences = set(split(items)[0])
    assert len(old_occurrences) == 3

    moved = event_body("stand-up", "2026-04-01")
    moved["start"]["dateTime"] = "2026-04-01T11:00:00"
    moved["end"]["dateTime"] = "2026-04-01T12:00:00"
    mailbox.patch(master, {"start": moved["start"], "end": moved["end"]})
    items, delta_link, _ = mailbox.round(delta_link)
    present, removed = split(items)
    assert old_occurrences <= removed
    assert len(present) == 3
    assert not set(present) & old_occurrences

    mailbox.delete(master)
    items, _, _ = mailbox.round(delta_link)
    assert set(present) <= split(items)[1]
