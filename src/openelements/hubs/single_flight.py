"""One load per key at a time: concurrent callers that miss a cache share the same load.

Without it, every request in flight when a cached entry expires would query the database at
once (32 at concurrency 32), which showed as a one-second p99 in bench/hub_overhead.py.
The shared load runs as its own task, so a caller that is cancelled (client gone) does not
cancel it for the others; its outcome, value or error, goes to every waiter.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["SingleFlight"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SingleFlight(Generic[K, V]):
    def __init__(self) -> None:
        self._pending: dict[K, asyncio.Task[V]] = {}

    async def run(self, key: K, load: Callable[[], Awaitable[V]]) -> V:
        task = self._pending.get(key)
        if task is None:
            task = asyncio.ensure_future(load())
            self._pending[key] = task
            task.add_done_callback(lambda done: self._finish(key, done))
        return await asyncio.shield(task)

    def _finish(self, key: K, task: asyncio.Task[V]) -> None:
        if self._pending.get(key) is task:
            del self._pending[key]
        if not task.cancelled():
            task.exception()  # retrieved here too, so an unobserved failure is not logged
