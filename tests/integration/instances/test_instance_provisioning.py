"""POST /instances end to end against the emulator: the OAuth round trip and its failures."""

from __future__ import annotations

from fastapi.testclient import TestClient
from instances_harness import (
    API,
    APP_SECRET,
    Tenant,
    authorization_code,
    instance_body,
    oauth_url,
    provision,
)

from msgraph_emulator.emulator import Emulator


def test_oauth_round_trip_creates_a_valid_instance(client: TestClient, tenant: Tenant) -> None:
    created = provision(client, tenant, tags=["acme", "<b>vip</b>"])
    assert isinstance(created["id"], int)
    assert created["name"] == "Dana's calendar"
    assert created["valid"] is True
    assert created["disabled"] is False
    assert created["tags"] == ["acme", "vip"]
    assert len(created["token"]) == 44
    assert created["element"]["key"] == "microsoftgraph"
    assert created["element"]["id"] == 5836
    assert created["element"]["hub"] == "general"
    assert created["user"]["id"] == tenant.admin_id
    assert created["user"]["emailAddress"] == "admin@acme.example"
    assert created["createdDate"].endswith("Z")
    configuration = created["configuration"]
    assert configuration["oauth.api.key"] == "********"
    assert configuration["oauth.api.secret"] == "********"
    assert configuration["filter.response.nulls"] == "true"
    assert configuration["base.url"].endswith("/v1.0")
    assert "oauth.user.token" not in configuration
    assert "oauth.user.refresh_token" not in configuration
    assert "providerData" not in created


def test_the_name_is_the_only_tag_when_none_are_given(client: TestClient, tenant: Tenant) -> None:
    created = provision(client, tenant, name='<a href="#" onClick="x()">xss-name</a>')
    assert created["name"] == "xss-name"
    assert created["tags"] == ["xss-name"]


def test_unknown_configuration_keys_are_kept_and_password_masked(
    client: TestClient, tenant: Tenant
) -> None:
    body = instance_body(None)
    body["configuration"].update({"custom.flag": True, "password": "hunter2"})
    code = authorization_code(oauth_url(client))
    body["providerData"] = {"code": code}
    created = client.post(f"{API}/instances", headers=tenant.headers(), json=body).json()
    assert created["configuration"]["custom.flag"] == "true"
    assert created["configuration"]["password"] == "********"


def test_a_refused_code_is_400_with_the_providers_words_and_nothing_stored(
    client: TestClient, tenant: Tenant
) -> None:
    code = authorization_code(oauth_url(client))
    first = client.post(f"{API}/instances", headers=tenant.headers(), json=instance_body(code))
    assert first.status_code == 200
    reused = client.post(f"{API}/instances", headers=tenant.headers(), json=instance_body(code))
    assert reused.status_code == 400
    assert reused.json()["message"] == "Failed to obtain OAuth tokens"
    assert reused.json()["providerMessage"].startswith("AADSTS54005")
    listed = client.get(f"{API}/instances", headers=tenant.headers()).json()
    assert len(listed) == 1


def test_a_wrong_client_secret_is_refused(client: TestClient, tenant: Tenant) -> None:
    body = instance_body(authorization_code(oauth_url(client)))
    body["configuration"]["oauth.api.secret"] = "wrong"
    response = client.post(f"{API}/instances", headers=tenant.headers(), json=body)
    assert response.status_code == 400
    assert "AADSTS7000215" in response.json()["providerMessage"]


def test_missing_configuration_is_named(client: TestClient, tenant: Tenant) -> None:
    body = instance_body("code")
    body["configuration"] = {"oauth.api.key": "x"}
    response = client.post(f"{API}/instances", headers=tenant.headers(), json=body)
    assert response.status_code == 400
    assert response.json()["message"] == (
        "Missing required configuration: oauth.api.secret, oauth.callback.url"
    )


def test_missing_code_and_unknown_element(client: TestClient, tenant: Tenant) -> None:
    missing = client.post(f"{API}/instances", headers=tenant.headers(), json=instance_body(None))
    assert missing.status_code == 400
    assert missing.json()["message"] == "providerData.code is required"
    unknown = instance_body("c", element={"key": "dropbox"})
    answer = client.post(f"{API}/instances", headers=tenant.headers(), json=unknown)
    assert answer.status_code == 404


def test_external_authentication_provisions_from_a_refresh_token(
    client: TestClient, tenant: Tenant, emulator: Emulator
) -> None:
    code = authorization_code(oauth_url(client))
    # A refresh token obtained outside openelements: redeem a code directly at the emulator.
    import httpx2

    token = httpx2.post(
        f"{emulator.origin}/common/oauth2/v2.0/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": "https://app.example.com/auth",
            "client_id": "11111111-2222-3333-4444-555555555555",
            "client_secret": APP_SECRET,
            "scope": "Calendars.Read offline_access",
        },
    ).json()
    body = instance_body(None, externalAuthentication="initial")
    body["configuration"]["oauth.user.refresh_token"] = token["refresh_token"]
    response = client.post(f"{API}/instances", headers=tenant.headers(), json=body)
    assert response.status_code == 200, response.text
    created = response.json()
    assert created["externalAuthentication"] == "initial"
    assert token["refresh_token"] not in response.text


def test_create_under_the_element_path(client: TestClient, tenant: Tenant) -> None:
    body = instance_body(authorization_code(oauth_url(client)))
    del body["element"]
    response = client.post(f"{API}/elements/5836/instances", headers=tenant.headers(), json=body)
    assert response.status_code == 200, response.text
    assert response.json()["element"]["key"] == "microsoftgraph"
