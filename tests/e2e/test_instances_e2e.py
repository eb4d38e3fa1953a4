"""Instances across real processes: gateway (`openelements serve`) and emulator
(`openelements emulator`) on loopback, used the way a customer would, plus separate
processes that call Graph through an instance as further gateways would."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest
from e2e_processes import (
    APP_ID,
    APP_SECRET,
    CALLBACK,
    DANA,
    E2ETenant,
    RunningProcess,
    create_organization,
)

from openelements.container import Container
from openelements.elements.base import ProviderRequest
from openelements.instances.models import ElementInstance
from openelements.kit.errors import ElementsError
from openelements.settings import Settings

pytestmark = pytest.mark.slow
HERE = Path(__file__).resolve().parent


def authorize(gateway: RunningProcess, emulator: RunningProcess) -> str:
    """oauth/url from the gateway, then the emulator's authorize page as a browser (G33)."""
    params = {"apiKey": APP_ID, "apiSecret": APP_SECRET, "callbackUrl": CALLBACK}
    url = httpx2.get(f"{gateway.base_url}/elements/microsoftgraph/oauth/url", params=params)
    assert url.status_code == 200, url.text
    oauth_url = url.json()["oauthUrl"]
    assert oauth_url.startswith(f"{emulator.base_url}/common/oauth2/v2.0/authorize?")
    redirect = httpx2.get(f"{oauth_url}&login_hint={DANA}", follow_redirects=False)
    assert redirect.status_code == 302, redirect.text
    location = urlsplit(redirect.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == CALLBACK
    query = parse_qs(location.query)
    assert query["state"] == ["microsoftgraph"]
    return query["code"][0]


def provision(gateway: RunningProcess, emulator: RunningProcess, tenant: E2ETenant) -> Any:
    body = {
        "element": {"key": "microsoftgraph"},
        "providerData": {"code": authorize(gateway, emulator)},
        "configuration": {
            "oauth.api.key": APP_ID,
            "oauth.api.secret": APP_SECRET,
            "oauth.callback.url": CALLBACK,
        },
        "name": "Dana's calendar",
        "tags": ["e2e"],
    }
    response = httpx2.post(
        f"{gateway.base_url}/instances", headers=tenant.headers(), json=body, timeout=30
    )
    assert response.status_code == 200, response.text
    return response.json()


def emulator_requests(emulator: RunningProcess, since: int = 0) -> list[dict[str, Any]]:
    answer = httpx2.get(f"{emulator.base_url}/_emulator/requests", params={"since": since})
    entries: list[dict[str, Any]] = answer.json()
    return entries


def last_seq(emulator: RunningProcess) -> int:
    entries = emulator_requests(emulator)
    return entries[-1]["seq"] if entries else 0


def control(emulator: RunningProcess, path: str, body: dict[str, Any] | None = None) -> None:
    answer = httpx2.post(f"{emulator.base_url}/_emulator/{path}", json=body or {})
    assert answer.status_code < 300, answer.text


def call_graph(gateway: RunningProcess, instance_id: int) -> int:
    """One Graph call through the instance from this test process (another gateway process)."""

    async def run() -> int:
        container = Container.build(Settings(_env_file=None, **_settings(gateway)))
        try:
            response = await container.instances.calls.call(
                instance_id, ProviderRequest("GET", "me/calendar")
            )
            return response.status
        finally:
            await container.aclose()

    return asyncio.run(run())


def _settings(gateway: RunningProcess) -> dict[str, Any]:
    prefix = "OPENELEMENTS_"
    return {k[len(prefix) :].lower(): v for k, v in gateway.env.items() if k.startswith(prefix)}


@pytest.fixture
def tenant(gateway_process: RunningProcess) -> E2ETenant:
    return create_organization(gateway_process, name="Acme", email="admin@acme.example")


def test_full_oauth_round_trip_gives_a_working_instance(
    gateway_process: RunningProcess, emulator_process: RunningProcess, tenant: E2ETenant
) -> None:
    mark = last_seq(emulator_process)
    created = provision(gateway_process, emulator_process, tenant)
    assert created["valid"] is True
    assert created["user"]["id"] == tenant.user_id
    seen = emulator_requests(emulator_process, mark)
    assert [e["grantType"] for e in seen if e["grantType"]] == ["authorization_code"]
    assert any(e["path"] == "/v1.0/me/calendar" and e["status"] == 200 for e in seen)
    own = httpx2.get(
        f"{gateway_process.base_url}/instances/configuration",
        headers=tenant.headers(element=created["token"]),
    )
    assert own.status_code == 200
    assert call_graph(gateway_process, created["id"]) == 200


def test_fifty_concurrent_calls_from_two_processes_refresh_exactly_once(
    gateway_process: RunningProcess,
    emulator_process: RunningProcess,
    tenant: E2ETenant,
    tmp_path: Path,
) -> None:
    created = provision(gateway_process, emulator_process, tenant)
    control(emulator_process, "tokens/expire")
    mark = last_seq(emulator_process)
    go = tmp_path / "go"
    script = str(HERE / "instances_burst.py")
    bursts = [
        subprocess.Popen(
            [sys.executable, script, str(created["id"]), "25", str(go)],
            env=gateway_process.env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(2)
    ]
    time.sleep(3)  # both processes built their containers and wait for the signal
    go.touch()
    statuses: list[int] = []
    for burst in bursts:
        output, _ = burst.communicate(timeout=90)
        statuses += json.loads(output.decode().strip().splitlines()[-1])
    assert statuses == [200] * 50
    refreshes = [e for e in emulator_requests(emulator_process, mark) if e["grantType"]]
    assert [e["grantType"] for e in refreshes] == ["refresh_token"]


def test_revoked_refresh_token_makes_the_instance_invalid_until_reprovisioned(
    gateway_process: RunningProcess, emulator_process: RunningProcess, tenant: E2ETenant
) -> None:
    created = provision(gateway_process, emulator_process, tenant)
    control(emulator_process, "tokens/revoke")
    control(emulator_process, "tokens/expire")
    with pytest.raises(ElementsError) as caught:
        call_graph(gateway_process, created["id"])
    assert caught.value.status == 401
    assert "re-authenticate" in caught.value.message
    url = f"{gateway_process.base_url}/instances/{created['id']}"
    assert httpx2.get(url, headers=tenant.headers()).json()["valid"] is False
    patched = httpx2.patch(
        url,
        headers=tenant.headers(),
        json={"providerData": {"code": authorize(gateway_process, emulator_process)}},
        timeout=30,
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["valid"] is True
    assert call_graph(gateway_process, created["id"]) == 200


def test_injected_throttling_is_waited_out(
    gateway_process: RunningProcess, emulator_process: RunningProcess, tenant: E2ETenant
) -> None:
    created = provision(gateway_process, emulator_process, tenant)
    fault = {"pathRegex": "/me/calendar$", "status": 429, "times": 1, "retryAfter": 1}
    control(emulator_process, "faults", fault)
    mark = last_seq(emulator_process)
    started = time.monotonic()
    assert call_graph(gateway_process, created["id"]) == 200
    assert time.monotonic() - started >= 1.0
    statuses = [e["status"] for e in emulator_requests(emulator_process, mark)]
    assert statuses == [429, 200]


def test_exhausted_retries_give_a_normalized_error(
    gateway_process: RunningProcess, emulator_process: RunningProcess, tenant: E2ETenant
) -> None:
    created = provision(gateway_process, emulator_process, tenant)
    control(emulator_process, "faults", {"pathRegex": "/me/calendar$", "status": 503, "times": 9})
    started = time.monotonic()
    with pytest.raises(ElementsError) as caught:
        call_graph(gateway_process, created["id"])
    assert caught.value.status == 502
    assert caught.value.message == "Provider server error"
    assert time.monotonic() - started < 20


def test_disable_enable_delete_and_other_organizations(
    gateway_process: RunningProcess, emulator_process: RunningProcess, tenant: E2ETenant
) -> None:
    created = provision(gateway_process, emulator_process, tenant)
    base = gateway_process.base_url
    url = f"{base}/instances/{created['id']}"
    own = tenant.headers(element=created["token"])
    disabled = httpx2.delete(f"{url}/enabled", headers=tenant.headers())
    assert disabled.json()["disabled"] is True
    with pytest.raises(ElementsError) as caught:
        call_graph(gateway_process, created["id"])
    assert caught.value.status == 403
    assert httpx2.put(f"{url}/enabled", headers=tenant.headers()).json()["disabled"] is False

    other = create_organization(gateway_process, name="Globex", email="admin@globex.example")
    assert httpx2.get(url, headers=other.headers()).status_code == 404
    borrowed = httpx2.get(
        f"{base}/instances/configuration", headers=other.headers(element=created["token"])
    )
    assert borrowed.status_code == 401

    assert httpx2.delete(url, headers=tenant.headers()).status_code == 200
    gone = httpx2.get(f"{base}/instances/configuration", headers=own)
    assert gone.status_code == 401


def test_no_secret_appears_in_responses_logs_or_database_columns(
    gateway_process: RunningProcess, emulator_process: RunningProcess, tenant: E2ETenant
) -> None:
    created = provision(gateway_process, emulator_process, tenant)
    call_graph(gateway_process, created["id"])
    access, refresh = _provider_tokens(gateway_process, created["id"])
    shown = httpx2.get(
        f"{gateway_process.base_url}/instances/{created['id']}", headers=tenant.headers()
    ).text
    for secret in (APP_SECRET, access, refresh):
        assert secret not in shown
        assert secret not in json.dumps(created)
    log = gateway_process.log_text()
    for secret in (APP_SECRET, access, refresh, created["token"], tenant.user_secret):
        assert secret not in log
    database = gateway_process.env["OPENELEMENTS_DATABASE_URL"].split("///", 1)[1]
    with sqlite3.connect(database) as connection:
        for table in ("element_instance", "instance_configuration", "app_user", "organization"):
            for row in connection.execute(f"SELECT * FROM {table}"):
                text = " ".join(str(value) for value in row)
                for secret in (APP_SECRET, access, refresh, created["token"], tenant.user_secret):
                    assert secret not in text


def _provider_tokens(gateway: RunningProcess, instance_id: int) -> tuple[str, str]:
    async def read() -> tuple[str, str]:
        container = Container.build(Settings(_env_file=None, **_settings(gateway)))
        try:
            sealer = container.instances.runtime.sealer
            async with container.database.read_session() as session:
                row = await session.get(ElementInstance, instance_id)
            assert row is not None
            assert row.access_token_sealed is not None
            assert row.refresh_token_sealed is not None
            return (
                sealer.open_provider_token(instance_id, "access_token", row.access_token_sealed),
                sealer.open_provider_token(instance_id, "refresh_token", row.refresh_token_sealed),
            )
        finally:
            await container.aclose()

    return asyncio.run(read())
