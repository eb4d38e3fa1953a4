"""`openelements demo` as a real process: it prints working credentials and curl lines."""

from __future__ import annotations

import json
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import pytest

pytestmark = pytest.mark.slow
OPENELEMENTS = Path(sys.executable).with_name("openelements")


def _read_until_ready(process: subprocess.Popen[str]) -> list[str]:
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            pytest.fail(f"demo ended early: {lines}")
        lines.append(line.rstrip("\n"))
        if line.startswith("Press Ctrl-C"):
            return lines
    pytest.fail("demo did not become ready")


def _value(lines: list[str], label: str) -> str:
    return next(line.split(":", 1)[1].strip() for line in lines if line.strip().startswith(label))


@pytest.mark.skipif(shutil.which("curl") is None, reason="the printed lines need curl")
def test_demo_prints_curl_lines_that_list_the_seeded_events(tmp_path: Path) -> None:
    command = [str(OPENELEMENTS), "demo", "--port", "0", "--emulator-port", "0"]
    directory = tmp_path / "demo"
    with subprocess.Popen(
        [*command, "--directory", str(directory)], cwd=tmp_path, stdout=subprocess.PIPE, text=True
    ) as process:
        lines = _run_curl_lines(process)
    gateway = _value(lines, "gateway")
    with pytest.raises(httpx2.TransportError):  # the demo stopped its children
        httpx2.get(gateway, timeout=2)
    assert (directory / "openelements.db").is_file()


def _run_curl_lines(process: subprocess.Popen[str]) -> list[str]:
    try:
        lines = _read_until_ready(process)
        curls = [line.strip() for line in lines if line.strip().startswith("curl ")]
        listing = next(line for line in curls if "/hubs/general/events?" in line)
        answer = subprocess.run(shlex.split(listing), capture_output=True, text=True, check=True)
        events = json.loads(answer.stdout)
        assert {"Planning", "Design review", "Weekly sync"} <= {e["subject"] for e in events}

        view = next(line for line in curls if "/calendar-view?" in line)
        week = json.loads(subprocess.run(shlex.split(view), capture_output=True, check=True).stdout)
        assert "Weekly sync" in {e["subject"] for e in week}
        assert len(_value(lines, "instance token")) == 44
        assert _value(lines, "gateway").endswith("/elements/api-v2")
        return lines
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
