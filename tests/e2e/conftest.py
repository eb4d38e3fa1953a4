"""Shared real-process fixtures: the Graph emulator and the gateway on loopback.

    emulator_process  `openelements emulator --auto-consent` on a free port, with one Azure app
                      (`APP_ID`/`APP_SECRET`, redirect `CALLBACK`) and one mailbox (`DANA`)
                      registered through the control API.
    gateway_process   `openelements serve --no-worker` on a free port, SQLite in a temporary
                      directory, identity and Graph pointed at the emulator, short retry bounds.

Both write their output to a log file the tests may read (e.g. to check no secret is logged).
`gateway_process.env` is the environment the gateway runs with: a test can build the same
`Settings`/`Container` in-process, or start more processes (`python <script>`) with it.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from e2e_processes import (
    APP_ID,
    APP_SECRET,
    CALLBACK,
    DANA,
    DANA_PASSWORD,
    RunningProcess,
    base_environment,
    free_port,
    start_process,
    stop_process,
)

from openelements.kit.crypto import generate_key


@pytest.fixture
def emulator_process(tmp_path: Path) -> Iterator[RunningProcess]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "emulator.log"
    env = base_environment()
    process = start_process(
        ["emulator", "--port", str(port), "--auto-consent"],
        env=env,
        cwd=tmp_path,
        log=log,
        probe=f"{base}/_emulator/settings",
    )
    try:
        with httpx2.Client(base_url=f"{base}/_emulator", timeout=10) as control:
            app = {"clientId": APP_ID, "clientSecret": APP_SECRET, "redirectUris": [CALLBACK]}
            assert control.post("/apps", json=app).status_code == 201
            user = {"userPrincipalName": DANA, "displayName": "Dana", "password": DANA_PASSWORD}
            assert control.post("/users", json=user).status_code == 201
        yield RunningProcess(base_url=base, process=process, log=log, env=env)
    finally:
        stop_process(process)


@pytest.fixture
def gateway_environment(tmp_path: Path, emulator_process: RunningProcess) -> dict[str, str]:
    env = base_environment()
    env.update(
        {
            "OPENELEMENTS_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}",
            "OPENELEMENTS_ENCRYPTION_KEYS": f"k1:{generate_key()}",
            "OPENELEMENTS_HMAC_PEPPER": base64.b64encode(secrets.token_bytes(32)).decode(),
            "OPENELEMENTS_MICROSOFT_AUTHORITY": f"{emulator_process.base_url}/common",
            "OPENELEMENTS_GRAPH_BASE_URL": f"{emulator_process.base_url}/v1.0",
            "OPENELEMENTS_HTTP_RETRY_ATTEMPTS": "3",
            "OPENELEMENTS_HTTP_RETRY_MAX_WAIT_SECONDS": "5",
            "OPENELEMENTS_HTTP_RETRY_BACKOFF_INITIAL_SECONDS": "0.01",
        }
    )
    return env


@pytest.fixture
def gateway_process(
    tmp_path: Path, gateway_environment: dict[str, str]
) -> Iterator[RunningProcess]:
    port = free_port()
    base = f"http://127.0.0.1:{port}/elements/api-v2"
    log = tmp_path / "gateway.log"
    process = start_process(
        ["serve", "--port", str(port), "--no-worker"],
        env=gateway_environment,
        cwd=tmp_path,
        log=log,
        probe=base,
    )
    try:
        yield RunningProcess(base_url=base, process=process, log=log, env=gateway_environment)
    finally:
        stop_process(process)
