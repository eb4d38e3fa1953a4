"""The hub catalog routes (spec §5.1) through the real app: derived from the elements."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from openelements import migrations
from openelements.app import create_app
from openelements.settings import API_BASE_PATH, Settings


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('hubs') / 'app.db'}"
    migrations.upgrade(url)
    settings = Settings(
        database_url=url,
        encryption_keys=f"k1:{base64.b64encode(b'k' * 32).decode()}",
        hmac_pepper=base64.b64encode(b"p" * 32).decode(),
    )
    with TestClient(create_app(settings, start_worker=False)) as test_client:
        yield test_client


def test_hubs_and_their_keys_come_from_the_elements(client: TestClient) -> None:
    hubs = client.get(f"{API_BASE_PATH}/hubs")
    assert hubs.status_code == 200
    assert hubs.json() == [{"key": "general", "name": "General", "active": True}]
    assert client.get(f"{API_BASE_PATH}/hubs/keys").json() == ["general"]


def test_a_hub_lists_its_elements_without_credentials(client: TestClient) -> None:
    listed = client.get(f"{API_BASE_PATH}/hubs/general/elements")
    assert listed.status_code == 200
    assert [element["key"] for element in listed.json()] == ["microsoftgraph"]


def test_an_unknown_hub_is_404_with_the_normal_error_body(client: TestClient) -> None:
    answer = client.get(f"{API_BASE_PATH}/hubs/crm/elements")
    assert answer.status_code == 404
    assert answer.json()["message"] == "No hub with key 'crm'"


def test_hub_calls_still_route_to_the_hub_and_ask_for_credentials(client: TestClient) -> None:
    assert client.get(f"{API_BASE_PATH}/hubs/general/calendars").status_code == 401
    assert client.get(f"{API_BASE_PATH}/calendars").status_code == 401
    assert client.get(f"{API_BASE_PATH}/hubs/general/no-such-thing").status_code == 404
