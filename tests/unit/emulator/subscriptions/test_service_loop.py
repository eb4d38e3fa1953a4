"""The notification service lives on the server's loop, whoever else touches the emulator."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from msgraph_emulator.auth import Principal
from msgraph_emulator.clock import Clock
from msgraph_emulator.emulator import Emulator
from msgraph_emulator.graph.mailbox import EventDraft
from msgraph_emulator.notifications import NotificationService, service_for
from msgraph_emulator.subscriptions import SubscriptionLimits, new_subscription

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def server_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """A loop on its own thread, as uvicorn runs the emulator in the integration tests."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=5)
    loop.close()


def _stop(service: NotificationService, loop: asyncio.AbstractEventLoop) -> None:
    async def cancel() -> None:
        task = service._task
        assert task is not None
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    asyncio.run_coroutine_threadsafe(cancel(), loop).result(timeout=5)


@pytest.mark.anyio
async def test_changes_from_another_loop_are_queued_on_the_service_loop(
    server_loop: asyncio.AbstractEventLoop,
) -> None:
    emulator = Emulator(clock=Clock(START))
    user = emulator.create_user(user_principal_name="dana@acme.example", display_name="Dana")
    service = service_for(emulator)
    asyncio.run_coroutine_threadsafe(service.started(), server_loop).result(timeout=5)
    task = service._task
    body = {
        "changeType": "created",
        "notificationUrl": "http://127.0.0.1:9/hook",
        "resource": "/me/events",
        "expirationDateTime": "2026-03-01T14:00:00Z",
    }
    service.add(
        new_subscription(
            body,
            principal=Principal(user=user, app_id="app-1", scopes=frozenset({"Calendars.Read"})),
            directory=emulator.directory,
            mailbox_of=emulator.ensure_mailbox,
            limits=SubscriptionLimits(max_lifetime_minutes=10_080, allow_http=False),
            now=START,
        )
    )
    queued_on: list[threading.Thread] = []
    enqueue = service.scheduler.enqueue

    def recording_enqueue(**kwargs: object) -> object:
        queued_on.append(threading.current_thread())
        return enqueue(**kwargs)  # type: ignore[arg-type]

    service.scheduler.enqueue = recording_enqueue  # type: ignore[method-assign]
    try:
        # A test seeding the mailbox directly, from its own loop on another thread.
        mailbox = emulator.ensure_mailbox(user)
        draft = EventDraft(start=START, end=START + timedelta(hours=1))
        mailbox.create_event(mailbox.default_calendar.id, draft, props={})
        service.ensure_running()
        assert service._task is task  # not moved onto this loop
        for _ in range(100):
            if queued_on:
                break
            await asyncio.sleep(0.01)
        assert queued_on
        assert threading.current_thread() not in queued_on
    finally:
        _stop(service, server_loop)
