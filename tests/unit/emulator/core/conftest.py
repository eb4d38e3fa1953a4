from __future__ import annotations

import pytest

from msgraph_emulator.identity.jwt import SigningKey


@pytest.fixture(scope="session")
def signing_key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
