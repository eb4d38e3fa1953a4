"""User passwords as argon2id hashes (D12).

Hashing is deliberately slow, so the async API runs it in a worker thread. The production
cost is RFC 9106's second recommended profile (argon2-cffi's default); tests may pass cheaper
`PasswordCost` values, production code never does.
"""

from __future__ import annotations

import asyncio
import functools
import weakref
from dataclasses import dataclass

import anyio
import anyio.to_thread
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

MAX_PASSWORD_LENGTH = 1024
DEFAULT_CONCURRENT = 4


@dataclass(frozen=True, slots=True)
class PasswordCost:
    time_cost: int = 3
    memory_cost_kib: int = 65536
    parallelism: int = 4


PRODUCTION_COST = PasswordCost()
# For test suites only: the same algorithm with the smallest parameters argon2 allows.
TEST_COST = PasswordCost(time_cost=1, memory_cost_kib=8, parallelism=1)


class PasswordHashing:
    """`max_concurrent` bounds the hashes running at once in a process (per event loop): each
    holds `memory_cost_kib` of memory, and logins are unauthenticated, so a burst filling
    anyio's worker threads would otherwise take 40 x 64 MiB. Callers past the bound queue."""

    def __init__(
        self, cost: PasswordCost = PRODUCTION_COST, *, max_concurrent: int = DEFAULT_CONCURRENT
    ) -> None:
        self._hasher = PasswordHasher(
            time_cost=cost.time_cost,
            memory_cost=cost.memory_cost_kib,
            parallelism=cost.parallelism,
            type=Type.ID,
        )
        self._max_concurrent = max_concurrent
        # One limiter per event loop: an instance may serve several loops (test clients).
        self._limiters: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, anyio.CapacityLimiter
        ] = weakref.WeakKeyDictionary()

    async def hash(self, password: str) -> str:
        return await anyio.to_thread.run_sync(self._hasher.hash, password, limiter=self._limiter())

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """True when ``password`` matches; a missing hash still costs one verification."""
        return await anyio.to_thread.run_sync(
            self._verify, password_hash, password, limiter=self._limiter()
        )

    def _limiter(self) -> anyio.CapacityLimiter:
        loop = asyncio.get_running_loop()
        limiter = self._limiters.get(loop)
        if limiter is None:
            limiter = self._limiters[loop] = anyio.CapacityLimiter(self._max_concurrent)
        return limiter

    @functools.cached_property
    def _decoy(self) -> str:
        """Verified against when the user does not exist, so both paths cost the same."""
        return self._hasher.hash("openelements-decoy-password")

    def _verify(self, password_hash: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash or self._decoy, password) and (
                password_hash is not None
            )
        except (VerificationError, InvalidHashError):
            return False
