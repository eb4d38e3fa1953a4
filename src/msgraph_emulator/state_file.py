"""`--state FILE`: the emulator's users, apps, grants, mailboxes and subscriptions across restarts.

The file is one JSON document written by write-then-rename (a crash leaves the old file or
the new one, never half of one). `attach(emulator, path)` loads the file when it exists, then
saves shortly after every change (Graph writes, subscription changes, reset) and once more
when the process ends, normally or by SIGTERM. Saves run on the server's loop when there is
one, so the state is never read while a request is changing it.

uvicorn handles SIGTERM itself and, after its graceful shutdown, restores the handler it
found and raises the signal again; `attach` installs that handler (main thread only, once per
process), which saves every attached state file and then lets the signal end the process as
it would have. That is what keeps apps and grants, which change without a `ChangeEvent`.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import os
import signal
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any
from weakref import WeakSet

from msgraph_emulator import delta
from msgraph_emulator.directory import Directory
from msgraph_emulator.graph.mailbox import Mailbox
from msgraph_emulator.notifications import service_for
from msgraph_emulator.subscriptions import Subscription

if TYPE_CHECKING:
    from msgraph_emulator.emulator import Emulator

FORMAT_VERSION = 1
SAVE_DELAY_SECONDS = 0.2


class StateFileError(ValueError):
    """The file exists but is not a state file this emulator can read."""


def snapshot(emulator: Emulator) -> dict[str, Any]:
    service = service_for(emulator)
    service.sweep()
    return {
        "version": FORMAT_VERSION,
        "directory": emulator.directory.to_json(),
        "mailboxes": [mailbox.to_json() for mailbox in emulator.mailboxes.values()],
        "subscriptions": [s.to_state() for s in service.store.all()],
        "deltaGeneration": delta.generation_of(emulator).value,
    }


def restore(emulator: Emulator, document: dict[str, Any]) -> None:
    if document.get("version") != FORMAT_VERSION:
        raise StateFileError(f"unsupported state file version {document.get('version')!r}")
    emulator.directory = Directory.from_json(document["directory"])
    emulator.mailboxes.clear()
    for data in document.get("mailboxes", []):
        mailbox = Mailbox.from_json(data, clock=emulator.clock)
        mailbox.listeners = emulator.change_listeners  # as Emulator.ensure_mailbox binds them
        emulator.mailboxes[mailbox.user_id] = mailbox
    service = service_for(emulator)
    service.store.clear()
    for subscription in document.get("subscriptions", []):
        service.add(Subscription.from_state(subscription))
    service.sweep()
    delta.generation_of(emulator).value = int(document.get("deltaGeneration", 0))


def write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with temporary.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def read(path: Path) -> dict[str, Any] | None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise StateFileError(f"{path} is not JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise StateFileError(f"{path} does not hold a JSON object")
    return document


class StateFile:
    """The snapshot is taken on the server's loop (so no request is half-way through a
    change), but the write and its fsyncs run on a worker thread: they would otherwise stall
    every request for as long as the disk takes. Writes are numbered and a late write never
    replaces a newer one (the exit-time `save()` may overtake a background write)."""

    def __init__(self, emulator: Emulator, path: Path) -> None:
        self.emulator = emulator
        self.path = path
        self._written: str | None = None
        self._pending: asyncio.TimerHandle | None = None
        self._lock = threading.Lock()
        self._taken = 0  # snapshots numbered in the order they were taken
        self._written_number = 0
        self._queued: tuple[int, str] | None = None
        self._writer: asyncio.Task[None] | None = None

    def load(self) -> bool:
        document = read(self.path)
        if document is None:
            return False
        restore(self.emulator, document)
        return True

    def save(self) -> None:
        """Write the state now, on this thread, unless the file already holds exactly this."""
        self._pending = None
        self._write(*self._take())

    def _take(self) -> tuple[int, str]:
        self._taken += 1
        return self._taken, json.dumps(snapshot(self.emulator), sort_keys=True)

    def _write(self, number: int, text: str) -> None:
        with self._lock:
            if number <= self._written_number:
                return
            if text != self._written:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                write_atomically(self.path, text)
                self._written = text
            self._written_number = number

    def _save_in_background(self) -> None:
        self._pending = None
        self._queued = self._take()
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        while self._queued is not None:
            queued, self._queued = self._queued, None
            await asyncio.to_thread(self._write, *queued)

    def changed(self, *_: object) -> None:
        """Save soon from the server's loop; at once when called outside any loop."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.save()
            return
        if self._pending is None or self._pending.cancelled():
            self._pending = loop.call_later(SAVE_DELAY_SECONDS, self._save_in_background)


_attached: WeakSet[StateFile] = WeakSet()
_process_hooks_installed = False


def save_all() -> None:
    for state in list(_attached):
        state.save()


def _on_terminate(signum: int, frame: FrameType | None) -> None:
    save_all()
    signal.signal(signum, signal.SIG_DFL)
    signal.raise_signal(signum)


def _install_process_hooks() -> None:
    global _process_hooks_installed
    if _process_hooks_installed:
        return
    _process_hooks_installed = True
    atexit.register(save_all)
    in_main_thread = threading.current_thread() is threading.main_thread()
    if in_main_thread and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _on_terminate)


def attach(emulator: Emulator, path: Path) -> StateFile:
    """Load `path` if it exists and keep it up to date from now on (the CLI's `--state`)."""
    state = StateFile(emulator, path)
    state.load()
    emulator.change_listeners.append(state.changed)
    emulator.reset_listeners.append(state.changed)
    service_for(emulator).persist_hooks.append(state.changed)
    _attached.add(state)
    _install_process_hooks()
    state.save()
    return state
