"""msal, Microsoft's own client, against the emulator's identity endpoints over TLS (spec §17).

msal only accepts https authorities, so these tests use the emulator's TLS origin with a local
CA. The requests session must not trust the environment: `REQUESTS_CA_BUNDLE` would silently
override the session's `verify`.
"""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import msal
import pytest
import requests

CLIENT_ID = "11111111-2222-3333-4444-555555555555"
SECRET = "emulator-client-secret"
REDIRECT_URI = "http://127.0.0.1:9/callback"
UPN = "dana@acme.example"


class _FormFields(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "input" and values.get("type") == "hidden" and values.get("name"):
            self.fields[str(values["name"])] = values.get("value") or ""


def form_fields(page: str) -> dict[str, str]:
    parser = _FormFields()
    parser.feed(page)
    return parser.fields


@pytest.fixture
def tls_session(emulator_tls: Any) -> Iterator[requests.Session]:
    session = requests.Session()
    session.verify = str(emulator_tls.ca_bundle)
    session.trust_env = False
    yield session
    session.close()


@pytest.fixture
def msal_app(
    running_tls_emulator: Any, tls_session: requests.Session
) -> msal.ConfidentialClientApplication:
    emulator = running_tls_emulator.emulator
    emulator.register_app(client_id=CLIENT_ID, client_secret=SECRET, redirect_uris=[REDIRECT_URI])
    emulator.create_user(user_principal_name=UPN, display_name="Dana Swope", password="pw")
    emulator.settings.auto_consent = True
    return msal.ConfidentialClientApplication(
        client_id=CLIENT_ID,
        client_credential=SECRET,
        authority=f"{running_tls_emulator.base_url}/{emulator.directory.tenant_id}",
        instance_discovery=False,
        http_client=tls_session,
    )


def _sign_in(app: msal.ConfidentialClientApplication, session: requests.Session) -> dict[str, Any]:
    flow = app.initiate_auth_code_flow(
        ["Calendars.ReadWrite"],
        redirect_uri=REDIRECT_URI,
        login_hint=UPN,
        response_mode="form_post",
    )
    page = session.get(flow["auth_uri"], allow_redirects=False)
    assert page.status_code == 200, page.text
    result: dict[str, Any] = app.acquire_token_by_auth_code_flow(flow, form_fields(page.text))
    return result


def test_msal_completes_the_authorization_code_flow(
    msal_app: msal.ConfidentialClientApplication, tls_session: requests.Session
) -> None:
    result = _sign_in(msal_app, tls_session)

    assert "access_token" in result, result
    assert result["id_token_claims"]["preferred_username"] == UPN
    assert "Calendars.ReadWrite" in result["scope"]
    accounts = msal_app.get_accounts(username=UPN)
    assert len(accounts) == 1


def test_msal_refresh_returns_a_new_refresh_token_and_the_old_one_still_works(
    msal_app: msal.ConfidentialClientApplication, tls_session: requests.Session
) -> None:
    first = _sign_in(msal_app, tls_session)

    refreshed = msal_app.acquire_token_by_refresh_token(
        first["refresh_token"], ["Calendars.ReadWrite"]
    )
    again = msal_app.acquire_token_by_refresh_token(first["refresh_token"], ["Calendars.ReadWrite"])

    assert "access_token" in refreshed, refreshed
    assert refreshed["refresh_token"] != first["refresh_token"]
    assert "access_token" in again, again


def test_msal_refresh_after_revocation_reports_aadsts50173(
    msal_app: msal.ConfidentialClientApplication,
    tls_session: requests.Session,
    running_tls_emulator: Any,
) -> None:
    first = _sign_in(msal_app, tls_session)
    running_tls_emulator.emulator.directory.grants.revoke_refresh()

    refused = msal_app.acquire_token_by_refresh_token(
        first["refresh_token"], ["Calendars.ReadWrite"]
    )

    assert refused["error"] == "invalid_grant"
    assert refused["error_codes"] == [50173]


def test_msal_client_credentials_on_the_tenant(
    msal_app: msal.ConfidentialClientApplication,
    tls_session: requests.Session,
    running_tls_emulator: Any,
) -> None:
    result = msal_app.acquire_token_for_client(scopes=["https://graph.microsoft.com/.default"])

    assert "access_token" in result, result
    me = tls_session.get(
        f"{running_tls_emulator.base_url}/v1.0/me",
        headers={"Authorization": f"Bearer {result['access_token']}"},
    )
    assert me.status_code == 400  # G02: /me needs a delegated token
    assert me.json()["error"]["code"] == "BadRequest"


def test_msal_flow_through_the_interactive_sign_in_pages(
    msal_app: msal.ConfidentialClientApplication,
    tls_session: requests.Session,
    running_tls_emulator: Any,
) -> None:
    running_tls_emulator.emulator.settings.auto_consent = False
    flow = msal_app.initiate_auth_code_flow(
        ["Calendars.Read"], redirect_uri=REDIRECT_URI, response_mode="form_post"
    )
    page = tls_session.get(flow["auth_uri"]).text
    ctx = form_fields(page)["ctx"]
    action = (
        f"{running_tls_emulator.base_url}/{running_tls_emulator.emulator.directory.tenant_id}/login"
    )
    steps = [
        {"step": "username", "loginfmt": UPN},
        {"step": "password", "passwd": "pw"},
        {"step": "consent", "action": "accept"},
    ]
    for step in steps:
        page = tls_session.post(action, data={"ctx": ctx, **step}).text

    result = msal_app.acquire_token_by_auth_code_flow(flow, form_fields(page))

    assert "access_token" in result, result
    assert result["id_token_claims"]["preferred_username"] == UPN


@pytest.mark.filterwarnings("ignore:response_mode:UserWarning")
def test_msal_authorization_request_url_and_code_redemption(
    msal_app: msal.ConfidentialClientApplication, tls_session: requests.Session
) -> None:
    url = msal_app.get_authorization_request_url(
        ["Calendars.Read"], login_hint=UPN, redirect_uri=REDIRECT_URI, state="st"
    )
    answer = tls_session.get(url, allow_redirects=False)
    assert answer.status_code == 302
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    assert query["state"] == ["st"]

    result = msal_app.acquire_token_by_authorization_code(
        query["code"][0], ["Calendars.Read"], redirect_uri=REDIRECT_URI
    )

    assert "access_token" in result, result
    assert "refresh_token" in result


def test_msal_instance_discovery_can_point_at_the_emulator(
    running_tls_emulator: Any, tls_session: requests.Session
) -> None:
    emulator = running_tls_emulator.emulator
    emulator.register_app(client_id=CLIENT_ID, client_secret=SECRET, redirect_uris=[REDIRECT_URI])
    app = msal.ConfidentialClientApplication(
        client_id=CLIENT_ID,
        client_credential=SECRET,
        authority=f"{running_tls_emulator.base_url}/{emulator.directory.tenant_id}",
        instance_discovery=f"{running_tls_emulator.base_url}/common/discovery/instance",
        http_client=tls_session,
    )

    result = app.acquire_token_for_client(scopes=["https://graph.microsoft.com/.default"])

    assert "access_token" in result, result
    paths = [entry.path for entry in emulator.request_log.since(0)]
    assert paths[0] == "/common/discovery/instance"
