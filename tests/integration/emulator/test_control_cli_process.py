"""`python -m msgraph_emulator` as a real process: one listen line, flags applied."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest


@pytest.mark.slow
def test_the_emulator_process_listens_and_applies_flags() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "msgraph_emulator",
            "--port",
            "0",
            "--auto-consent",
            "--throttle-concurrent-per-mailbox",
            "2",
            "--access-token-lifetime-seconds",
            "120",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("msgraph emulator listening on http://127.0.0.1:")
        origin = line.split()[4]
        settings = httpx.get(f"{origin}/_emulator/settings", timeout=10).json()
        assert settings["autoConsent"] is True
        assert settings["throttle"]["concurrentPerMailbox"] == 2
        assert settings["accessTokenLifetimeSeconds"] == 120
        discovery = httpx.get(f"{origin}/common/v2.0/.well-known/openid-configuration", timeout=10)
        assert discovery.json()["token_endpoint"] == f"{origin}/common/oauth2/v2.0/token"
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout:
            process.stdout.close()
        if process.stderr:
            process.stderr.close()
