"""`--state FILE` with the real emulator process: what a client made survives a restart."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.slow

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
