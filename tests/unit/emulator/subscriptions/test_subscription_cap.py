"""The per-mailbox subscription cap (G22) holds when creations overlap."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
import pytest

from msgraph_emulator import notifications
from msgraph_emulator.app import create_app
from msgraph_emulator.clock import Clock
from msgraph_emulator.emulator import Emulator

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_creations_validating_at_the_same_time_cannot_pass_the_cap(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    emulator = Emulator(clock=Clock(START))
    emulator.settings.subscriptions_per_mailbox = 1
    user = emulator.create_user(user_principal_name="dana@acme.example", display_name="Dana")
    headers = {"Authorization": f"Bearer {emulator.issue_user_token(user).value}"}
    in_handshake = 0
    both_in = asyncio.Event()

    async def slow_handshake(*args: Any, **kwargs: Any) -> bool:
        nonlocal in_handshake
        in_handshake += 1
        if in_handshake == 2:
            both_in.set()
        await both_in.wait()  # each creation waits until the other passed the first check
        return True

    monkeypatch.setattr(notifications, "validate_endpoint", slow_handshake)
    body = {
        "changeType": "created",
        "notificationUrl": "http://127.0.0.1:9/hook",
        "resource": "/me/events",
        "expirationDateTime": (START + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    transport = httpx2.ASGITransport(app=create_app(emulator=emulator))
    async with httpx2.AsyncClient(transport=transport, base_url="http://emulator") as client:
        answers = await asyncio.gather(
            client.post("/v1.0/subscriptions", json=body, headers=headers),
            client.post("/v1.0/subscriptions", json=body, headers=headers),
        )
        service = notifications.service_for(emulator)
        await service.scheduler.drain()
        task = service._task
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    assert sorted(a.status_code for a in answers) == [201, 403]
    assert len(service.store.all()) == 1
