"""Catalog routes over HTTP (in-process): keys or ids, metadata, configuration, OAuth URL."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from element_fakes import ScriptedTransport
from fastapi import FastAPI
from starlette.testclient import TestClient

from openelements.app import create_app
from openelements.elements.endpoints import get_elements, router
from openelements.elements.registry import build_registry
from openelements.kit.clock import ManualClock
from openelements.kit.error_responses import install_error_handlers
from openelements.kit.http import KeyedLimiter
from openelements.settings import Settings

AUTHORITY = "http://127.0.0.1:8765/common"
PARAMS = {
    "apiKey": "11111111-2222-3333-4444-555555555555",
    "apiSecret": "app-client-secret",
    "callbackUrl": "https://app.example.com/auth",
}


@pytest.fixture
def client() -> Iterator[TestClient]:
    registry = build_registry(
        authority=AUTHORITY,
        graph_base_url="http://127.0.0.1:8765/v1.0",
        transport=ScriptedTransport(),
        limiter=KeyedLimiter(4),
        clock=ManualClock(dt.datetime(2026, 3, 3, tzinfo=dt.UTC)),
    )
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(router, prefix="/elements/api-v2")
    app.dependency_overrides[get_elements] = lambda: registry
    with TestClient(app) as test_client:
        yield test_client


def test_list_and_keys(client: TestClient) -> None:
    listed = client.get("/elements/api-v2/elements").json()
    assert [e["key"] for e in listed] == ["microsoftgraph"]
    assert client.get("/elements/api-v2/elements/keys").json() == ["microsoftgraph"]


@pytest.mark.parametrize("key_or_id", ["microsoftgraph", "5836"])
def test_every_route_accepts_the_key_or_the_id(client: TestClient, key_or_id: str) -> None:
    base = f"/elements/api-v2/elements/{key_or_id}"
    assert client.get(base).json()["id"] == 5836
    assert client.get(f"{base}/metadata").json()["events"]["methods"] == ["webhook", "polling"]
    keys = {entry["key"] for entry in client.get(f"{base}/configuration").json()}
    assert {"oauth.api.key", "oauth.api.secret", "oauth.callback.url"} <= keys
    assert client.get(f"{base}/oauth/url", params=PARAMS).status_code == 200


def test_credentials_sent_to_the_catalog_are_ignored(client: TestClient) -> None:
    response = client.get(
        "/elements/api-v2/elements/microsoftgraph", headers={"Authorization": "Bearer nonsense"}
    )
    assert response.status_code == 200


def test_unknown_element_is_404(client: TestClient) -> None:
    response = client.get("/elements/api-v2/elements/dropbox/metadata")
    assert response.status_code == 404
    assert response.json()["message"] == "No element with key 'dropbox'"
    assert client.get("/elements/api-v2/elements/1/oauth/url", params=PARAMS).status_code == 404


def test_oauth_url_is_built_on_the_configured_authority(client: TestClient) -> None:
    response = client.get("/elements/api-v2/elements/microsoftgraph/oauth/url", params=PARAMS)
    body = response.json()
    assert body["element"] == "microsoftgraph"
    url = urlsplit(body["oauthUrl"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{AUTHORITY}/oauth2/v2.0/authorize"
    query = parse_qs(url.query)
    assert query == {
        "scope": ["Calendars.Read Calendars.ReadWrite offline_access"],
        "response_type": ["code"],
        "redirect_uri": ["https://app.example.com/auth"],
        "state": ["microsoftgraph"],
        "client_id": ["11111111-2222-3333-4444-555555555555"],
    }
    assert "app-client-secret" not in body["oauthUrl"]


def test_oauth_url_takes_scope_and_state_and_adds_offline_access(client: TestClient) -> None:
    params = {**PARAMS, "scope": "Calendars.ReadWrite User.Read", "state": "xyz"}
    url = client.get("/elements/api-v2/elements/5836/oauth/url", params=params).json()["oauthUrl"]
    query = parse_qs(urlsplit(url).query)
    assert query["scope"] == ["Calendars.ReadWrite User.Read offline_access"]
    assert query["state"] == ["xyz"]


def test_oauth_url_by_post_takes_the_same_fields(client: TestClient) -> None:
    response = client.post(
        "/elements/api-v2/elements/microsoftgraph/oauth/url",
        json={**PARAMS, "state": "abc", "siteAddress": "ignored"},
    )
    assert response.status_code == 200
    assert "state=abc" in response.json()["oauthUrl"]


def test_missing_oauth_parameters_are_named(client: TestClient) -> None:
    response = client.get(
        "/elements/api-v2/elements/microsoftgraph/oauth/url", params={"apiKey": "k"}
    )
    assert response.status_code == 400
    assert response.json()["message"] == "Missing required parameters: apiSecret, callbackUrl"
    posted = client.post("/elements/api-v2/elements/microsoftgraph/oauth/url", json={})
    assert posted.status_code == 400
    assert "apiKey, apiSecret, callbackUrl" in posted.json()["message"]


def test_the_app_serves_the_catalog_from_its_container(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'app.db'}",
        encryption_keys=f"k1:{base64.b64encode(b'k' * 32).decode()}",  # type: ignore[arg-type]
        hmac_pepper=base64.b64encode(b"p" * 32).decode(),  # type: ignore[arg-type]
        microsoft_authority="http://127.0.0.1:1/common",
    )
    with TestClient(create_app(settings, start_worker=False)) as app_client:
        response = app_client.get("/elements/api-v2/elements/5836/oauth/url", params=PARAMS)
    assert response.status_code == 200
    assert response.json()["oauthUrl"].startswith(
        "http://127.0.0.1:1/common/oauth2/v2.0/authorize?"
    )
