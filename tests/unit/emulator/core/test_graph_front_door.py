"""What the middleware adds to every /v1.0 exchange: Graph headers, throttling (G29), faults
and the request log."""

from __future__ import annotations

import json
import re

import anyio
import httpx2
import pytest
from probe_app import UPN, Gate, bearer, probe_app, seeded_emulator
from starlette.testclient import TestClient

from msgraph_emulator.emulator import Emulator
from msgraph_emulator.errors import GRAPH_JSON_CONTENT_TYPE
from msgraph_emulator.identity.jwt import SigningKey


@pytest.fixture
def emulator(signing_key: SigningKey) -> Emulator:
    return seeded_emulator(signing_key)


@pytest.fixture
def client(emulator: Emulator) -> TestClient:
    return TestClient(probe_app(emulator))


def test_graph_answers_carry_the_standard_headers(client: TestClient, emulator: Emulator) -> None:
    answer = client.get("/v1.0/me/probe", headers=bearer(emulator))
    assert answer.headers["content-type"] == GRAPH_JSON_CONTENT_TYPE
    assert answer.headers["odata-version"] == "4.0"
    assert re.fullmatch(r"[0-9a-f-]{36}", answer.headers["request-id"])
    assert answer.headers["client-request-id"] == answer.headers["request-id"]
    assert json.loads(answer.headers["x-ms-ags-diagnostic"])["ServerInfo"]
    assert answer.headers["cache-control"] == "private"
    assert "strict-transport-security" in answer.headers


def test_client_request_id_is_echoed_in_headers_and_errors(client: TestClient) -> None:
    answer = client.get("/v1.0/me/probe", headers={"client-request-id": "mine-1"})
    assert answer.headers["client-request-id"] == "mine-1"
    inner = answer.json()["error"]["innerError"]
    assert inner["client-request-id"] == "mine-1"
    assert inner["request-id"] == answer.headers["request-id"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", inner["date"])


def test_each_request_gets_a_new_request_id(client: TestClient, emulator: Emulator) -> None:
    ids = {
        client.get("/v1.0/me/probe", headers=bearer(emulator)).headers["request-id"]
        for _ in range(3)
    }
    assert len(ids) == 3


# --- throttling (G29) -------------------------------------------------------------------------


def test_over_the_window_is_429_with_retry_after_until_a_slot_frees(
    client: TestClient, emulator: Emulator
) -> None:
    emulator.settings.update_from_json({"throttle": {"requestsPerWindow": 2, "windowSeconds": 60}})
    headers = bearer(emulator)
    assert client.get("/v1.0/me/probe", headers=headers).status_code == 200
    emulator.clock.advance(20)
    assert client.get("/v1.0/me/probe", headers=headers).status_code == 200
    refused = client.get("/v1.0/me/probe", headers=headers)
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "40"
    assert refused.json()["error"]["code"] == "ApplicationThrottled"
    assert refused.json()["error"]["message"] == "Application is over its request limit."
    emulator.clock.advance(40)
    assert client.get("/v1.0/me/probe", headers=headers).status_code == 200


def test_throttling_is_per_mailbox(client: TestClient, emulator: Emulator) -> None:
    emulator.settings.update_from_json({"throttle": {"requestsPerWindow": 1}})
    assert client.get("/v1.0/me/probe", headers=bearer(emulator)).status_code == 200
    assert client.get("/v1.0/me/probe", headers=bearer(emulator)).status_code == 429
    other = bearer(emulator, "lee@acme.example")
    assert client.get("/v1.0/me/probe", headers=other).status_code == 200


def test_requests_for_unknown_users_leave_no_throttling_state(
    client: TestClient, emulator: Emulator
) -> None:
    headers = bearer(emulator)
    for n in range(20):
        client.get(f"/v1.0/users/nobody-{n}@acme.example/probe", headers=headers)
    assert emulator.throttle.tracked_keys == 0
    client.get(f"/v1.0/users/{UPN}/probe", headers=headers)
    assert emulator.throttle.tracked_keys == 1


@pytest.mark.anyio
async def test_over_the_concurrency_limit_is_429_mailbox_concurrency(emulator: Emulator) -> None:
    emulator.settings.update_from_json({"throttle": {"concurrentPerMailbox": 2}})
    gate = Gate()
    transport = httpx2.ASGITransport(app=probe_app(emulator, gate))
    headers = bearer(emulator)
    async with httpx2.AsyncClient(transport=transport, base_url="http://emulator") as client:
        answers: list[httpx2.Response] = []

        async def call() -> None:
            answers.append(await client.get("/v1.0/me/slow", headers=headers))

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(call)
            tasks.start_soon(call)
            while gate.entered < 2:
                await anyio.sleep(0.001)
            refused = await client.get("/v1.0/me/slow", headers=headers)
            gate.release.set()
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == "1"
        assert refused.json()["error"]["message"] == (
            "Application is over its MailboxConcurrency limit."
        )
        assert [a.status_code for a in answers] == [200, 200]
        assert (
            emulator.throttle.in_flight(("e0e0e0e0-0000-4000-8000-000000000001", _id(emulator)))
            == 0
        )


def test_a_failing_handler_gives_its_slot_back(emulator: Emulator) -> None:
    emulator.settings.update_from_json({"throttle": {"concurrentPerMailbox": 1}})
    client = TestClient(probe_app(emulator), raise_server_exceptions=False)
    headers = bearer(emulator)
    assert client.get("/v1.0/me/boom", headers=headers).status_code == 500
    assert client.get("/v1.0/me/probe", headers=headers).status_code == 200
    assert emulator.request_log.since(0)[0].status == 500


def _id(emulator: Emulator) -> str:
    user = emulator.directory.user_by_id_or_upn(UPN)
    assert user is not None
    return user.id


# --- faults (G29) -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("retry_after", "header"),
    [
        (7, "7"),
        (0, "0"),
        ("Wed, 21 Oct 2026 07:28:00 GMT", "Wed, 21 Oct 2026 07:28:00 GMT"),
        (None, None),
    ],
)
def test_a_fault_answers_its_status_and_retry_after(
    client: TestClient, emulator: Emulator, retry_after: object, header: str | None
) -> None:
    spec: dict[str, object] = {"status": 429, "times": 1}
    if retry_after is not None:
        spec["retryAfter"] = retry_after
    emulator.faults.add_from_json(spec)
    refused = client.get("/v1.0/me/probe", headers=bearer(emulator))
    assert refused.status_code == 429
    assert refused.headers.get("retry-after") == header
    assert refused.json()["error"]["code"] == "ApplicationThrottled"
    assert client.get("/v1.0/me/probe", headers=bearer(emulator)).status_code == 200


def test_faults_match_method_and_path_and_count_down(
    client: TestClient, emulator: Emulator
) -> None:
    emulator.faults.add_from_json(
        {"method": "POST", "pathRegex": "/probe$", "status": 503, "times": 2}
    )
    headers = bearer(emulator)
    assert client.get("/v1.0/me/probe", headers=headers).status_code == 200
    assert client.post("/v1.0/me/probe", headers=headers).status_code == 503
    assert client.post("/v1.0/me/probe", headers=headers).status_code == 503
    assert client.post("/v1.0/me/probe", headers=headers).status_code == 201


def test_a_fault_may_carry_its_own_body(client: TestClient, emulator: Emulator) -> None:
    emulator.faults.add_from_json({"status": 500, "body": {"error": {"code": "Custom"}}})
    answer = client.get("/v1.0/me/probe", headers=bearer(emulator))
    assert answer.json() == {"error": {"code": "Custom"}}


def test_a_delay_only_fault_still_answers_normally(client: TestClient, emulator: Emulator) -> None:
    emulator.faults.add_from_json({"delayMs": 1})
    assert client.get("/v1.0/me/probe", headers=bearer(emulator)).status_code == 200
    assert emulator.faults.active() == []


def test_faults_on_identity_paths_use_the_identity_error_shape(
    client: TestClient, emulator: Emulator
) -> None:
    emulator.faults.add_from_json({"pathRegex": "/oauth2/", "status": 503, "retryAfter": 2})
    answer = client.post("/common/oauth2/v2.0/token")
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "2"
    assert answer.json()["error"] == "temporarily_unavailable"


# --- request log --------------------------------------------------------------------------------


def test_requests_are_recorded_with_status_user_and_query(
    client: TestClient, emulator: Emulator
) -> None:
    client.get("/v1.0/me/probe?$top=2", headers=bearer(emulator))
    client.get("/v1.0/me/probe")
    first, second = emulator.request_log.since(0)
    assert (first.method, first.path, first.query, first.status, first.user) == (
        "GET",
        "/v1.0/me/probe",
        "$top=2",
        200,
        UPN,
    )
    assert (second.status, second.user) == (401, None)
    assert emulator.request_log.since(first.seq) == [second]


def test_principal_carries_the_app_id(client: TestClient, emulator: Emulator) -> None:
    answer = client.get("/v1.0/subscriptions", headers=bearer(emulator))
    assert answer.json() == {"appId": "e0e0e0e0-0000-4000-8000-000000000001"}
