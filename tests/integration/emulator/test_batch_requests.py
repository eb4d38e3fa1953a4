"""`POST /v1.0/$batch` over HTTP: limits, 424 dependants, per-item throttling (§11, G28, G29)."""

from __future__ import annotations

from typing import Any

import pytest
import requests


@pytest.fixture
def graph(running_emulator: Any) -> requests.Session:
    emulator = running_emulator.emulator
    user = emulator.create_user(user_principal_name="dana@acme.example", display_name="Dana")
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {emulator.issue_user_token(user).value}"
    return session


def batch(graph: requests.Session, running: Any, items: list[dict[str, Any]]) -> requests.Response:
    return graph.post(f"{running.graph_url}/$batch", json={"requests": items})


def event_item(item_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": item_id,
        "method": "POST",
        "url": "/me/events",
        "headers": {"Content-Type": "application/json"},
        "body": {
            "subject": f"item {item_id}",
            "start": {"dateTime": "2026-04-02T09:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2026-04-02T10:00:00", "timeZone": "UTC"},
        },
        **extra,
    }


def test_more_than_twenty_requests_are_refused(
    graph: requests.Session, running_emulator: Any
) -> None:
    items = [{"id": str(i), "method": "GET", "url": "/me/events"} for i in range(25)]
    answer = batch(graph, running_emulator, items)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "BadRequest"
    assert running_emulator.emulator.request_log.since(0)[-1].path == "/v1.0/$batch"


def test_dependants_of_a_failed_request_answer_424(
    graph: requests.Session, running_emulator: Any
) -> None:
    items = [{"id": "1", "method": "GET", "url": "/me/events/AAMkAGVtdWxhdG9yLW1pc3Npbmc="}]
    items += [event_item(str(i), dependsOn=["1"]) for i in range(2, 6)]
    items += [event_item(str(i)) for i in range(6, 21)]
    answer = batch(graph, running_emulator, items)
    assert answer.status_code == 200
    by_id = {r["id"]: r for r in answer.json()["responses"]}
    assert len(by_id) == 20
    assert by_id["1"]["status"] == 404
    for dependant in ("2", "3", "4", "5"):
        assert by_id[dependant]["status"] == 424
        assert by_id[dependant]["body"]["error"]["code"] == "FailedDependency"
    for independent in range(6, 21):
        assert by_id[str(independent)]["status"] == 201
        assert by_id[str(independent)]["body"]["subject"] == f"item {independent}"
    listed = graph.get(f"{running_emulator.graph_url}/me/events?$top=50").json()["value"]
    assert len(listed) == 15


def test_serial_chain_runs_in_order_with_the_sdk_spelling(
    graph: requests.Session, running_emulator: Any
) -> None:
    items = [event_item("a"), event_item("b", depends_on=["a"]), event_item("c", depends_on=["b"])]
    items.append({"id": "d", "method": "GET", "url": "/v1.0/me/events", "depends_on": ["c"]})
    answer = batch(graph, running_emulator, items)
    by_id = {r["id"]: r for r in answer.json()["responses"]}
    assert [by_id[k]["status"] for k in "abcd"] == [201, 201, 201, 200]
    assert len(by_id["d"]["body"]["value"]) == 3


def test_items_are_throttled_one_by_one_with_retry_after(
    graph: requests.Session, running_emulator: Any
) -> None:
    settings = {"throttle": {"requestsPerWindow": 5}}
    requests.put(f"{running_emulator.base_url}/_emulator/settings", json=settings)
    items = [{"id": str(i), "method": "GET", "url": "/me/calendars"} for i in range(12)]
    answer = batch(graph, running_emulator, items)
    assert answer.status_code == 200
    statuses = [r["status"] for r in answer.json()["responses"]]
    assert statuses.count(200) == 5
    assert statuses.count(429) == 7
    throttled = [r for r in answer.json()["responses"] if r["status"] == 429]
    assert all(int(r["headers"]["Retry-After"]) >= 1 for r in throttled)
    assert all(r["body"]["error"]["code"] == "ApplicationThrottled" for r in throttled)
    logged = [
        e for e in running_emulator.emulator.request_log.since(0) if e.path == "/v1.0/me/calendars"
    ]
    assert len(logged) == 12


def test_absolute_urls_of_another_origin_fail_that_item_only(
    graph: requests.Session, running_emulator: Any
) -> None:
    items = [
        {"id": "1", "method": "GET", "url": f"{running_emulator.graph_url}/me/calendars"},
        {"id": "2", "method": "GET", "url": "https://graph.microsoft.com/v1.0/me/calendars"},
    ]
    by_id = {r["id"]: r for r in batch(graph, running_emulator, items).json()["responses"]}
    assert by_id["1"]["status"] == 200
    assert by_id["2"]["status"] == 400
