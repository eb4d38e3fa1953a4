"""The hub API end to end: `openelements serve` and the Graph emulator as real processes on
loopback, an instance provisioned through the OAuth round trip, every issue-7 resource called
over HTTP as a customer would. One emulator and one gateway serve the whole module.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
import httpx2
import pytest

from openelements import demo

pytestmark = pytest.mark.slow

BULK_EVENTS = 450
MONDAY = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Hub:
    world: demo.DemoWorld
    other_token: str
    """A second instance of the same organization (cursor binding)."""
    bulk_calendar: str
    series_master: str
    graph_token: str

    def client(self, *, token: str | None = None) -> httpx2.Client:
        authorization = (
            self.world.hub_authorization
            if token is None
            else f"User {self.world.organization.user_secret}, Element {token}"
        )
        return httpx2.Client(
            base_url=self.world.gateway, headers={"Authorization": authorization}, timeout=30
        )

    def platform(self) -> httpx2.Client:
        authorization = self.world.organization.authorization()
        return httpx2.Client(
            base_url=self.world.gateway, headers={"Authorization": authorization}, timeout=30
        )

    def graph(self) -> httpx2.Client:
        return httpx2.Client(
            base_url=f"{self.world.emulator}/v1.0",
            headers={"Authorization": f"Bearer {self.graph_token}"},
            timeout=30,
        )


async def _seed_bulk(emulator: str, token: str) -> str:
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        async with session.post(f"{emulator}/v1.0/me/calendars", json={"name": "Bulk"}) as answer:
            calendar: str = (await answer.json())["id"]
        url = f"{emulator}/v1.0/me/calendars/{quote(calendar, safe='')}/events"
        gate = asyncio.Semaphore(16)

        async def create(number: int) -> None:
            start = MONDAY + dt.timedelta(hours=number)
            body = demo.sample_event(f"Bulk {number:03d}", start)
            async with gate, session.post(url, json=body) as answer:
                assert answer.status == 201, await answer.text()

        await asyncio.gather(*(create(n) for n in range(BULK_EVENTS)))
    return calendar


async def _build(directory: Path, log: Any, processes: list[subprocess.Popen[bytes]]) -> Hub:
    emulator_port, gateway_port = demo.free_port(), demo.free_port()
    emulator = f"http://127.0.0.1:{emulator_port}"
    env = demo.gateway_environment(directory=directory, emulator=emulator)
    env.update(
        OPENELEMENTS_HTTP_RETRY_ATTEMPTS="2",
        OPENELEMENTS_HTTP_RETRY_BACKOFF_INITIAL_SECONDS="0.01",
    )
    extra = ("--throttle-concurrent-per-mailbox", "64")
    processes.append(demo.start_emulator(emulator_port, log=log, extra=extra))
    processes.append(demo.start_gateway(gateway_port, env=env, log=log, cwd=directory))
    app = demo.DemoApp()
    connector = aiohttp.TCPConnector(force_close=True)
    async with aiohttp.ClientSession(connector=connector) as session:
        await demo.wait_until_up(session, f"{emulator}/_emulator/settings", process=processes[0])
        gateway_root = f"http://127.0.0.1:{gateway_port}"
        await demo.wait_until_up(session, f"{gateway_root}/health", process=processes[1])
        organization = demo.create_organization(env=env, cwd=directory, email="hub@acme.example")
        await demo.register_app_and_mailbox(session, emulator, app)
        token = await demo.graph_token(session, emulator, app.mailbox)
        master = await demo.seed_sample_events(session, emulator, token=token, today=MONDAY.date())
        gateway = f"{gateway_root}/elements/api-v2"
        first = await demo.provision_instance(session, gateway, organization=organization, app=app)
        other = await demo.provision_instance(
            session, gateway, organization=organization, app=app, name="second"
        )
    calendar = await _seed_bulk(emulator, token)
    world = demo.DemoWorld(
        gateway=gateway,
        emulator=emulator,
        organization=organization,
        instance_id=int(first["id"]),
        instance_token=str(first["token"]),
    )
    return Hub(
        world=world,
        other_token=str(other["token"]),
        bulk_calendar=calendar,
        series_master=str(master["id"]),
        graph_token=token,
    )


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    directory = tmp_path_factory.mktemp("hub")
    processes: list[subprocess.Popen[bytes]] = []
    with (directory / "processes.log").open("wb") as log, demo.running_processes(processes):
        yield asyncio.run(_build(directory, log, processes))


def _id(value: str) -> str:
    return quote(value, safe="")


def _ok(response: httpx2.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json() if response.content else None


def _eventually(client: httpx2.Client, path: str, status: int) -> httpx2.Response:
    """A provider grant read by the gateway is reused for up to 1 s (hubs/grants.py)."""
    deadline = time.monotonic() + 3
    while True:
        response = client.get(path)
        if response.status_code == status or time.monotonic() > deadline:
            return response
        time.sleep(0.05)


def _error(response: httpx2.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["requestId"] == response.headers["Elements-Request-Id"]
    return body


# --- routing and headers -------------------------------------------------------------------


def test_the_hub_segment_is_ignored_and_root_aliases_answer_the_same(hub: Hub) -> None:
    with hub.client() as client:
        answers = [
            _ok(client.get(path))
            for path in ("/hubs/general/calendars", "/hubs/anything/calendars", "/calendars")
        ]
        response = client.get("/calendars")
    assert answers[0] == answers[1] == answers[2]
    assert {c["name"] for c in answers[0]} >= {"Calendar", "Bulk"}
    assert response.headers["Elements-Element-Instance-Id"] == str(hub.world.instance_id)
    assert response.headers["Elements-Returned-Count"] == str(len(answers[0]))


def test_platform_routes_are_not_shadowed_by_root_aliases(hub: Hub) -> None:
    with hub.platform() as client:
        assert client.get(f"/instances/{hub.world.instance_id}").status_code == 200
        assert client.get("/nothing-here").status_code == 404
        assert client.put("/instances").status_code in {404, 405}


def test_wrong_methods_bodies_and_async_requests_are_refused(hub: Hub) -> None:
    with hub.client() as client:
        wrong = client.post("/hubs/general/calendar-view", json={})
        assert wrong.status_code == 405
        assert wrong.headers["Allow"] == "GET"
        form = client.post(
            "/hubs/general/events", content=b"subject=x",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )  # fmt: skip
        assert form.status_code == 415
        not_object = client.post("/hubs/general/events", json=["x"])
        assert "JSON object" in _error(not_object, 400)["message"]
        asynchronous = client.get("/calendars", headers={"Elements-Async-Request": "true"})
        assert _error(asynchronous, 400)["message"] == "Asynchronous requests are not supported"
        assert client.get("/hubs/general/messages").status_code == 404  # D35


def test_nulls_stay_when_the_instance_turns_filtering_off(hub: Hub) -> None:
    with hub.platform() as platform:
        instances = platform.get("/instances").json()
        other = next(i for i in instances if i["token"] == hub.other_token)
        update = {"configuration": {"filter.response.nulls": "false"}}
        assert platform.patch(f"/instances/{other['id']}", json=update).status_code == 200
    with hub.client(token=hub.other_token) as client:
        event = _ok(client.get(f"/hubs/general/events/{_id(hub.series_master)}"))
    assert event["seriesMasterId"] is None


def test_ping_calls_graph_and_names_the_element(hub: Hub) -> None:
    with hub.client() as client:
        body = _ok(client.get("/hubs/general/ping"))
    assert body["endpoint"] == "microsoftgraph"
    assert dt.datetime.fromisoformat(body["dateTime"]).tzinfo is not None


# --- calendars -----------------------------------------------------------------------------


def test_calendars_create_read_update_delete(hub: Hub) -> None:
    with hub.client() as client:
        created = _ok(client.post("/hubs/general/calendars", json={"name": "Team"}))
        path = f"/hubs/general/calendars/{_id(created['id'])}"
        assert _ok(client.get(path))["name"] == "Team"
        assert _ok(client.patch(path, json={"name": "Team B"}))["name"] == "Team B"
        deleted = client.delete(path)
        assert deleted.status_code == 200
        assert deleted.content == b""
        missing = _error(client.get(path), 404)
    assert missing["providerMessage"].startswith("ErrorItemNotFound")


# --- events of a calendar, mailbox-wide events ------------------------------------------------


GRAPH_SHAPED_EVENT = {
    "@odata.etag": 'W/"stale"',
    "subject": "Quarterly review",
    "showAs": "free",
    "isCancelled": False,
    "responseRequested": True,
    "responseStatus": {"response": "organizer", "time": "0001-01-01T00:00:00Z"},
    "start": {"dateTime": "2026-12-15T09:00:00.0000000", "timeZone": "UTC"},
    "end": {"dateTime": "2026-12-15T10:00:00.0000000", "timeZone": "UTC"},
    "originalStartTimeZone": "UTC",
    "originalEndTimeZone": "UTC",
    "location": {"displayName": "Room 4"},
    "organizer": {"emailAddress": {"address": "dana@contoso.example", "name": "Dana Swope"}},
}


def test_events_of_a_calendar_accept_graph_shaped_bodies_and_full_object_patches(hub: Hub) -> None:
    with hub.client() as client:
        calendar = _ok(client.post("/hubs/general/calendars", json={"name": "Reviews"}))
        events = f"/hubs/general/calendars/{_id(calendar['id'])}/events"
        created = _ok(client.post(events, json=GRAPH_SHAPED_EVENT))
        assert created["subject"] == "Quarterly review"
        one = f"{events}/{_id(created['id'])}"
        full = _ok(client.get(one))
        full["subject"] = "Quarterly review (moved)"
        patched = _ok(client.patch(one, json=full))
        assert patched["subject"] == "Quarterly review (moved)"
        assert [e["id"] for e in _ok(client.get(events))] == [created["id"]]
        assert client.delete(one).status_code == 200
        _error(client.get(one), 404)
        assert client.delete(f"/hubs/general/calendars/{_id(calendar['id'])}").status_code == 200


def test_mailbox_wide_events_create_read_update_delete(hub: Hub) -> None:
    body = {k: v for k, v in GRAPH_SHAPED_EVENT.items() if not k.startswith("@")}
    with hub.client() as client:
        created = _ok(client.post("/hubs/general/events", json=body))
        one = f"/hubs/general/events/{_id(created['id'])}"
        assert _ok(client.get(one))["id"] == created["id"]
        assert _ok(client.patch(one, json={"subject": "Renamed"}))["subject"] == "Renamed"
        listed = _ok(client.get("/hubs/general/events", params={"where": "subject = 'Renamed'"}))
        assert [e["id"] for e in listed] == [created["id"]]
        assert client.delete(one).status_code == 200
        _error(client.get(one), 404)


def test_nulls_are_removed_from_hub_answers(hub: Hub) -> None:
    with hub.graph() as graph:
        raw = graph.get(f"/me/events/{_id(hub.series_master)}").json()
    with hub.client() as client:
        through_hub = _ok(client.get(f"/hubs/general/events/{_id(hub.series_master)}"))
    nulls = {key for key, value in raw.items() if value is None}
    assert nulls, "the emulator answers some nulls"
    assert not nulls & set(through_hub)
    assert through_hub["recurrence"] == raw["recurrence"]


# --- recurrence-aware reads -------------------------------------------------------------------


WINDOW = {
    "startDateTime": MONDAY.isoformat(),
    "endDateTime": (MONDAY + dt.timedelta(weeks=9)).isoformat(),
    "pageSize": "2000",
}


def test_calendar_view_expands_the_weekly_series_with_its_exception(hub: Hub) -> None:
    with hub.client() as client:
        view = _ok(client.get("/hubs/general/calendar-view", params=WINDOW))
        calendar = _ok(client.get("/hubs/general/calendars"))[0]
        scoped = _ok(
            client.get(
                f"/hubs/general/calendars/{_id(calendar['id'])}/calendar-view", params=WINDOW
            )
        )
    weekly = [e for e in view if e.get("seriesMasterId") == hub.series_master]
    assert len(weekly) == 8
    assert sorted(e["type"] for e in weekly).count("exception") == 1
    assert "Weekly sync (moved to the big room)" in {e["subject"] for e in weekly}
    assert hub.series_master not in {e["id"] for e in view}  # masters are not returned
    default_calendar = [e["id"] for e in view if not e["subject"].startswith("Bulk")]
    assert [e["id"] for e in scoped] == default_calendar


def test_calendar_view_without_a_window_says_it_is_required(hub: Hub) -> None:
    with hub.client() as client:
        body = _error(client.get("/hubs/general/calendar-view"), 400)
    assert "startDateTime and endDateTime" in body["message"]


def test_instances_of_a_series_in_a_window(hub: Hub) -> None:
    with hub.client() as client:
        path = f"/hubs/general/events/{_id(hub.series_master)}/instances"
        occurrences = _ok(client.get(path, params=WINDOW))
        _error(client.get(path), 400)
    assert len(occurrences) == 8
    assert {e["seriesMasterId"] for e in occurrences} == {hub.series_master}


# --- actions and free/busy ---------------------------------------------------------------------


@pytest.mark.parametrize("action", ["accept", "decline", "tentatively-accept", "forward", "cancel"])
def test_event_actions_answer_200(hub: Hub, action: str) -> None:
    body: dict[str, Any] = {"comment": "from the hub", "sendResponse": False}
    if action == "forward":
        body = {"comment": "fyi", "toRecipients": [{"emailAddress": {"address": "sam@a.example"}}]}
    with hub.client() as client:
        start = MONDAY + dt.timedelta(days=20)
        event = _ok(
            client.post("/hubs/general/events", json=demo.sample_event(f"Act {action}", start))
        )
        response = client.post(f"/hubs/general/events/{_id(event['id'])}/{action}", json=body)
        assert response.status_code == 200, response.text
        assert response.content == b""
        client.delete(f"/hubs/general/events/{_id(event['id'])}")


def test_schedule_answers_free_busy_through_get_schedule(hub: Hub) -> None:
    body = {
        "schedules": [demo.DemoApp().mailbox],
        "startTime": {"dateTime": MONDAY.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"},
        "endTime": {
            "dateTime": (MONDAY + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S"),
            "timeZone": "UTC",
        },
        "availabilityViewInterval": 60,
    }
    with hub.client() as client:
        schedules = _ok(client.post("/hubs/general/schedule", json=body))
    assert [s["scheduleId"] for s in schedules] == [demo.DemoApp().mailbox]
    assert len(schedules[0]["availabilityView"]) == 24
    assert "2" in schedules[0]["availabilityView"]  # Monday's planning meeting is busy time


# --- contacts --------------------------------------------------------------------------------


def test_contacts_create_read_update_delete(hub: Hub) -> None:
    contact = {
        "givenName": "Sam",
        "surname": "Lee",
        "emailAddresses": [{"address": "sam@a.example"}],
    }
    with hub.client() as client:
        created = _ok(client.post("/hubs/general/contacts", json=contact))
        one = f"/hubs/general/contacts/{_id(created['id'])}"
        assert _ok(client.get(one))["givenName"] == "Sam"
        assert _ok(client.patch(one, json={"surname": "Leigh"}))["surname"] == "Leigh"
        listed = _ok(client.get("/contacts", params={"where": "surname = 'Leigh'"}))
        assert [c["id"] for c in listed] == [created["id"]]
        assert client.delete(one).status_code == 200
        _error(client.get(one), 404)


# --- objects and instance state ------------------------------------------------------------------


def test_objects_answer_while_the_instance_is_disabled_and_other_calls_do_not(hub: Hub) -> None:
    with hub.client() as client, hub.platform() as platform:
        assert {"calendars", "events", "contacts"} <= set(_ok(client.get("/hubs/general/objects")))
        typed = _ok(client.get("/objects", headers={"Elements-Version": "Helium"}))
        assert {"name": "events", "vendorName": "events", "type": "vendor"} in typed
        assert all(o["type"] in {"vendor", "ceCanonical", "vdr"} for o in typed)
        fields = _ok(client.get("/hubs/general/objects/events/metadata"))["fields"]
        assert {"vendorPath": "subject", "type": "string"}.items() <= fields[1].items()
        assert platform.delete(f"/instances/{hub.world.instance_id}/enabled").status_code == 200
        try:
            assert client.get("/hubs/general/objects").status_code == 200
            _error(_eventually(client, "/hubs/general/calendars", 403), 403)
        finally:
            assert platform.put(f"/instances/{hub.world.instance_id}/enabled").status_code == 200
        assert _eventually(client, "/hubs/general/calendars", 200).status_code == 200


# --- paging ------------------------------------------------------------------------------------


def _bulk(hub: Hub) -> str:
    return f"/hubs/general/calendars/{_id(hub.bulk_calendar)}/events"


def test_450_events_page_as_200_200_50_with_no_token_on_the_last_page(hub: Hub) -> None:
    sizes, tokens, seen = [], [], []
    with hub.client() as client:
        params: dict[str, str] = {"pageSize": "200", "returnCount": "true"}
        while True:
            response = client.get(_bulk(hub), params=params)
            page = _ok(response)
            sizes.append(len(page))
            seen += [e["subject"] for e in page]
            assert response.headers["Elements-Returned-Count"] == str(len(page))
            token = response.headers.get("Elements-Next-Page-Token")
            tokens.append(token)
            if token is None:
                break
            params = {"pageSize": "200", "nextPage": token}
    assert sizes == [200, 200, 50]
    assert tokens[-1] is None
    assert all(tokens[:-1])
    assert sorted(seen) == [f"Bulk {n:03d}" for n in range(BULK_EVENTS)]


def test_total_count_when_asked(hub: Hub) -> None:
    with hub.client() as client:
        response = client.get(_bulk(hub), params={"pageSize": "5", "returnCount": "true"})
        plain = client.get(_bulk(hub), params={"pageSize": "5"})
    assert response.headers["Elements-Total-Count"] == str(BULK_EVENTS)
    assert "Elements-Total-Count" not in plain.headers


def test_page_two_equals_the_second_cursor_page(hub: Hub) -> None:
    with hub.client() as client:
        first = client.get(_bulk(hub), params={"pageSize": "200"})
        token = first.headers["Elements-Next-Page-Token"]
        by_cursor = _ok(client.get(_bulk(hub), params={"pageSize": "200", "nextPage": token}))
        by_number = _ok(client.get(_bulk(hub), params={"pageSize": "200", "page": "2"}))
        both = _ok(
            client.get(_bulk(hub), params={"pageSize": "200", "page": "2", "nextPage": token})
        )
    assert by_number == by_cursor == both


def test_pages_are_stable_across_page_sizes(hub: Hub) -> None:
    with hub.client() as client:
        four = _ok(client.get(_bulk(hub), params={"page": "1", "pageSize": "4"}))
        two_a = _ok(client.get(_bulk(hub), params={"page": "1", "pageSize": "2"}))
        two_b = _ok(client.get(_bulk(hub), params={"page": "2", "pageSize": "2"}))
    assert four == two_a + two_b


def test_forged_or_foreign_cursors_are_refused(hub: Hub) -> None:
    with hub.client() as client:
        token = client.get(_bulk(hub), params={"pageSize": "3"}).headers["Elements-Next-Page-Token"]
        forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
        assert _error(client.get(_bulk(hub), params={"nextPage": forged}), 400)["message"] == (
            "Invalid nextPage token"
        )
        other_query = client.get(
            _bulk(hub), params={"nextPage": token, "where": "isAllDay = false"}
        )
        _error(other_query, 400)
    with hub.client(token=hub.other_token) as other:
        _error(other.get(_bulk(hub), params={"nextPage": token}), 400)
        assert other.get(_bulk(hub), params={"pageSize": "3"}).status_code == 200


def test_page_size_out_of_range_is_refused(hub: Hub) -> None:
    with hub.client() as client:
        _error(client.get(_bulk(hub), params={"pageSize": "2001"}), 400)
        _error(client.get(_bulk(hub), params={"pageSize": "0"}), 400)


# --- CEQL -----------------------------------------------------------------------------------------


def test_ceql_where_order_by_and_fields_reach_graph(hub: Hub) -> None:
    with hub.client() as client:
        page = _ok(
            client.get(
                _bulk(hub),
                params={
                    "where": "subject like 'Bulk 1%' and isAllDay = 'false'",
                    "orderBy": "start.dateTime desc",
                    "fields": "id,subject,start.dateTime",
                    "pageSize": "500",
                },
            )
        )
    assert len(page) == 100
    assert page[0]["subject"] == "Bulk 199"
    assert page[-1]["subject"] == "Bulk 100"
    assert {key for key in page[0] if not key.startswith("@odata")} == {"id", "subject", "start"}


def test_ceql_syntax_error_is_a_400_with_a_position(hub: Hub) -> None:
    with hub.client() as client:
        body = _error(client.get(_bulk(hub), params={"where": "subject = "}), 400)
    assert "Error parsing query" in body["message"]
    assert "column" in body["message"]


def test_ceql_unsupported_term_is_a_400_naming_it(hub: Hub) -> None:
    with hub.client() as client:
        body = _error(client.get(_bulk(hub), params={"where": "bodyPreview = 'x'"}), 400)
        like = _error(client.get(_bulk(hub), params={"where": "subject like '%end'"}), 400)
    assert "bodyPreview" in body["message"]
    assert "providerMessage" not in body  # refused before Graph was asked
    assert "subject" in like["message"]


# --- Graph failures ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("graph_status", "status", "message"),
    [
        (400, 400, "Bad Request"),
        (404, 404, "Not Found"),
        (409, 409, "Conflict"),
        (412, 409, "Conflict"),
        (500, 502, "Provider server error"),
        (503, 502, "Provider server error"),
    ],
)
def test_graph_failures_are_normalized_with_graph_message(
    hub: Hub, graph_status: int, status: int, message: str
) -> None:
    fault = {
        "method": "GET",
        "pathRegex": "/me/calendars$",
        "status": graph_status,
        "times": 3,
        "body": {"error": {"code": "SomethingOdd", "message": f"graph said {graph_status}"}},
    }
    with httpx2.Client(base_url=hub.world.emulator) as control:
        assert control.post("/_emulator/faults", json=fault).status_code == 201
        try:
            with hub.client() as client:
                body = _error(client.get("/hubs/general/calendars"), status)
        finally:
            control.delete("/_emulator/faults")
    assert body["message"] == message
    assert body["providerMessage"] == f"SomethingOdd: graph said {graph_status}"


# --- last: this one ends the mailbox's grants --------------------------------------------------


def test_an_instance_whose_grant_was_revoked_answers_401_reauthenticate(hub: Hub) -> None:
    mailbox = {"userPrincipalName": demo.DemoApp().mailbox}
    with httpx2.Client(base_url=hub.world.emulator) as control:
        assert control.post("/_emulator/tokens/revoke", json=mailbox).status_code == 200
        assert control.post("/_emulator/tokens/expire", json=mailbox).status_code == 200
    with hub.client() as client:
        body = _error(client.get("/hubs/general/calendars"), 401)
        again = _error(client.get("/hubs/general/calendars"), 401)
        objects = client.get("/hubs/general/objects")
    assert "re-authenticate" in body["message"]
    assert again["message"] == body["message"]
    assert objects.status_code == 200
