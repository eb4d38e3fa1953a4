"""User passwords as argon2id hashes (D12).

Hashing is deliberately slow, so the async API runs it in a worker thread. The production
cost is RFC 9106's second recommended profile (argon2-cffi's default); tests may pass cheaper
`PasswordCost` values, production code never does.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import anyio.to_thread
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

MAX_PASSWORD_LENGTH = 1024


@dataclass(frozen=True, slots=True)
class PasswordCost:
    time_cost: int = 3
    memory_cost_kib: int = 65536
    parallelism: int = 4


PRODUCTION_COST = PasswordCost()
# For test suites only: the same algorithm with the smallest parameters argon2 allows.
TEST_COST = PasswordCost(time_cost=1, memory_cost_kib=8, parallelism=1)


class PasswordHashing:
    def __init__(self, cost: PasswordCost = PRODUCTION_COST) -> None:
        self._hasher = PasswordHasher(
            time_cost=cost.time_cost,
            memory_cost=cost.memory_cost_kib,
            parallelism=cost.parallelism,
            type=Type.ID,
        )

    async def hash(self, password: str) -> str:
        return await anyio.to_thread.run_sync(self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """True when ``password`` matches; a missing hash still costs one verification."""
        return await anyio.to_thread.run_sync(self._verify, password_hash, password)

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
