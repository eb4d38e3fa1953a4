"""The calendar-view window given in CEQL `where` (issue 7) end to end: `openelements serve` and
the Graph emulator as real processes on loopback, an instance provisioned through the OAuth round
trip, the demo's weekly series (8 occurrences, one changed) read over HTTP with the window in
`where` and with the `startDateTime`/`endDateTime` parameters of D38.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import subprocess
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

MONDAY = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
END = MONDAY + dt.timedelta(weeks=9)
PARAMETERS = {"startDateTime": MONDAY.isoformat(), "endDateTime": END.isoformat()}
CONTAINED = f"start >= '{MONDAY:%Y-%m-%d}' AND end <= '{END:%Y-%m-%dT%H:%M:%S}'"
OVERLAPPING = f"end > {MONDAY:%Y-%m-%dT%H:%M:%SZ} and start < {END:%Y-%m-%d}"
ACROSS_THE_EDGE = "Late call across the window's start"


@dataclass(frozen=True)
class Hub:
    world: demo.DemoWorld
    series_master: str

    def client(self) -> httpx2.Client:
        return httpx2.Client(
            base_url=self.world.gateway,
            headers={"Authorization": self.world.hub_authorization},
            params={"pageSize": "2000"},
            timeout=30,
        )


async def _build(directory: Path, log: Any, processes: list[subprocess.Popen[bytes]]) -> Hub:
    emulator_port, gateway_port = demo.free_port(), demo.free_port()
    emulator = f"http://127.0.0.1:{emulator_port}"
    env = demo.gateway_environment(directory=directory, emulator=emulator)
    processes.append(demo.start_emulator(emulator_port, log=log))
    processes.append(demo.start_gateway(gateway_port, env=env, log=log, cwd=directory))
    app = demo.DemoApp()
    connector = aiohttp.TCPConnector(force_close=True)
    async with aiohttp.ClientSession(connector=connector) as session:
        await demo.wait_until_up(session, f"{emulator}/_emulator/settings", process=processes[0])
        gateway_root = f"http://127.0.0.1:{gateway_port}"
        await demo.wait_until_up(session, f"{gateway_root}/health", process=processes[1])
        organization = demo.create_organization(env=env, cwd=directory, email="view@acme.example")
        await demo.register_app_and_mailbox(session, emulator, app)
        token = await demo.graph_token(session, emulator, app.mailbox)
        master = await demo.seed_sample_events(session, emulator, token=token, today=MONDAY.date())
        # Starts before the window and ends inside it: Graph's overlap rule returns it (G19).
        late = demo.sample_event(ACROSS_THE_EDGE, MONDAY - dt.timedelta(minutes=30), minutes=60)
        async with session.post(
            f"{emulator}/v1.0/me/events", json=late, headers={"Authorization": f"Bearer {token}"}
        ) as answer:
            assert answer.status == 201, await answer.text()
        gateway = f"{gateway_root}/elements/api-v2"
        instance = await demo.provision_instance(
            session, gateway, organization=organization, app=app
        )
    world = demo.DemoWorld(
        gateway=gateway,
        emulator=emulator,
        organization=organization,
        instance_id=int(instance["id"]),
        instance_token=str(instance["token"]),
    )
    return Hub(world=world, series_master=str(master["id"]))


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    directory = tmp_path_factory.mktemp("calendar-view-where")
    processes: list[subprocess.Popen[bytes]] = []
    with (directory / "processes.log").open("wb") as log, demo.running_processes(processes):
        yield asyncio.run(_build(directory, log, processes))


def _ok(response: httpx2.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    records: list[dict[str, Any]] = response.json()
    return records


def _message(response: httpx2.Response) -> str:
    assert response.status_code == 400, response.text
    message: str = response.json()["message"]
    return message


def test_a_window_in_where_returns_the_same_occurrences_as_the_parameters(hub: Hub) -> None:
    with hub.client() as client:
        calendar = quote(_ok(client.get("/hubs/general/calendars"))[0]["id"], safe="")
        for path in ("/hubs/general/calendar-view", f"/calendars/{calendar}/calendar-view"):
            by_parameters = _ok(client.get(path, params=PARAMETERS))
            contained = _ok(client.get(path, params={"where": CONTAINED}))
            overlapping = _ok(client.get(path, params={"where": OVERLAPPING}))
            both = _ok(client.get(path, params={"where": CONTAINED, **PARAMETERS}))
            assert contained == overlapping == both == by_parameters
    weekly = [e for e in contained if e.get("seriesMasterId") == hub.series_master]
    assert len(weekly) == 8
    assert [e["type"] for e in weekly].count("exception") == 1
    assert hub.series_master not in {e["id"] for e in contained}
    # The window is Graph's overlap window, not a filter on each occurrence's own start.
    assert ACROSS_THE_EDGE in {e["subject"] for e in contained}


def test_the_other_terms_of_where_still_filter(hub: Hub) -> None:
    where = f"{CONTAINED} and type = 'exception'"
    with hub.client() as client:
        exceptions = _ok(client.get("/hubs/general/calendar-view", params={"where": where}))
        same = _ok(
            client.get(
                "/hubs/general/calendar-view", params={"where": "type = 'exception'", **PARAMETERS}
            )
        )
    assert [e["subject"] for e in exceptions] == ["Weekly sync (moved to the big room)"]
    assert exceptions == same


def test_a_missing_or_conflicting_window_is_a_400_that_says_so(hub: Hub) -> None:
    path = "/hubs/general/calendar-view"
    with hub.client() as client:
        missing = _message(client.get(path, params={"where": "subject = 'Weekly sync'"}))
        conflicting = _message(
            client.get(
                path,
                params={"where": CONTAINED, **PARAMETERS, "startDateTime": "2026-11-24T00:00:00"},
            )
        )
        under_or = _message(client.get(path, params={"where": f"subject = 'x' or {OVERLAPPING}"}))
        one_edge = _message(client.get(path, params={"where": "start >= '2026-11-23'"}))
    assert "startDateTime and endDateTime query parameters are required" in missing
    assert "where=start >= '2026-04-01' AND end <= '2026-05-01'" in missing
    assert "given twice and differs" in conflicting
    assert "not under OR" in under_or
    assert "has no end" in one_edge


def test_the_occurrences_of_one_series_take_the_window_from_where_too(hub: Hub) -> None:
    path = f"/hubs/general/events/{quote(hub.series_master, safe='')}/instances"
    with hub.client() as client:
        from_where = _ok(client.get(path, params={"where": CONTAINED}))
        from_parameters = _ok(client.get(path, params=PARAMETERS))
    assert len(from_where) == 8
    assert from_where == from_parameters
