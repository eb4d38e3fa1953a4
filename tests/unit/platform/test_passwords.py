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
