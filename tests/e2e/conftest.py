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
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest

from openelements.kit.crypto import generate_key

OPENELEMENTS = Path(sys.executable).with_name("openelements")
APP_ID = "11111111-2222-3333-4444-555555555555"
APP_SECRET = "e2e-app-client-secret"
CALLBACK = "https://app.example.com/auth"
DANA = "dana@acme.example"
DANA_PASSWORD = "dana-password-1"


@dataclass(frozen=True)
class RunningProcess:
    base_url: str
    process: subprocess.Popen[bytes]
    log: Path
    env: dict[str, str]

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_answering(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{url}: process exited with {process.returncode}:\n{log.read_text()}")
        try:
            httpx2.get(url, timeout=2)
            return
        except httpx2.TransportError:
            time.sleep(0.1)
    pytest.fail(f"{url} did not answer within 60 s")


def base_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("OPENELEMENTS_")}


def start_process(
    args: list[str], *, env: dict[str, str], cwd: Path, log: Path, probe: str
) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:
        process = subprocess.Popen(
            [str(OPENELEMENTS), *args], cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    wait_until_answering(probe, process, log)
    return process


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


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


@dataclass(frozen=True)
class E2ETenant:
    organization_secret: str
    user_id: int
    user_secret: str

    def headers(self, *, element: str | None = None) -> dict[str, str]:
        value = f"User {self.user_secret}, Organization {self.organization_secret}"
        return {"Authorization": value + (f", Element {element}" if element else "")}


def create_organization(gateway: RunningProcess, *, name: str, email: str) -> E2ETenant:
    """`openelements admin create-organization`, as an operator would (D09)."""
    done = subprocess.run(
        [
            str(OPENELEMENTS),
            "admin",
            "create-organization",
            "--name",
            name,
            "--email",
            email,
            "--password",
            "admin-password-1",
        ],
        env=gateway.env,
        cwd=gateway.log.parent,
        capture_output=True,
        check=True,
    )
    printed = json.loads(done.stdout)
    return E2ETenant(
        organization_secret=printed["organization"]["secret"],
        user_id=printed["user"]["id"],
        user_secret=printed["user"]["secret"],
    )
