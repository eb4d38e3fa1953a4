from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from msgraph_emulator.app import create_app
from msgraph_emulator.emulator import Emulator
from msgraph_emulator.identity.jwt import SigningKey


@pytest.fixture(scope="session")
def signing_key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture
def emulator(signing_key: SigningKey) -> Emulator:
    return Emulator(signing_key=signing_key)


@pytest.fixture
def client(emulator: Emulator) -> TestClient:
    return TestClient(create_app(emulator=emulator))
