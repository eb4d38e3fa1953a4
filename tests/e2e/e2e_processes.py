"""Helpers for tests that run openelements as real processes (used by tests/e2e/conftest.py)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest

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
