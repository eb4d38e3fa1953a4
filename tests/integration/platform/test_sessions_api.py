"""Session login and secrets (D03) through the real app, with an injected clock."""

from datetime import timedelta

from fastapi.testclient import TestClient
from platform_harness import ADMIN_PASSWORD, API, Tenant, create_account, create_user

from openelements.kit.clock import ManualClock
from openelements.platform.runtime import DEFAULT_SESSION_LIFETIME

LOGIN = f"{API}/authentication"
SECRETS = f"{API}/authentication/secrets"


def _login(client: TestClient, username: str, password: str = ADMIN_PASSWORD) -> str:
    response = client.post(LOGIN, json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"token"}
    token: str = response.json()["token"]
    return token


def test_login_then_secrets_returns_both_secrets(client: TestClient, tenant: Tenant) -> None:
    token = _login(client, "ADMIN@acme.example")
    response = client.get(SECRETS, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json() == {
        "userSecret": tenant.admin_secret,
        "organizationSecret": tenant.organization_secret,
    }
    lowercase = client.get(SECRETS, headers={"Authorization": f"bearer  {token}"})
    assert lowercase.status_code == 200


def test_login_records_the_last_login_date(
    client: TestClient, tenant: Tenant, clock: ManualClock
) -> None:
    clock.advance(timedelta(days=3))
    _login(client, tenant.admin_email)
    me = client.get(f"{API}/users/{tenant.admin_id}", headers=tenant.headers()).json()
    assert me["lastLoginDate"] == "2025-01-13"


def test_wrong_password_or_unknown_user_is_401(client: TestClient, tenant: Tenant) -> None:
    for username, password in [
        (tenant.admin_email, "wrong"),
        ("nobody@acme.example", ADMIN_PASSWORD),
    ]:
        response = client.post(LOGIN, json={"username": username, "password": password})
        assert (response.status_code, response.json()["message"]) == (
            401,
            "Invalid username or password",
        )


def test_bad_login_bodies_are_400(client: TestClient, tenant: Tenant) -> None:
    for body in ({}, {"username": "x"}, {"username": 5, "password": "p"}, ["x"]):
        assert client.post(LOGIN, json=body).status_code == 400, body


def test_deactivated_users_cannot_log_in(client: TestClient, tenant: Tenant) -> None:
    account = create_account(client, tenant, "a-1")
    create_user(client, tenant, account["id"], "dana@acme.example", password="pw-dana")
    token = _login(client, "dana@acme.example", "pw-dana")
    client.delete(f"{API}/accounts/{account['id']}", headers=tenant.headers())
    response = client.post(LOGIN, json={"username": "dana@acme.example", "password": "pw-dana"})
    assert response.status_code == 401
    assert client.get(SECRETS, headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_token_expires(client: TestClient, tenant: Tenant, clock: ManualClock) -> None:
    token = _login(client, tenant.admin_email)
    clock.advance(DEFAULT_SESSION_LIFETIME - timedelta(seconds=1))
    assert client.get(SECRETS, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    clock.advance(timedelta(seconds=1))
    response = client.get(SECRETS, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert "expired" in response.json()["message"]


def test_secrets_accept_only_a_valid_bearer_token(client: TestClient, tenant: Tenant) -> None:
    token = _login(client, tenant.admin_email)
    for header in [
        None,
        "",
        "Bearer",
        f"Bearer {token}x",
        f"Token {token}",
        f"Bearer {token}, User {tenant.admin_secret}",
        f"User {tenant.admin_secret}, Organization {tenant.organization_secret}",
        f"Bearer {tenant.admin_secret}",
    ]:
        headers = {} if header is None else {"Authorization": header}
        assert client.get(SECRETS, headers=headers).status_code == 401, header


def test_a_password_change_ends_the_users_open_sessions(client: TestClient, tenant: Tenant) -> None:
    """Whoever learned the old password (and logged in with it) loses the session with it."""
    account = create_account(client, tenant, "a-1")
    user = create_user(client, tenant, account["id"], "dana@acme.example", password="old-pass")
    token = _login(client, "dana@acme.example", "old-pass")
    admin_token = _login(client, tenant.admin_email)
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get(SECRETS, headers=bearer).status_code == 200

    changed = client.patch(
        f"{API}/users/{user['id']}", headers=tenant.headers(), json={"password": "new-pass"}
    )
    assert changed.status_code == 200
    assert client.get(SECRETS, headers=bearer).status_code == 401
    assert client.get(SECRETS, headers={"Authorization": f"Bearer {admin_token}"}).is_success
    assert client.get(
        SECRETS,
        headers={"Authorization": f"Bearer {_login(client, 'dana@acme.example', 'new-pass')}"},
    ).is_success
    # A profile change that keeps the password keeps the session.
    token = _login(client, "dana@acme.example", "new-pass")
    client.patch(f"{API}/users/{user['id']}", headers=tenant.headers(), json={"city": "X"})
    assert client.get(SECRETS, headers={"Authorization": f"Bearer {token}"}).is_success
