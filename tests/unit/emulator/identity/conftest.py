from __future__ import annotations

import pytest
from starlette.testclient import TestClient
from token_flows import CLIENT_ID, PASSWORD, PUBLIC_CLIENT_ID, REDIRECT_URI, SECRET, UPN

from msgraph_emulator.app import create_app
from msgraph_emulator.clock import Clock
from msgraph_emulator.emulator import Emulator
from msgraph_emulator.identity.jwt import SigningKey


@pytest.fixture(scope="session")
def signing_key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture
def emulator(signing_key: SigningKey) -> Emulator:
    emulator = Emulator(signing_key=signing_key, clock=Clock())
    emulator.settings.auto_consent = True
    emulator.register_app(client_id=CLIENT_ID, client_secret=SECRET, redirect_uris=[REDIRECT_URI])
    emulator.register_app(
        client_id=PUBLIC_CLIENT_ID, client_secret=None, redirect_uris=[REDIRECT_URI]
    )
    emulator.create_user(user_principal_name=UPN, display_name="Dana Swope", password=PASSWORD)
    return emulator


@pytest.fixture
def client(emulator: Emulator) -> TestClient:
    return TestClient(create_app(emulator=emulator), follow_redirects=False)
