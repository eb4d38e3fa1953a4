"""POST /{tenant}/oauth2/v2.0/token: grants, rotation and every documented error (§15.6)."""

from __future__ import annotations

import base64
from urllib.parse import quote

import httpx2
from starlette.testclient import TestClient
from token_flows import (
    AUTHORIZE_PATH,
    CLIENT_ID,
    PUBLIC_CLIENT_ID,
    REDIRECT_URI,
    SECRET,
    TENANT,
    TOKEN_PATH,
    UPN,
    aadsts,
    authorize,
    claims_of,
    redeem,
    refresh,
    s256,
)

from msgraph_emulator.emulator import Emulator


def test_code_redemption_answers_tokens_with_short_scopes_and_ext_expires_in(
    client: TestClient,
) -> None:
    code = authorize(client)["code"]
    answer = redeem(client, code)
    body = answer.json()
    assert answer.status_code == 200
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "Calendars.ReadWrite openid"
    assert body["expires_in"] == body["ext_expires_in"] == 3599
    assert body["refresh_token"].startswith("1.")
    assert claims_of(body["access_token"])["scp"] == "Calendars.ReadWrite"
    assert answer.headers["cache-control"].startswith("no-store")


def test_access_token_carries_the_g39_claims(client: TestClient, emulator: Emulator) -> None:
    body = redeem(client, authorize(client)["code"]).json()
    claims = claims_of(body["access_token"])
    user = emulator.directory.user_by_id_or_upn(UPN)
    assert user is not None
    assert claims["aud"] == "https://graph.microsoft.com"
    assert claims["iss"] == f"https://sts.windows.net/{emulator.directory.tenant_id}/"
    assert claims["ver"] == "1.0"
    assert claims["appid"] == CLIENT_ID
    assert claims["oid"] == claims["sub"] == user.id
    assert claims["upn"] == claims["unique_name"] == UPN
    assert claims["exp"] - claims["iat"] == 3599


def test_id_token_echoes_the_nonce_and_names_the_user(client: TestClient) -> None:
    code = authorize(client, nonce="n-0S6_WzA2Mj")["code"]
    claims = claims_of(redeem(client, code).json()["id_token"])
    assert claims["nonce"] == "n-0S6_WzA2Mj"
    assert claims["aud"] == CLIENT_ID
    assert claims["preferred_username"] == UPN
    assert claims["ver"] == "2.0"


def test_without_offline_access_there_is_no_refresh_token(client: TestClient) -> None:
    code = authorize(client, scope="Calendars.Read")["code"]
    body = redeem(client, code).json()
    assert "refresh_token" not in body
    assert "id_token" not in body


def test_client_info_is_added_when_asked(client: TestClient, emulator: Emulator) -> None:
    body = redeem(client, authorize(client)["code"], client_info="1").json()
    padded = body["client_info"] + "=" * (-len(body["client_info"]) % 4)
    info = base64.urlsafe_b64decode(padded).decode()
    assert emulator.directory.tenant_id in info


def test_client_secret_may_come_as_http_basic(client: TestClient) -> None:
    code = authorize(client)["code"]
    basic = base64.b64encode(f"{quote(CLIENT_ID)}:{quote(SECRET)}".encode()).decode()
    answer = client.post(
        TOKEN_PATH,
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert answer.status_code == 200, answer.text


def test_a_code_redeemed_twice_is_aadsts54005(client: TestClient) -> None:
    code = authorize(client)["code"]
    assert redeem(client, code).status_code == 200
    assert aadsts(redeem(client, code)) == (400, "invalid_grant", 54005)


def test_an_expired_code_is_aadsts70008(client: TestClient, emulator: Emulator) -> None:
    code = authorize(client)["code"]
    emulator.clock.advance(601)
    assert aadsts(redeem(client, code)) == (400, "invalid_grant", 70008)


def test_an_unknown_code_is_malformed(client: TestClient) -> None:
    assert aadsts(redeem(client, "nonsense")) == (400, "invalid_grant", 9002313)


def test_pkce_s256_verifier_must_match(client: TestClient) -> None:
    verifier = "v" * 50
    good = authorize(client, code_challenge=s256(verifier), code_challenge_method="S256")["code"]
    bad = authorize(client, code_challenge=s256(verifier), code_challenge_method="S256")["code"]
    assert redeem(client, good, code_verifier=verifier).status_code == 200
    assert aadsts(redeem(client, bad, code_verifier="w" * 50)) == (400, "invalid_grant", 501481)


def test_pkce_plain_is_the_default_method(client: TestClient) -> None:
    code = authorize(client, code_challenge="plain-verifier-value-1234567890123456789012")["code"]
    answer = redeem(client, code, code_verifier="plain-verifier-value-1234567890123456789012")
    assert answer.status_code == 200


def test_pkce_without_verifier_names_the_missing_parameter(client: TestClient) -> None:
    code = authorize(client, code_challenge=s256("x" * 43), code_challenge_method="S256")["code"]
    answer = redeem(client, code)
    assert aadsts(answer) == (400, "invalid_request", 900144)
    assert "code_verifier" in answer.json()["error_description"]


def test_redirect_uri_must_match_the_authorize_request(client: TestClient) -> None:
    code = authorize(client)["code"]
    answer = redeem(client, code, redirect_uri="https://app.example/other")
    assert aadsts(answer) == (400, "invalid_request", 50011)


def test_missing_grant_type_is_aadsts900144(client: TestClient) -> None:
    answer = client.post(TOKEN_PATH, data={"client_id": CLIENT_ID})
    assert aadsts(answer) == (400, "invalid_request", 900144)


def test_unknown_grant_type_is_unsupported(client: TestClient) -> None:
    answer = client.post(TOKEN_PATH, data={"grant_type": "password", "client_id": CLIENT_ID})
    assert aadsts(answer) == (400, "unsupported_grant_type", 70003)


def test_unknown_client_is_unauthorized_client(client: TestClient) -> None:
    answer = redeem(client, "x", client_id="00000000-0000-0000-0000-000000000000")
    assert aadsts(answer) == (400, "unauthorized_client", 700016)


def test_wrong_secret_is_invalid_client_401(client: TestClient) -> None:
    assert aadsts(redeem(client, "x", client_secret="nope")) == (401, "invalid_client", 7000215)


def test_missing_secret_is_invalid_client_401(client: TestClient) -> None:
    assert aadsts(redeem(client, "x", client_secret="")) == (401, "invalid_client", 7000218)


def test_public_client_sending_a_secret_is_aadsts700025(client: TestClient) -> None:
    answer = redeem(client, "x", client_id=PUBLIC_CLIENT_ID, client_secret="anything")
    assert aadsts(answer) == (401, "invalid_client", 700025)


def test_public_client_redeems_with_pkce_and_no_secret(client: TestClient) -> None:
    verifier = "p" * 43
    code = authorize(
        client,
        client_id=PUBLIC_CLIENT_ID,
        code_challenge=s256(verifier),
        code_challenge_method="S256",
    )["code"]
    answer = redeem(
        client, code, client_id=PUBLIC_CLIENT_ID, client_secret="", code_verifier=verifier
    )
    assert answer.status_code == 200, answer.text


def test_unknown_tenant_is_aadsts90002(client: TestClient) -> None:
    answer = client.post("/nowhere.example/oauth2/v2.0/token", data={"grant_type": "x"})
    assert aadsts(answer) == (400, "invalid_request", 90002)


def test_error_body_has_the_real_fields(client: TestClient) -> None:
    answer = client.post(
        TOKEN_PATH, data={"client_id": CLIENT_ID}, headers={"client-request-id": "corr-1"}
    )
    body = answer.json()
    assert body["correlation_id"] == "corr-1"
    assert body["error_description"].startswith("AADSTS900144: ")
    assert "\r\nTrace ID: " in body["error_description"]
    assert "\r\nTimestamp: " in body["error_description"]
    assert body["timestamp"].endswith("Z")
    assert body["trace_id"]
    assert body["error_uri"].endswith("error?code=900144")


# --- refresh tokens (G35) ------------------------------------------------------------------


def _refresh_token(client: TestClient) -> str:
    token: str = redeem(client, authorize(client)["code"]).json()["refresh_token"]
    return token


def test_refresh_rotates_and_the_old_token_keeps_working(client: TestClient) -> None:
    first = _refresh_token(client)
    second = refresh(client, first).json()["refresh_token"]
    assert second != first
    assert refresh(client, first).status_code == 200
    assert refresh(client, second).status_code == 200


def test_strict_rotation_kills_a_used_token(client: TestClient, emulator: Emulator) -> None:
    emulator.settings.strict_refresh_rotation = True
    first = _refresh_token(client)
    assert refresh(client, first).status_code == 200
    assert aadsts(refresh(client, first)) == (400, "invalid_grant", 70000)


def test_revoked_refresh_token_is_aadsts50173(client: TestClient, emulator: Emulator) -> None:
    token = _refresh_token(client)
    emulator.directory.grants.revoke_refresh()
    assert aadsts(refresh(client, token)) == (400, "invalid_grant", 50173)


def test_inactive_refresh_token_is_aadsts700082(client: TestClient, emulator: Emulator) -> None:
    token = _refresh_token(client)
    emulator.clock.advance(90 * 24 * 3600)
    assert aadsts(refresh(client, token)) == (400, "invalid_grant", 700082)


def test_refresh_for_unconsented_scope_is_aadsts65001(client: TestClient) -> None:
    token = _refresh_token(client)
    answer = refresh(client, token, scope="Contacts.ReadWrite offline_access")
    assert aadsts(answer) == (400, "invalid_grant", 65001)


def test_refresh_with_dot_default_gets_the_consented_scopes(client: TestClient) -> None:
    token = _refresh_token(client)
    answer = refresh(client, token, scope="https://graph.microsoft.com/.default offline_access")
    assert answer.json()["scope"] == "Calendars.ReadWrite"


def test_refresh_token_of_another_client_is_refused(client: TestClient) -> None:
    token = _refresh_token(client)
    answer = refresh(client, token, client_id=PUBLIC_CLIENT_ID, client_secret="")
    assert aadsts(answer) == (400, "invalid_grant", 70000)


def test_unknown_refresh_token_is_malformed(client: TestClient) -> None:
    assert aadsts(refresh(client, "1.garbage")) == (400, "invalid_grant", 9002313)


def test_unknown_scope_is_invalid_scope(client: TestClient) -> None:
    answer = refresh(client, _refresh_token(client), scope="Files.Nope")
    assert aadsts(answer) == (400, "invalid_scope", 70011)


# --- client credentials ---------------------------------------------------------------------


def _client_credentials(client: TestClient, tenant: str, scope: str) -> httpx2.Response:
    return client.post(
        f"/{tenant}/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": SECRET,
            "scope": scope,
        },
    )


def test_client_credentials_gives_an_app_token_with_roles(
    client: TestClient, emulator: Emulator
) -> None:
    answer = _client_credentials(
        client, emulator.directory.tenant_id, "https://graph.microsoft.com/.default"
    )
    body = answer.json()
    assert "refresh_token" not in body
    assert "id_token" not in body
    assert "Calendars.ReadWrite" in claims_of(body["access_token"])["roles"]


def test_client_credentials_over_common_is_refused(client: TestClient) -> None:
    answer = _client_credentials(client, "common", "https://graph.microsoft.com/.default")
    assert aadsts(answer) == (400, "invalid_request", 9001023)


def test_client_credentials_needs_a_dot_default_scope(
    client: TestClient, emulator: Emulator
) -> None:
    answer = _client_credentials(client, emulator.directory.tenant_domain, "Calendars.Read")
    assert aadsts(answer)[:2] == (400, "invalid_scope")


def test_token_requests_are_recorded_with_their_grant_type(
    client: TestClient, emulator: Emulator
) -> None:
    refresh(client, _refresh_token(client))
    grants = [entry.grant_type for entry in emulator.request_log.since(0)]
    assert grants.count("refresh_token") == 1
    assert grants.count("authorization_code") == 1
    assert emulator.request_log.since(0)[-1].user == UPN


def test_form_bodies_that_are_not_utf8_answer_400_malformed_not_500(client: TestClient) -> None:
    form = {"content-type": "application/x-www-form-urlencoded"}
    garbled = b"grant_type=\xff\xfe&client_id=x"
    answer = client.post(TOKEN_PATH, content=garbled, headers=form)
    assert aadsts(answer) == (400, "invalid_request", 9002313)
    for path in (AUTHORIZE_PATH, f"/{TENANT}/login"):
        assert client.post(path, content=garbled, headers=form).status_code == 400
