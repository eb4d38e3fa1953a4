"""In-process fixtures for the Graph data routes: an emulator, a user, a token, a client."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from graph_http import Graph
from starlette.testclient import TestClient

from msgraph_emulator.app import create_app
from msgraph_emulator.clock import Clock
from msgraph_emulator.directory import User
from msgraph_emulator.emulator import Emulator
from msgraph_emulator.graph.mailbox import Mailbox
from msgraph_emulator.identity.jwt import SigningKey

ORIGIN = "http://testserver"
START = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def signing_key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture
def emulator(signing_key: SigningKey) -> Emulator:
    return Emulator(clock=Clock(start=START), signing_key=signing_key, origin=ORIGIN)


@pytest.fixture
def user(emulator: Emulator) -> User:
    return emulator.create_user(user_principal_name="dana@acme.example", display_name="Dana Swope")


@pytest.fixture
def mailbox(emulator: Emulator, user: User) -> Mailbox:
    return emulator.mailboxes[user.id]


@pytest.fixture
def graph(emulator: Emulator, user: User) -> Iterator[Graph]:
    with TestClient(create_app(emulator=emulator), base_url=ORIGIN) as client:
        yield Graph(client, emulator.issue_user_token(user).value)
