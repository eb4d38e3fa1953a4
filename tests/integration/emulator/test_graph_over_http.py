"""The Graph data routes through a real uvicorn: encoded ids and absolute nextLinks (G09)."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from msgraph_emulator.graph import ids

UPN = "dana@acme.example"


def _client(running_emulator: Any) -> httpx2.Client:
    user = running_emulator.emulator.create_user(user_principal_name=UPN, display_name="Dana")
    token = running_emulator.emulator.issue_user_token(user).value
    return httpx2.Client(
        base_url=running_emulator.graph_url, headers={"Authorization": f"Bearer {token}"}
    )


def _event(subject: str, day: int) -> dict[str, Any]:
    return {
        "subject": subject,
        "start": {"dateTime": f"2026-04-{day:02d}T09:00:00", "timeZone": "UTC"},
        "end": {"dateTime": f"2026-04-{day:02d}T10:00:00", "timeZone": "UTC"},
    }


@pytest.mark.parametrize("mailbox", ["/me", "/users/me-token-to-replace"])  # G01 alias too
def test_an_id_with_an_encoded_slash_stays_one_segment(
    running_emulator: Any, monkeypatch: pytest.MonkeyPatch, mailbox: str
) -> None:
    monkeypatch.setattr(ids, "new_item_id", lambda: "AAMkAGI1/AAt9+AHjAAA=")
    with _client(running_emulator) as graph:
        assert graph.post("/me/events", json=_event("slash", 15)).status_code == 201
        got = graph.get(f"{mailbox}/events/AAMkAGI1%2FAAt9%2BAHjAAA%3D")
        assert got.status_code == 200
        assert got.json()["id"] == "AAMkAGI1/AAt9+AHjAAA="
        assert got.headers["content-type"].startswith("application/json;odata.metadata=minimal")
        assert "request-id" in got.headers


def test_next_links_point_at_the_emulator_and_reach_every_event(running_emulator: Any) -> None:
    with _client(running_emulator) as graph:
        for day in range(1, 24):
            graph.post("/me/events", json=_event(f"e{day}", day))
        page = graph.get(
            "/me/calendarView",
            params={
                "startDateTime": "2026-04-01T00:00:00Z",
                "endDateTime": "2026-05-01T00:00:00Z",
                "$top": "7",
            },
        ).json()
        subjects = []
        while True:
            subjects.extend(e["subject"] for e in page["value"])
            link = page.get("@odata.nextLink")
            if not link:
                break
            assert link.startswith(f"{running_emulator.base_url}/v1.0/me/calendarView?")
            page = graph.get(link).json()
        assert subjects == [f"e{day}" for day in range(1, 24)]
