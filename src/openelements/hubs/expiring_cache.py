"""A keyed in-process cache whose entries live `ttl` seconds, filled by one shared load per key.

The hub keeps two of these (access by header digest, grants by instance id). A miss goes
through `load`: concurrent callers of one key share a single load (`SingleFlight`), and its
value is stored only if no `drop` happened while it ran, so a value read before a provider
refused it cannot be put back by a load that was already in flight. Memory is bounded by
clearing everything at `max_entries`: a refill costs one load per key.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

from openelements.hubs.single_flight import SingleFlight

__all__ = ["DEFAULT_MAX_ENTRIES", "ExpiringCache"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

DEFAULT_MAX_ENTRIES = 10_000


class ExpiringCache(Generic[K, V]):
    def __init__(
        self,
        *,
        ttl_seconds: float,
        monotonic: Callable[[], float] = time.monotonic,
        max_entries: int = DEFAULT_MAX_ENTRIES,
    ) -> None:
        self._ttl = ttl_seconds
        self._monotonic = monotonic
        self._max_entries = max_entries
        self._entries: dict[K, tuple[float, V]] = {}
        self._drops = 0
        self.loads: SingleFlight[K, V] = SingleFlight()

    def get(self, key: K) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= self._monotonic():
            self._entries.pop(key, None)
            return None
        return entry[1]

    def put(self, key: K, value: V) -> None:
        if len(self._entries) >= self._max_entries:
            self._entries.clear()
        self._entries[key] = (self._monotonic() + self._ttl, value)

    def drop(self, key: K) -> None:
        self._drops += 1
        self._entries.pop(key, None)

    async def load(self, key: K, loader: Callable[[], Awaitable[V]]) -> V:
        """`loader`'s value, shared with concurrent callers of `key`, and cached unless a
        `drop` happened meanwhile."""

        async def load_and_keep() -> V:
            drops = self._drops
            value = await loader()
            if drops == self._drops:
                self.put(key, value)
            return value

        return await self.loads.run(key, load_and_keep)
