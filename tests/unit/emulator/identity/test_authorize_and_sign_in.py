"""GET /{tenant}/oauth2/v2.0/authorize and the two-step sign-in pages (G33)."""

from __future__ import annotations

import re

import httpx2
from starlette.testclient import TestClient
from token_flows import (
    AUTHORIZE_PATH,
    CLIENT_ID,
    PASSWORD,
    REDIRECT_URI,
    TENANT,
    UPN,
    authorize,
    redeem,
    redirect_params,
)

from msgraph_emulator.emulator import Emulator

PARAMS = {
    "client_id": CLIENT_ID,
    "response_type": "code",
    "redirect_uri": REDIRECT_URI,
    "scope": "openid offline_access Calendars.ReadWrite",
    "state": "xyz",
}


def _ctx(page: str) -> str:
    match = re.search(r'name="ctx" value="([^"]+)"', page)
    assert match, page
    return match.group(1)


def _interactive(client: TestClient, emulator: Emulator, **params: str) -> str:
    emulator.settings.auto_consent = False
    page = client.get(AUTHORIZE_PATH, params=PARAMS | params)
    assert page.status_code == 200
    return page.text


def _login(client: TestClient, **form: str) -> httpx2.Response:
    return client.post(f"/{TENANT}/login", data=form)


def test_auto_consent_with_login_hint_redirects_at_once(client: TestClient) -> None:
    params = authorize(client)
    assert params["state"] == "st-1"
    assert params["code"]


def test_unknown_client_shows_an_error_page_and_does_not_redirect(client: TestClient) -> None:
    answer = client.get(AUTHORIZE_PATH, params=PARAMS | {"client_id": "nobody"})
    assert answer.status_code == 400
    assert "AADSTS700016" in answer.text
    assert "location" not in answer.headers


def test_unregistered_redirect_uri_shows_an_error_page(client: TestClient) -> None:
    answer = client.get(AUTHORIZE_PATH, params=PARAMS | {"redirect_uri": "https://evil.example/"})
    assert answer.status_code == 400
    assert "AADSTS50011" in answer.text


def test_unknown_tenant_shows_an_error_page(client: TestClient) -> None:
    answer = client.get("/unknown.example/oauth2/v2.0/authorize", params=PARAMS)
    assert answer.status_code == 400
    assert "AADSTS90002" in answer.text


def test_every_known_tenant_form_is_accepted(client: TestClient, emulator: Emulator) -> None:
    for tenant in ("common", "organizations", "consumers", emulator.directory.tenant_domain):
        answer = client.get(f"/{tenant}/oauth2/v2.0/authorize", params=PARAMS | {"login_hint": UPN})
        assert answer.status_code == 302, tenant


def test_other_response_types_redirect_with_an_error(client: TestClient) -> None:
    answer = client.get(AUTHORIZE_PATH, params=PARAMS | {"response_type": "token"})
    params = redirect_params(answer.headers["location"])
    assert params["error"] == "unsupported_response_type"
    assert params["state"] == "xyz"


def test_an_invalid_scope_redirects_with_invalid_scope(client: TestClient) -> None:
    answer = client.get(AUTHORIZE_PATH, params=PARAMS | {"scope": "Mail.Nonsense"})
    assert redirect_params(answer.headers["location"])["error"] == "invalid_scope"


def test_a_user_who_refuses_consent_is_redirected_with_access_denied(
    client: TestClient, emulator: Emulator
) -> None:
    user = emulator.directory.user_by_id_or_upn(UPN)
    assert user is not None
    user.refuse_consent = True
    answer = client.get(AUTHORIZE_PATH, params=PARAMS | {"login_hint": UPN})
    assert redirect_params(answer.headers["location"])["error"] == "access_denied"


def test_prompt_none_without_a_session_is_login_required(
    client: TestClient, emulator: Emulator
) -> None:
    emulator.settings.auto_consent = False
    answer = client.get(AUTHORIZE_PATH, params=PARAMS | {"prompt": "none"})
    assert redirect_params(answer.headers["location"])["error"] == "login_required"


def test_fragment_mode_puts_the_code_in_the_fragment(client: TestClient) -> None:
    answer = client.get(
        AUTHORIZE_PATH, params=PARAMS | {"login_hint": UPN, "response_mode": "fragment"}
    )
    assert "#code=" in answer.headers["location"]


def test_form_post_mode_answers_a_self_posting_form(client: TestClient) -> None:
    answer = client.get(
        AUTHORIZE_PATH, params=PARAMS | {"login_hint": UPN, "response_mode": "form_post"}
    )
    assert answer.status_code == 200
    assert f'action="{REDIRECT_URI}"' in answer.text
    assert 'name="code"' in answer.text
    assert 'name="state" value="xyz"' in answer.text


def test_sign_in_pages_use_the_real_element_ids_and_end_with_a_code(
    client: TestClient, emulator: Emulator
) -> None:
    first = _interactive(client, emulator)
    assert 'id="i0116"' in first
    assert 'id="idSIButton9"' in first
    ctx = _ctx(first)

    second = _login(client, ctx=ctx, step="username", loginfmt=UPN)
    assert 'id="i0118"' in second.text
    assert 'id="idSIButton9"' in second.text

    consent = _login(client, ctx=ctx, step="password", passwd=PASSWORD)
    assert 'id="idSIButton9"' in consent.text
    assert 'id="ctl00_PlaceHolderMain_BtnAllow"' in consent.text

    done = _login(client, ctx=ctx, step="consent", action="accept")
    params = redirect_params(done.headers["location"])
    assert params["state"] == "xyz"
    assert redeem(client, params["code"]).status_code == 200


def test_an_unknown_username_stays_on_step_one_with_an_error(
    client: TestClient, emulator: Emulator
) -> None:
    ctx = _ctx(_interactive(client, emulator))
    page = _login(client, ctx=ctx, step="username", loginfmt="who@acme.example")
    assert 'id="i0116"' in page.text
    assert "This username may be incorrect" in page.text


def test_a_wrong_password_stays_on_step_two_with_an_error(
    client: TestClient, emulator: Emulator
) -> None:
    ctx = _ctx(_interactive(client, emulator))
    _login(client, ctx=ctx, step="username", loginfmt=UPN)
    page = _login(client, ctx=ctx, step="password", passwd="wrong")
    assert 'id="i0118"' in page.text
    assert "password is incorrect" in page.text


def test_cancel_redirects_with_access_denied(client: TestClient, emulator: Emulator) -> None:
    ctx = _ctx(_interactive(client, emulator))
    answer = _login(client, ctx=ctx, step="username", action="cancel")
    params = redirect_params(answer.headers["location"])
    assert params["error"] == "access_denied"
    assert params["state"] == "xyz"


def test_declining_consent_redirects_with_access_denied(
    client: TestClient, emulator: Emulator
) -> None:
    ctx = _ctx(_interactive(client, emulator))
    _login(client, ctx=ctx, step="username", loginfmt=UPN)
    _login(client, ctx=ctx, step="password", passwd=PASSWORD)
    answer = _login(client, ctx=ctx, step="consent", action="cancel")
    assert redirect_params(answer.headers["location"])["error"] == "access_denied"


def test_an_expired_sign_in_shows_an_error_page(client: TestClient, emulator: Emulator) -> None:
    ctx = _ctx(_interactive(client, emulator))
    emulator.clock.advance(3600)
    answer = _login(client, ctx=ctx, step="username", loginfmt=UPN)
    assert answer.status_code == 400
    assert "AADSTS50089" in answer.text


def test_login_hint_prefills_the_username(client: TestClient, emulator: Emulator) -> None:
    page = _interactive(client, emulator, login_hint=UPN)
    assert f'value="{UPN}"' in page
