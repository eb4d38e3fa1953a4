"""`python -m msgraph_emulator` as a real process: one listen line, flags applied."""

from __future__ import annotations

import ssl
import subprocess
import sys
from typing import Any

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


@pytest.mark.slow
def test_one_emulator_process_serves_http_and_https(emulator_tls: Any) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "msgraph_emulator",
            "--port",
            "0",
            "--https-port",
            "0",
            "--ssl-certfile",
            str(emulator_tls.certfile),
            "--ssl-keyfile",
            str(emulator_tls.keyfile),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        words = process.stdout.readline().split()
        plain, secure = words[4], words[6]
        assert plain.startswith("http://127.0.0.1:")
        assert secure.startswith("https://127.0.0.1:")
        path = "/common/v2.0/.well-known/openid-configuration"
        over_http = httpx.get(plain + path, timeout=10).json()
        trust = ssl.create_default_context(cafile=str(emulator_tls.ca_bundle))
        with httpx.Client(verify=trust, timeout=10) as client:
            over_https = client.get(secure + path).json()
            created = client.post(
                f"{secure}/_emulator/users", json={"userPrincipalName": "a@b.example"}
            )
        assert over_http["token_endpoint"] == f"{plain}/common/oauth2/v2.0/token"
        assert over_https["token_endpoint"] == f"{secure}/common/oauth2/v2.0/token"
        assert created.status_code == 201
        assert (
            httpx.post(f"{plain}/_emulator/users/a@b.example/token", timeout=10).status_code == 200
        )
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout:
            process.stdout.close()
