"""The identity-platform client: authorize URL, code and refresh grants, error mapping."""

from __future__ import annotations

import base64
import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from element_fakes import ScriptedTransport, json_answer

from openelements.elements.base import (
    AppCredentialsRejected,
    GrantRefused,
    OAuthApp,
    ProviderUnavailable,
    ReauthenticationRequired,
)
from openelements.elements.microsoftgraph.oauth import (
    MicrosoftIdentityClient,
    first_line,
    with_offline_access,
)
from openelements.kit.clock import ManualClock
from openelements.kit.http import HttpResponse, TransportFailure

NOW = dt.datetime(2026, 3, 3, 10, 0, tzinfo=dt.UTC)
APP = OAuthApp(
    client_id="11111111-2222-3333-4444-555555555555",
    client_secret="s3cr+t/=",
    redirect_uri="https://app.example.com/auth",
    scope="Calendars.Read Calendars.ReadWrite",
)
TOKENS = {
    "token_type": "Bearer",
    "scope": "Calendars.Read Calendars.ReadWrite",
    "expires_in": 3599,
    "access_token": "at-1",
    "refresh_token": "rt-2",
}


def client(
    transport: ScriptedTransport, authority: str = "http://idp.test/common"
) -> MicrosoftIdentityClient:
    return MicrosoftIdentityClient(authority=authority, transport=transport, clock=ManualClock(NOW))


def test_authorization_url_follows_the_documented_order_and_plus_for_spaces() -> None:
    url = client(
        ScriptedTransport(), "https://login.microsoftonline.com/common/"
    ).authorization_url(
        client_id=APP.client_id,
        redirect_uri="https://app.example.com/auth",
        scope="Calendars.Read Calendars.ReadWrite offline_access",
        state="microsoftgraph",
    )
    assert url == (
        "https://login.microsoftonline.com/common/oauth2/v2.0/authorize?"
        "scope=Calendars.Read+Calendars.ReadWrite+offline_access&response_type=code"
        "&redirect_uri=https%3A%2F%2Fapp.example.com%2Fauth&state=microsoftgraph"
        "&client_id=11111111-2222-3333-4444-555555555555"
    )


def test_offline_access_is_always_requested() -> None:
    assert with_offline_access("Calendars.Read") == "Calendars.Read offline_access"
    assert with_offline_access("offline_access User.Read") == "offline_access User.Read"


@pytest.mark.anyio
async def test_code_exchange_posts_the_grant_with_basic_client_authentication() -> None:
    transport = ScriptedTransport(json_answer(200, TOKENS))
    grant = await client(transport).exchange_code(APP, "the-code")
    request = transport.requests[0]
    assert request.method == "POST"
    assert request.url == "http://idp.test/common/oauth2/v2.0/token"
    form = parse_qs((request.body or b"").decode())
    assert form == {
        "grant_type": ["authorization_code"],
        "code": ["the-code"],
        "redirect_uri": ["https://app.example.com/auth"],
        "scope": ["Calendars.Read Calendars.ReadWrite offline_access"],
    }
    basic = base64.b64decode(request.headers["Authorization"].removeprefix("Basic ")).decode()
    assert basic == "11111111-2222-3333-4444-555555555555:s3cr%2Bt%2F%3D"
    assert "client_secret" not in form
    assert grant.access_token == "at-1"
    assert grant.refresh_token == "rt-2"
    assert grant.expires_at == NOW + dt.timedelta(seconds=3599)
    assert grant.scopes == {"Calendars.Read", "Calendars.ReadWrite"}


@pytest.mark.anyio
async def test_refresh_sends_the_refresh_token_and_returns_the_rotated_one() -> None:
    transport = ScriptedTransport(json_answer(200, {**TOKENS, "refresh_token": "rt-3"}))
    grant = await client(transport).refresh(APP, "rt-2")
    form = parse_qs((transport.requests[0].body or b"").decode())
    assert form["grant_type"] == ["refresh_token"]
    assert form["refresh_token"] == ["rt-2"]
    assert grant.refresh_token == "rt-3"


@pytest.mark.anyio
async def test_refresh_without_a_new_refresh_token_keeps_the_old_one() -> None:
    answer = {key: value for key, value in TOKENS.items() if key != "refresh_token"}
    grant = await client(ScriptedTransport(json_answer(200, answer))).refresh(APP, "rt-2")
    assert grant.refresh_token == "rt-2"


def aad_error(error: str, code: int, status: int = 400) -> HttpResponse:
    return json_answer(
        status,
        {
            "error": error,
            "error_description": f"AADSTS{code}: Something happened.\r\nTrace ID: abc\r\n"
            "Correlation ID: def\r\nTimestamp: 2026-03-03 10:00:00Z",
            "error_codes": [code],
        },
    )


@pytest.mark.parametrize("code", [70008, 700082, 700084, 50173, 70043, 54005, 70000])
@pytest.mark.anyio
async def test_invalid_grant_means_reauthentication_is_needed(code: int) -> None:
    transport = ScriptedTransport(aad_error("invalid_grant", code))
    with pytest.raises(ReauthenticationRequired) as caught:
        await client(transport).refresh(APP, "rt")
    assert caught.value.provider_message == f"AADSTS{code}: Something happened."


@pytest.mark.anyio
async def test_interaction_required_means_reauthentication_is_needed() -> None:
    with pytest.raises(ReauthenticationRequired):
        await client(ScriptedTransport(aad_error("interaction_required", 50076))).refresh(APP, "r")


@pytest.mark.parametrize(
    ("error", "code"), [("invalid_client", 7000215), ("unauthorized_client", 700016)]
)
@pytest.mark.anyio
async def test_client_errors_mean_the_app_credentials_are_wrong(error: str, code: int) -> None:
    transport = ScriptedTransport(aad_error(error, code, status=401))
    with pytest.raises(AppCredentialsRejected) as caught:
        await client(transport).exchange_code(APP, "c")
    assert caught.value.provider_message == f"AADSTS{code}: Something happened."


@pytest.mark.anyio
async def test_other_token_errors_are_grant_refusals() -> None:
    with pytest.raises(GrantRefused):
        await client(ScriptedTransport(aad_error("invalid_scope", 70011))).exchange_code(APP, "c")


@pytest.mark.parametrize(
    "failure",
    [json_answer(503, {}), aad_error("temporarily_unavailable", 90006), TransportFailure("down")],
)
@pytest.mark.anyio
async def test_server_errors_and_no_answer_mean_the_provider_is_unavailable(
    failure: HttpResponse | Exception,
) -> None:
    with pytest.raises(ProviderUnavailable):
        await client(ScriptedTransport(failure)).exchange_code(APP, "c")


def test_first_line_keeps_the_aadsts_line_only() -> None:
    text = (
        "AADSTS700082: The refresh token has expired due to inactivity."
        " Trace ID: 4c6e Correlation ID: 9b"
    )
    assert first_line(text) == "AADSTS700082: The refresh token has expired due to inactivity."
    assert first_line(None) is None


def test_authorize_url_host_is_the_configured_authority() -> None:
    url = client(ScriptedTransport(), "http://127.0.0.1:8765/common").authorization_url(
        client_id="c", redirect_uri="http://x/cb", scope="Calendars.Read", state="s"
    )
    assert urlsplit(url).netloc == "127.0.0.1:8765"
