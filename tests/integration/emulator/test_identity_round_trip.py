"""The OAuth round trip a gateway makes, over real HTTP on loopback: control API setup,
authorize, code redemption with Basic auth, Graph call, refresh rotation, expiry, revocation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

CLIENT_ID = "gateway-client"
SECRET = "gateway-secret"
REDIRECT_URI = "http://127.0.0.1:9/oauth/callback"
UPN = "dana@acme.example"
PASSWORD = "pw-1"


@pytest.fixture
def http(running_emulator: Any) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=running_emulator.base_url, follow_redirects=False) as client:
        assert (
            client.post(
                "/_emulator/apps",
                json={
                    "clientId": CLIENT_ID,
                    "clientSecret": SECRET,
                    "redirectUris": [REDIRECT_URI],
                },
            ).status_code
            == 201
        )
        assert (
            client.post(
                "/_emulator/users",
                json={"userPrincipalName": UPN, "displayName": "Dana Swope", "password": PASSWORD},
            ).status_code
            == 201
        )
        yield client


def _query(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def _authorize(http: httpx.Client, **extra: str) -> httpx.Response:
    return http.get(
        "/common/oauth2/v2.0/authorize",
        params={
            "client_id": CLIENT_ID,
            "response_type": "code",
            "redirect_uri": REDIRECT_URI,
            "scope": "Calendars.Read Calendars.ReadWrite offline_access",
            "state": "s-42",
        }
        | extra,
    )


def _token(http: httpx.Client, form: dict[str, str]) -> httpx.Response:
    return http.post("/common/oauth2/v2.0/token", data=form, auth=(CLIENT_ID, SECRET))


def _graph(http: httpx.Client, token: str) -> httpx.Response:
    return http.get("/v1.0/me/calendar", headers={"Authorization": f"Bearer {token}"})


def test_gateway_style_round_trip(http: httpx.Client) -> None:
    http.put("/_emulator/settings", json={"autoConsent": True})
    params = _query(_authorize(http, login_hint=UPN).headers["location"])
    assert params["state"] == "s-42"
    tokens = _token(
        http,
        {"grant_type": "authorization_code", "code": params["code"], "redirect_uri": REDIRECT_URI},
    ).json()
    assert tokens["scope"] == "Calendars.Read Calendars.ReadWrite"
    assert _graph(http, tokens["access_token"]).status_code == 200

    first = _token(http, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    second = _token(
        http, {"grant_type": "refresh_token", "refresh_token": first.json()["refresh_token"]}
    )
    assert second.status_code == 200
    assert _graph(http, second.json()["access_token"]).status_code == 200

    log = http.get("/_emulator/requests").json()
    assert [e["grantType"] for e in log].count("refresh_token") == 2
    assert {e["user"] for e in log if e["grantType"] == "refresh_token"} == {UPN}


def test_expired_access_token_then_refresh_then_revocation(http: httpx.Client) -> None:
    http.put("/_emulator/settings", json={"autoConsent": True})
    code = _query(_authorize(http, login_hint=UPN).headers["location"])["code"]
    tokens = _token(
        http, {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
    ).json()
    http.post("/_emulator/tokens/expire")
    expired = _graph(http, tokens["access_token"])
    assert expired.status_code == 401
    assert expired.headers["www-authenticate"].startswith('Bearer realm=""')

    renewed = _token(
        http, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    )
    assert _graph(http, renewed.json()["access_token"]).status_code == 200

    http.post("/_emulator/tokens/revoke", json={"userPrincipalName": UPN})
    refused = _token(
        http, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    )
    assert refused.status_code == 400
    assert refused.json()["error_codes"] == [50173]


def test_interactive_sign_in_through_the_html_forms(http: httpx.Client) -> None:
    page = _authorize(http).text
    ctx = re.search(r'name="ctx" value="([^"]+)"', page)
    action = re.search(r'action="([^"]+)"', page)
    assert ctx
    assert action
    assert 'id="i0116"' in page
    step2 = http.post(
        action.group(1), data={"ctx": ctx.group(1), "step": "username", "loginfmt": UPN}
    )
    assert 'id="i0118"' in step2.text
    consent = http.post(
        action.group(1), data={"ctx": ctx.group(1), "step": "password", "passwd": PASSWORD}
    )
    assert 'id="idSIButton9"' in consent.text
    done = http.post(
        action.group(1), data={"ctx": ctx.group(1), "step": "consent", "action": "accept"}
    )
    assert done.status_code == 302
    assert _query(done.headers["location"])["code"]
