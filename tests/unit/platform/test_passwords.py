import time

import anyio
import pytest

from openelements.platform.passwords import PRODUCTION_COST, TEST_COST, PasswordHashing

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_hash_is_argon2id_and_verifies() -> None:
    hashing = PasswordHashing(TEST_COST)
    hashed = await hashing.hash("correct horse battery staple")
    assert hashed.startswith("$argon2id$")
    assert "correct horse" not in hashed
    assert await hashing.verify(hashed, "correct horse battery staple")
    assert not await hashing.verify(hashed, "Correct horse battery staple")


async def test_missing_or_corrupt_hash_never_verifies() -> None:
    hashing = PasswordHashing(TEST_COST)
    assert not await hashing.verify(None, "openelements-decoy-password")
    assert not await hashing.verify("not a hash", "anything")


async def test_default_cost_is_rfc9106_second_profile() -> None:
    assert PRODUCTION_COST.memory_cost_kib == 65536
    hashed = await PasswordHashing().hash("x")
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


class _SlowHasher:
    """Stands in for argon2: records how many hashes run at once."""

    def __init__(self) -> None:
        self.running = 0
        self.most = 0

    def _work(self) -> None:
        self.running += 1
        self.most = max(self.most, self.running)
        time.sleep(0.02)
        self.running -= 1

    def hash(self, password: str) -> str:
        self._work()
        return "$argon2id$fake"

    def verify(self, password_hash: str, password: str) -> bool:
        self._work()
        return True


async def test_at_most_max_concurrent_hashes_run_at_once() -> None:
    """Each argon2 run holds 64 MiB: without a bound, a burst of logins (anyio's 40 worker
    threads) could take 2.5 GiB."""
    hashing = PasswordHashing(TEST_COST, max_concurrent=2)
    slow = _SlowHasher()
    hashing._hasher = slow  # type: ignore[assignment]
    async with anyio.create_task_group() as group:
        for index in range(8):
            group.start_soon(hashing.verify, "$argon2id$fake", f"p{index}")
            group.start_soon(hashing.hash, f"p{index}")
    assert slow.most == 2
