"""G30: how /v1.0 answers token problems and missing scopes."""

from __future__ import annotations

from datetime import timedelta

import httpx2
import pytest
from probe_app import OTHER_UPN, UPN, bearer, probe_app, seeded_emulator
from starlette.testclient import TestClient

from msgraph_emulator.emulator import Emulator
from msgraph_emulator.identity.jwt import SigningKey
from msgraph_emulator.identity.tokens import mint_access_token

EMPTY = "Access token is empty."
EXPIRED = "Lifetime validation failed, the token is expired."
NOT_YET = "Access token has expired or is not yet valid."
INVALID = "CompactToken validation failed with reason code: 80049228."


@pytest.fixture
def emulator(signing_key: SigningKey) -> Emulator:
    return seeded_emulator(signing_key)


@pytest.fixture
def client(emulator: Emulator) -> TestClient:
    return TestClient(probe_app(emulator))


def _error(answer: httpx2.Response) -> tuple[int, str, str]:
    body = answer.json()["error"]
    return answer.status_code, body["code"], body["message"]


def test_a_valid_token_reaches_the_handler(client: TestClient, emulator: Emulator) -> None:
    answer = client.get("/v1.0/me/probe", headers=bearer(emulator))
    assert answer.status_code == 200
    assert answer.json() == {"user": UPN}


@pytest.mark.parametrize("header", [None, "", "Bearer ", "Basic abc"])
def test_no_token_is_access_token_is_empty(client: TestClient, header: str | None) -> None:
    headers = {"Authorization": header} if header is not None else {}
    answer = client.get("/v1.0/me/probe", headers=headers)
    assert _error(answer) == (401, "InvalidAuthenticationToken", EMPTY)


def test_every_401_carries_the_bearer_challenge(client: TestClient, emulator: Emulator) -> None:
    challenge = client.get("/v1.0/me/probe").headers["www-authenticate"]
    assert challenge == (
        f'Bearer realm="", authorization_uri="{emulator.origin}/common/oauth2/authorize", '
        'client_id="00000003-0000-0000-c000-000000000000"'
    )


def test_an_expired_token_fails_lifetime_validation(client: TestClient, emulator: Emulator) -> None:
    headers = bearer(emulator)
    emulator.clock.advance(3600)
    assert _error(client.get("/v1.0/me/probe", headers=headers)) == (
        401,
        "InvalidAuthenticationToken",
        EXPIRED,
    )


def test_a_token_from_the_future_is_not_yet_valid(client: TestClient, emulator: Emulator) -> None:
    user = emulator.directory.user_by_id_or_upn(UPN)
    token = mint_access_token(
        emulator.directory,
        now=emulator.clock.now() + timedelta(minutes=5),
        lifetime_seconds=3600,
        client_id="c",
        user=user,
        scopes=("Calendars.Read",),
    )
    answer = client.get("/v1.0/me/probe", headers={"Authorization": f"Bearer {token.value}"})
    assert _error(answer) == (401, "InvalidAuthenticationToken", NOT_YET)


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "eyJhbGciOiJSUzI1NiJ9.e30.AAAA"])
def test_unparsable_tokens_fail_compact_validation(client: TestClient, token: str) -> None:
    answer = client.get("/v1.0/me/probe", headers={"Authorization": f"Bearer {token}"})
    assert _error(answer) == (401, "InvalidAuthenticationToken", INVALID)


def test_a_tampered_token_fails_compact_validation(client: TestClient, emulator: Emulator) -> None:
    value = bearer(emulator)["Authorization"]
    tampered = value[:-4] + ("AAAA" if not value.endswith("AAAA") else "BBBB")
    answer = client.get("/v1.0/me/probe", headers={"Authorization": tampered})
    assert _error(answer) == (401, "InvalidAuthenticationToken", INVALID)


def test_a_token_signed_by_another_emulator_is_refused(client: TestClient) -> None:
    stranger = Emulator(signing_key=SigningKey.generate())
    user = stranger.create_user(user_principal_name=UPN, display_name="Dana")
    token = stranger.issue_user_token(user).value
    answer = client.get("/v1.0/me/probe", headers={"Authorization": f"Bearer {token}"})
    assert _error(answer) == (401, "InvalidAuthenticationToken", INVALID)


def test_a_token_for_another_audience_is_refused(client: TestClient, emulator: Emulator) -> None:
    claims = {"aud": "api://other", "uti": "x", "nbf": 0, "exp": 2**40}
    token = emulator.directory.signing_key.sign(claims)
    answer = client.get("/v1.0/me/probe", headers={"Authorization": f"Bearer {token}"})
    assert _error(answer) == (401, "InvalidAuthenticationToken", INVALID)


def test_tokens_ended_by_the_control_api_are_expired(
    client: TestClient, emulator: Emulator
) -> None:
    headers = bearer(emulator)
    emulator.directory.grants.expire_access(now=emulator.clock.now())
    assert _error(client.get("/v1.0/me/probe", headers=headers))[2] == EXPIRED


def test_reads_need_calendars_read(client: TestClient, emulator: Emulator) -> None:
    headers = bearer(emulator, scopes=("User.Read",))
    assert _error(client.get("/v1.0/me/probe", headers=headers)) == (
        403,
        "ErrorAccessDenied",
        "Access is denied. Check credentials and try again.",
    )


def test_writes_need_calendars_readwrite(client: TestClient, emulator: Emulator) -> None:
    read_only = bearer(emulator, scopes=("Calendars.Read",))
    assert client.get("/v1.0/me/probe", headers=read_only).status_code == 200
    assert client.post("/v1.0/me/probe", headers=read_only).status_code == 403
    writer = bearer(emulator, scopes=("Calendars.ReadWrite",))
    assert client.post("/v1.0/me/probe", headers=writer).status_code == 201


def test_me_needs_user_read(client: TestClient, emulator: Emulator) -> None:
    assert (
        client.get("/v1.0/me", headers=bearer(emulator, scopes=("Calendars.Read",))).status_code
        == 403
    )
    assert (
        client.get("/v1.0/me", headers=bearer(emulator, scopes=("User.Read",))).status_code == 200
    )


def test_me_with_an_app_token_is_g02(client: TestClient, emulator: Emulator) -> None:
    token = mint_access_token(
        emulator.directory,
        now=emulator.clock.now(),
        lifetime_seconds=600,
        client_id="app-1",
        user=None,
        roles=("Calendars.ReadWrite",),
    )
    answer = client.get("/v1.0/me/probe", headers={"Authorization": f"Bearer {token.value}"})
    assert _error(answer) == (
        400,
        "BadRequest",
        "/me request is only valid with delegated authentication flow.",
    )
    other = client.get(
        f"/v1.0/users/{UPN}/probe", headers={"Authorization": f"Bearer {token.value}"}
    )
    assert other.json() == {"user": UPN}


def test_users_path_accepts_id_or_upn_case_insensitively(
    client: TestClient, emulator: Emulator
) -> None:
    user = emulator.directory.user_by_id_or_upn(UPN)
    assert user is not None
    for key in (user.id, UPN.upper()):
        assert client.get(f"/v1.0/users/{key}/probe", headers=bearer(emulator)).json() == {
            "user": UPN
        }


def test_unknown_user_is_404(client: TestClient, emulator: Emulator) -> None:
    answer = client.get("/v1.0/users/ghost@acme.example/probe", headers=bearer(emulator))
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "ErrorInvalidUser"


def test_another_users_mailbox_is_denied_to_a_delegated_token(
    client: TestClient, emulator: Emulator
) -> None:
    answer = client.get(f"/v1.0/users/{OTHER_UPN}/probe", headers=bearer(emulator))
    assert _error(answer)[:2] == (403, "ErrorAccessDenied")


def test_me_token_to_replace_is_an_alias_of_me(client: TestClient, emulator: Emulator) -> None:
    answer = client.get("/v1.0/users/me-token-to-replace/probe", headers=bearer(emulator))
    assert answer.json() == {"user": UPN}


def test_a_token_issued_before_a_reset_is_unknown(client: TestClient, emulator: Emulator) -> None:
    headers = bearer(emulator)
    emulator.reset()
    emulator.create_user(user_principal_name=UPN, display_name="Dana again")
    assert _error(client.get("/v1.0/me/probe", headers=headers))[2] == INVALID


def test_pruned_tokens_still_answer_expired(client: TestClient, emulator: Emulator) -> None:
    headers = bearer(emulator)
    emulator.clock.advance(7200)
    emulator.directory.grants.prune(now=emulator.clock.now(), refresh_inactivity=timedelta(days=90))
    assert emulator.directory.grants.access == {}
    assert _error(client.get("/v1.0/me/probe", headers=headers))[2] == EXPIRED


def test_the_request_log_keeps_the_path_as_sent(client: TestClient, emulator: Emulator) -> None:
    client.get("/v1.0/users/me-token-to-replace/probe", headers=bearer(emulator))
    assert emulator.request_log.since(0)[0].path == "/v1.0/users/me-token-to-replace/probe"
