"""Constants and request shapes shared by the identity tests."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2
from starlette.testclient import TestClient

TENANT = "84bd8158-6d4d-4958-8b9f-9d6445542f95"
CLIENT_ID = "11111111-2222-3333-4444-555555555555"
SECRET = "s3cret"
PUBLIC_CLIENT_ID = "99999999-2222-3333-4444-555555555555"
REDIRECT_URI = "https://app.example/callback"
UPN = "dana@acme.example"
PASSWORD = "correct horse"
TOKEN_PATH = f"/{TENANT}/oauth2/v2.0/token"
AUTHORIZE_PATH = f"/{TENANT}/oauth2/v2.0/authorize"


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def redirect_params(location: str) -> dict[str, str]:
    parts = urlsplit(location)
    return {k: v[0] for k, v in parse_qs(parts.query or parts.fragment).items()}


def authorize(client: TestClient, **overrides: str) -> dict[str, str]:
    """Auto-consent authorize; returns the redirect's parameters."""
    params = {
        "client_id": CLIENT_ID,
        "response_type": "code",
        "redirect_uri": REDIRECT_URI,
        "scope": "openid offline_access Calendars.ReadWrite",
        "state": "st-1",
        "login_hint": UPN,
    } | overrides
    answer = client.get(AUTHORIZE_PATH, params=params)
    assert answer.status_code == 302, answer.text
    return redirect_params(answer.headers["location"])


def redeem(client: TestClient, code: str, **overrides: str) -> httpx2.Response:
    form = {
        "grant_type": "authorization_code",
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
        "code": code,
        "redirect_uri": REDIRECT_URI,
    } | overrides
    return client.post(TOKEN_PATH, data={k: v for k, v in form.items() if v != ""})


def refresh(client: TestClient, token: str, **overrides: str) -> httpx2.Response:
    form = {
        "grant_type": "refresh_token",
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
        "refresh_token": token,
        "scope": "Calendars.ReadWrite offline_access",
    } | overrides
    return client.post(TOKEN_PATH, data=form)


def claims_of(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return decoded


def aadsts(answer: httpx2.Response) -> tuple[int, str, int]:
    body = answer.json()
    return answer.status_code, body["error"], body["error_codes"][0]
