"""`openelements serve` as a real process, reached over TCP on loopback."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

pytestmark = pytest.mark.slow
OPENELEMENTS = Path(sys.executable).with_name("openelements")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_until_answering(url: str, process: subprocess.Popen[bytes]) -> httpx2.Response:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"serve exited with {process.returncode}")
        try:
            return httpx2.get(url, timeout=2)
        except httpx2.TransportError:
            time.sleep(0.1)
    pytest.fail(f"{url} did not answer within 30 s")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes], Path]]:
    port = _free_port()
    log = (tmp_path / "serve.log").open("wb")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENELEMENTS_")}
    process = subprocess.Popen(
        [str(OPENELEMENTS), "serve", "--port", str(port), "--no-worker"],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield f"http://127.0.0.1:{port}", process, tmp_path
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=15)
        log.close()


def test_serve_answers_on_the_api_base_path_with_defaults(
    served: tuple[str, subprocess.Popen[bytes], Path],
) -> None:
    base, process, workdir = served
    response = _wait_until_answering(f"{base}/elements/api-v2", process)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json;charset=UTF-8"
    assert len(response.headers["Elements-Request-Id"]) == 24

    missing = httpx2.get(f"{base}/elements/api-v2/nope", timeout=5)
    assert missing.status_code == 404
    assert missing.json()["requestId"] == missing.headers["Elements-Request-Id"]
    assert httpx2.get(f"{base}/elements/api-v2/openapi.json", timeout=5).status_code == 200

    # The default deployment: SQLite in the working directory, migrated, generated local keys.
    assert (workdir / "openelements.db").is_file()
    assert (workdir / ".openelements" / "keys").is_file()


def test_serve_stops_cleanly_on_sigterm(served: tuple[str, subprocess.Popen[bytes], Path]) -> None:
    base, process, workdir = served
    _wait_until_answering(f"{base}/health", process)
    process.send_signal(signal.SIGTERM)
    # uvicorn shuts down gracefully, then re-raises the signal it caught.
    assert process.wait(timeout=15) in {0, -signal.SIGTERM}
    output = (workdir / "serve.log").read_text()
    assert "Application shutdown complete" in output
    assert '"event": "request"' in output
