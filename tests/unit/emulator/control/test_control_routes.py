"""Every call of the control API (G41)."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from msgraph_emulator.emulator import Emulator

UPN = "dana@acme.example"


def _user(client: TestClient, upn: str = UPN, **extra: object) -> dict[str, object]:
    answer = client.post(
        "/_emulator/users", json={"userPrincipalName": upn, "displayName": "Dana Swope"} | extra
    )
    assert answer.status_code == 201, answer.text
    body: dict[str, object] = answer.json()
    return body


def _token(client: TestClient, upn: str = UPN) -> str:
    answer = client.post(f"/_emulator/users/{upn}/token")
    assert answer.status_code == 200
    token: str = answer.json()["access_token"]
    return token


def test_register_an_app(client: TestClient, emulator: Emulator) -> None:
    answer = client.post(
        "/_emulator/apps",
        json={"clientId": "c-1", "clientSecret": "s", "redirectUris": ["https://a.example/cb"]},
    )
    assert answer.status_code == 201
    app = emulator.directory.app("c-1")
    assert app is not None
    assert (app.client_secret, app.redirect_uris) == ("s", ["https://a.example/cb"])


@pytest.mark.parametrize(
    "body", [{}, {"clientId": ""}, {"clientId": "c", "redirectUris": "https://x"}, []]
)
def test_bad_app_registrations_are_400(client: TestClient, body: object) -> None:
    assert client.post("/_emulator/apps", json=body).status_code == 400


def test_create_a_user_with_a_mailbox_and_default_calendar(
    client: TestClient, emulator: Emulator
) -> None:
    body = _user(client, password="pw", timeZone="Pacific Standard Time")
    user = emulator.directory.user_by_id_or_upn(str(body["id"]))
    assert user is not None
    assert (user.password, user.time_zone) == ("pw", "Pacific Standard Time")
    assert body["userPrincipalName"] == UPN
    mailbox = emulator.mailboxes[user.id]
    assert [calendar.name for calendar in mailbox.calendars.values()] == ["Calendar"]


def test_a_duplicate_user_is_409(client: TestClient) -> None:
    _user(client)
    answer = client.post("/_emulator/users", json={"userPrincipalName": UPN.upper()})
    assert answer.status_code == 409


def test_a_user_needs_a_upn(client: TestClient) -> None:
    assert client.post("/_emulator/users", json={"displayName": "x"}).status_code == 400


def test_a_user_token_works_on_graph(client: TestClient) -> None:
    _user(client)
    token = _token(client)
    answer = client.get("/v1.0/me/calendar", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["name"] == "Calendar"


def test_token_for_an_unknown_user_is_404(client: TestClient) -> None:
    assert client.post("/_emulator/users/ghost@acme.example/token").status_code == 404


def test_token_with_chosen_scopes(client: TestClient) -> None:
    _user(client)
    answer = client.post(f"/_emulator/users/{UPN}/token", json={"scopes": ["User.Read"]})
    token = answer.json()["access_token"]
    calendar = client.get("/v1.0/me/calendar", headers={"Authorization": f"Bearer {token}"})
    assert calendar.status_code == 403


def test_settings_get_and_put(client: TestClient, emulator: Emulator) -> None:
    answer = client.put(
        "/_emulator/settings",
        json={
            "autoConsent": True,
            "accessTokenLifetimeSeconds": 60,
            "defaultPageSize": 3,
            "throttle": {"concurrentPerMailbox": 2, "requestsPerWindow": 5, "windowSeconds": 30},
            "notificationTimeoutSeconds": 0.5,
        },
    )
    assert answer.status_code == 200
    shown = client.get("/_emulator/settings").json()
    assert shown["autoConsent"] is True
    assert shown["throttle"] == {
        "concurrentPerMailbox": 2,
        "requestsPerWindow": 5,
        "windowSeconds": 30,
    }
    assert emulator.settings.default_page_size == 3
    assert emulator.settings.notification_timeout_seconds == 0.5


def test_bad_settings_are_400(client: TestClient) -> None:
    answer = client.put("/_emulator/settings", json={"autoConsent": "on"})
    assert answer.status_code == 400
    assert "autoConsent" in answer.json()["error"]["message"]


def test_access_token_lifetime_setting_applies_to_new_tokens(client: TestClient) -> None:
    _user(client)
    client.put("/_emulator/settings", json={"accessTokenLifetimeSeconds": 120})
    assert client.post(f"/_emulator/users/{UPN}/token").json()["expires_in"] == 120


def test_faults_are_added_listed_used_and_cleared(client: TestClient) -> None:
    _user(client)
    headers = {"Authorization": f"Bearer {_token(client)}"}
    added = client.post(
        "/_emulator/faults",
        json={
            "method": "GET",
            "pathRegex": "/calendar$",
            "status": 504,
            "times": 1,
            "retryAfter": 3,
        },
    )
    assert added.status_code == 201
    assert len(client.get("/_emulator/faults").json()) == 1
    failed = client.get("/v1.0/me/calendar", headers=headers)
    assert (failed.status_code, failed.headers["retry-after"]) == (504, "3")
    assert client.get("/v1.0/me/calendar", headers=headers).status_code == 200
    client.post("/_emulator/faults", json={"status": 500, "times": 5})
    assert client.delete("/_emulator/faults").status_code == 204
    assert client.get("/v1.0/me/calendar", headers=headers).status_code == 200


def test_a_bad_fault_is_400(client: TestClient) -> None:
    assert client.post("/_emulator/faults", json={"status": "x"}).status_code == 400


def test_expire_tokens_for_everyone_or_one_user(client: TestClient) -> None:
    _user(client)
    _user(client, "lee@acme.example")
    dana, lee = _token(client), _token(client, "lee@acme.example")
    expired = client.post("/_emulator/tokens/expire", json={"userPrincipalName": UPN})
    assert expired.json() == {"expired": 1}
    answer = client.get("/v1.0/me/calendar", headers={"Authorization": f"Bearer {dana}"})
    assert answer.status_code == 401
    assert answer.json()["error"]["message"] == "Lifetime validation failed, the token is expired."
    assert (
        client.get("/v1.0/me/calendar", headers={"Authorization": f"Bearer {lee}"}).status_code
        == 200
    )
    client.post("/_emulator/tokens/expire")
    assert (
        client.get("/v1.0/me/calendar", headers={"Authorization": f"Bearer {lee}"}).status_code
        == 401
    )


def test_revoke_tokens_counts_refresh_grants(client: TestClient, emulator: Emulator) -> None:
    _user(client)
    assert client.post("/_emulator/tokens/revoke").json() == {"revoked": 0}
    answer = client.post("/_emulator/tokens/revoke", json={"userPrincipalName": "ghost@x.example"})
    assert answer.status_code == 404


def test_requests_since_lists_what_came_after(client: TestClient) -> None:
    _user(client)
    client.get("/v1.0/me/calendar")
    client.get("/v1.0/me/calendar?$select=name")
    everything = client.get("/_emulator/requests").json()
    assert [entry["status"] for entry in everything] == [401, 401]
    assert everything[1]["query"] == "$select=name"
    later = client.get(f"/_emulator/requests?since={everything[0]['seq']}").json()
    assert later == everything[1:]
    assert set(later[0]) >= {"seq", "method", "path", "query", "status", "user", "at", "grantType"}
    assert client.get("/_emulator/requests?since=x").status_code == 400


def test_control_calls_are_not_recorded(client: TestClient) -> None:
    client.get("/_emulator/settings")
    assert client.get("/_emulator/requests").json() == []


def test_reset_empties_the_store(client: TestClient, emulator: Emulator) -> None:
    _user(client)
    client.post("/_emulator/apps", json={"clientId": "c-1"})
    client.post("/_emulator/faults", json={"status": 500})
    assert client.post("/_emulator/reset").status_code == 204
    assert emulator.directory.users == {}
    assert emulator.directory.apps == {}
    assert emulator.mailboxes == {}
    assert emulator.faults.active() == []
    assert client.post(f"/_emulator/users/{UPN}/token").status_code == 404


def test_directory_listeners_hear_of_users_apps_and_tokens(
    client: TestClient, emulator: Emulator
) -> None:
    heard: list[str] = []
    emulator.directory_listeners.append(lambda: heard.append("changed"))
    client.post("/_emulator/apps", json={"clientId": "c-1", "clientSecret": "s"})
    _user(client)
    _token(client)
    client.post("/_emulator/tokens/expire")
    client.post("/_emulator/tokens/revoke")
    client.get("/_emulator/settings")
    assert len(heard) == 5


def test_advancing_the_clock_past_year_9999_is_400_and_the_emulator_keeps_working(
    client: TestClient,
) -> None:
    for seconds in (1e300, 1e12):
        answer = client.post("/_emulator/clock", json={"advanceSeconds": seconds})
        assert answer.status_code == 400
    assert client.get("/_emulator/clock").json()["offsetSeconds"] == 0
