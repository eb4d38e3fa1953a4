from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import anyio
import pytest

from msgraph_emulator import delta
from msgraph_emulator.clock import Clock
from msgraph_emulator.emulator import Emulator
from msgraph_emulator.graph.event_input import default_event_props
from msgraph_emulator.graph.mailbox import EventDraft
from msgraph_emulator.identity.jwt import SigningKey
from msgraph_emulator.notifications import service_for
from msgraph_emulator.state_file import StateFileError, attach, read, snapshot
from msgraph_emulator.subscriptions import Subscription

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def signing_key() -> SigningKey:
    return SigningKey.generate()


def emulator(signing_key: SigningKey) -> Emulator:
    return Emulator(signing_key=signing_key, clock=Clock(START))


def seed(target: Emulator) -> tuple[str, str]:
    user = target.create_user(user_principal_name="dana@acme.example", display_name="Dana")
    target.register_app(client_id="app-1", client_secret="s3cret", redirect_uris=["http://x/cb"])
    mailbox = target.ensure_mailbox(user)
    work = mailbox.create_calendar("Work")
    draft = EventDraft(
        props={"subject": "review"},
        start=START + timedelta(days=1),
        end=START + timedelta(days=1, hours=1),
    )
    props = default_event_props(owner_name="Dana", owner_address="dana@acme.example")
    event = mailbox.create_event(work.id, draft, props=props)
    mailbox.create_contact({"displayName": "Ari"})
    service_for(target).add(
        Subscription(
            id="sub-1",
            resource="/me/events",
            change_types=("created",),
            notification_url="http://127.0.0.1:9/hook",
            expiration=START + timedelta(hours=2),
            user_id=user.id,
            application_id="app-1",
            creator_id=user.id,
            tenant_id=target.directory.tenant_id,
            client_state="state",
        )
    )
    return user.id, event.id


def test_state_survives_a_restart_through_the_file(signing_key: SigningKey, tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    first = emulator(signing_key)
    state = attach(first, path)
    user_id, event_id = seed(first)
    delta.generation_of(first).value = 2
    state.save()

    second = emulator(signing_key)
    attach(second, path)
    user = second.directory.user_by_id_or_upn("dana@acme.example")
    assert user is not None
    assert user.id == user_id
    assert second.directory.app("app-1") is not None
    mailbox = second.mailboxes[user_id]
    assert mailbox.events[event_id].props["subject"] == "review"
    assert sorted(c.name for c in mailbox.calendars.values()) == ["Calendar", "Work"]
    assert len(mailbox.contacts) == 1
    assert mailbox.seq == first.mailboxes[user_id].seq
    assert [s.id for s in service_for(second).store.all()] == ["sub-1"]
    assert delta.generation_of(second).value == 2
    assert snapshot(second) == snapshot(first)


def test_restored_mailboxes_still_tell_the_listeners(
    signing_key: SigningKey, tmp_path: Path
) -> None:
    path = tmp_path / "state.json"
    first = emulator(signing_key)
    attach(first, path)
    user_id, _ = seed(first)
    second = emulator(signing_key)
    attach(second, path)
    heard: list[str] = []
    second.change_listeners.append(lambda change: heard.append(change.change_type))
    second.mailboxes[user_id].create_calendar("Later")
    assert heard == ["created"]
    assert "Later" in path.read_text()


def test_writes_replace_the_file_whole(signing_key: SigningKey, tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    target = emulator(signing_key)
    attach(target, path)
    seed(target)
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]
    assert json.loads(path.read_text())["version"] == 1


def test_expired_subscriptions_are_not_restored(signing_key: SigningKey, tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    first = emulator(signing_key)
    attach(first, path)
    seed(first)
    later = Emulator(signing_key=signing_key, clock=Clock(START + timedelta(hours=3)))
    attach(later, path)
    assert service_for(later).store.all() == []


def test_unreadable_file_is_a_clear_error(signing_key: SigningKey, tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text("{not json")
    with pytest.raises(StateFileError):
        read(path)
    path.write_text('{"version": 99}')
    with pytest.raises(StateFileError):
        attach(emulator(signing_key), path)


@pytest.mark.anyio
async def test_saves_from_the_server_loop_write_on_a_worker_thread(
    signing_key: SigningKey, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The write and its fsyncs never stall the loop that serves requests."""
    import threading

    from msgraph_emulator import state_file

    writers: list[threading.Thread] = []
    real_write = state_file.write_atomically

    def recording_write(path: Path, text: str) -> None:
        writers.append(threading.current_thread())
        real_write(path, text)

    monkeypatch.setattr(state_file, "SAVE_DELAY_SECONDS", 0.0)
    monkeypatch.setattr(state_file, "write_atomically", recording_write)
    first = emulator(signing_key)
    state = attach(first, tmp_path / "state.json")
    writers.clear()
    seed(first)  # changes on this loop schedule saves
    while state._writer is None or not state._writer.done():
        await anyio.sleep(0.01)
    assert writers
    assert threading.main_thread() not in writers
    document = read(tmp_path / "state.json")
    assert document is not None
    assert len(document["subscriptions"]) == 1


def test_a_late_background_write_never_replaces_a_newer_save(
    signing_key: SigningKey, tmp_path: Path
) -> None:
    first = emulator(signing_key)
    state = attach(first, tmp_path / "state.json")
    older = state._take()
    seed(first)
    state.save()  # newer: holds the seeded user
    state._write(*older)  # the background write of the older snapshot finishes last
    document = read(tmp_path / "state.json")
    assert document is not None
    assert document["directory"]["users"]
