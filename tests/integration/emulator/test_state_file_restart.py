"""`--state FILE`: users, events, delta state and subscriptions survive a restart."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
import uvicorn
from aiohttp import web

from msgraph_emulator.app import create_app
from msgraph_emulator.emulator import Emulator
from msgraph_emulator.identity.jwt import SigningKey
from msgraph_emulator.state_file import attach

WINDOW = "startDateTime=2026-04-01T00:00:00Z&endDateTime=2026-04-08T00:00:00Z"


def wait_until_serving(origin: str) -> None:
    """The line is printed once the port is bound, a moment before uvicorn accepts."""
    deadline = time.monotonic() + 10
    while True:
        try:
            requests.get(f"{origin}/_emulator/settings", timeout=1)
            return
        except requests.ConnectionError:
            assert time.monotonic() < deadline, "the emulator did not start"
            time.sleep(0.05)


@contextmanager
def emulator_process(state: Path) -> Iterator[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "msgraph_emulator", "--port", "0", "--state", str(state)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        origin = line.split(" listening on ")[1].split()[0]
        wait_until_serving(origin)
        yield origin
    finally:
        process.send_signal(signal.SIGTERM)
        # uvicorn shuts down gracefully, then lets SIGTERM end the process as usual.
        assert process.wait(timeout=10) in (0, -signal.SIGTERM)
        if process.stdout is not None:
            process.stdout.close()


@pytest.mark.slow
def test_users_events_and_delta_state_survive_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "emulator-state.json"
    with emulator_process(state) as origin:
        user = {"userPrincipalName": "dana@acme.example", "displayName": "Dana"}
        assert requests.post(f"{origin}/_emulator/users", json=user, timeout=5).status_code == 201
        token = requests.post(f"{origin}/_emulator/users/dana@acme.example/token", timeout=5)
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        body = {
            "subject": "kept",
            "start": {"dateTime": "2026-04-02T09:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2026-04-02T10:00:00", "timeZone": "UTC"},
        }
        created = requests.post(f"{origin}/v1.0/me/events", json=body, headers=headers, timeout=5)
        assert created.status_code == 201
        first = requests.get(
            f"{origin}/v1.0/me/calendarView/delta?{WINDOW}", headers=headers, timeout=5
        )
        delta_link = first.json()["@odata.deltaLink"]
        app = {"clientId": "late-app", "clientSecret": "s", "redirectUris": ["http://x/cb"]}
        assert requests.post(f"{origin}/_emulator/apps", json=app, timeout=5).status_code == 201

    saved = json.loads(state.read_text())
    assert saved["directory"]["users"][0]["user_principal_name"] == "dana@acme.example"
    # Registered just before SIGTERM, with no Graph change after it: saved at shutdown.
    assert [a["client_id"] for a in saved["directory"]["apps"]] == ["late-app"]

    with emulator_process(state) as origin:
        # Same signing key and token registry: the token from before the restart still works.
        events = requests.get(f"{origin}/v1.0/me/events", headers=headers, timeout=5)
        assert events.status_code == 200
        assert [e["subject"] for e in events.json()["value"]] == ["kept"]
        assert [e["id"] for e in events.json()["value"]] == [created.json()["id"]]
        path_and_query = delta_link.split("/v1.0/", 1)[1]
        later = requests.get(f"{origin}/v1.0/{path_and_query}", headers=headers, timeout=5)
        assert later.status_code == 200
        assert later.json()["value"] == []


@contextmanager
def serve_emulator(emulator: Emulator) -> Iterator[str]:
    """Like the conftest helper (which a test module cannot import reliably: several
    directories have a `conftest`): uvicorn on a free loopback port, in a thread."""
    config = uvicorn.Config(
        create_app(emulator=emulator), port=0, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive(), "the emulator did not start"
        assert time.monotonic() < deadline, "the emulator did not start in time"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    emulator.origin = f"http://127.0.0.1:{port}"
    try:
        yield emulator.origin
    finally:
        server.should_exit = True
        thread.join(timeout=10)


class Hook:
    """A receiver on its own thread (the test talks to the emulators synchronously)."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self._ready.wait(5)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._start())
        self._ready.set()
        self._loop.run_forever()

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/hook"

    async def _handle(self, request: web.Request) -> web.Response:
        token = request.query.get("validationToken")
        if token is not None:
            return web.Response(text=token, content_type="text/plain")
        self.items.extend((await request.json())["value"])
        return web.Response(status=202)

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()


@pytest.fixture
def hook() -> Iterator[Hook]:
    receiver = Hook()
    yield receiver
    receiver.close()


def test_restored_subscription_is_notified_after_a_restart(
    tmp_path: Path, emulator_signing_key: SigningKey, hook: Hook
) -> None:
    state = tmp_path / "state.json"
    first = Emulator(signing_key=emulator_signing_key)
    saved = attach(first, state)
    user = first.create_user(user_principal_name="dana@acme.example", display_name="Dana")
    headers = {"Authorization": f"Bearer {first.issue_user_token(user).value}"}
    with serve_emulator(first) as origin:
        body = {
            "changeType": "created",
            "notificationUrl": hook.url,
            "resource": "/me/events",
            "expirationDateTime": (first.clock.now() + timedelta(hours=1)).isoformat(),
        }
        created = requests.post(
            f"{origin}/v1.0/subscriptions", json=body, headers=headers, timeout=5
        )
        assert created.status_code == 201
    saved.save()  # what the process does at SIGTERM or exit (the token grant has no ChangeEvent)

    second = Emulator(signing_key=emulator_signing_key)
    attach(second, state)
    with serve_emulator(second) as origin:
        event = {
            "subject": "after restart",
            "start": {"dateTime": "2026-04-02T09:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2026-04-02T10:00:00", "timeZone": "UTC"},
        }
        made = requests.post(f"{origin}/v1.0/me/events", json=event, headers=headers, timeout=5)
        assert made.status_code == 201
        deadline = time.monotonic() + 5
        while not hook.items and time.monotonic() < deadline:
            time.sleep(0.02)
    assert [i["subscriptionId"] for i in hook.items] == [created.json()["id"]]
    assert hook.items[0]["resourceData"]["id"] == made.json()["id"]
