"""The Authorization scheme end to end (spec §3, D05, D07, D11) on the real app and database."""

import itertools

from fastapi.testclient import TestClient
from platform_harness import API, Tenant, create_account, create_user

ME = f"{API}/organizations/me"


def test_credentials_work_in_every_order_and_spacing(client: TestClient, tenant: Tenant) -> None:
    parts = {
        "User": tenant.admin_secret,
        "Organization": tenant.organization_secret,
        "Element": "fJ5HQ135fW4okMt5AWq0hzm2X7kaK5OpQB0Uxjvlz6U=",
    }
    for order in itertools.permutations(parts):
        header = " ,  ".join(f"{keyword.lower()}   {parts[keyword]}" for keyword in order)
        response = client.get(ME, headers={"Authorization": header})
        assert response.status_code == 200, (header, response.text)


MALFORMED: list[tuple[str | None, str]] = [
    (None, "Authorization header is missing"),
    ("", "the header is empty"),
    ("Bearer abc", "Bearer tokens are accepted only by GET /authentication/secrets"),
    ("User {user}", "Organization credential is missing"),
    ("Organization {org}", "User credential is missing"),
    ("User {user}, Organization {org}, User {user}", "User credential is given more than once"),
    ("User {user}, Organization", "Organization credential has no value"),
    ("User {user}, Organization {org}, Basic x", "unknown keyword 'Basic' in credential 3"),
    ("User {user},, Organization {org}", "credential 2 is empty"),
    ("User {user} x, Organization {org}", "User value must be one word"),
    ("{user}, Organization {org}", "unknown keyword in credential 1"),
]


def test_malformed_or_incomplete_headers_answer_401_naming_the_part(
    client: TestClient, tenant: Tenant
) -> None:
    for header, message in MALFORMED:
        headers = {}
        if header is not None:
            headers["Authorization"] = header.format(
                user=tenant.admin_secret, org=tenant.organization_secret
            )
        response = client.get(ME, headers=headers)
        assert response.status_code == 401, header
        assert message in response.json()["message"], header
        assert response.json()["requestId"] == response.headers["Elements-Request-Id"]
        assert tenant.admin_secret not in response.text


def test_two_authorization_headers_are_refused(client: TestClient, tenant: Tenant) -> None:
    headers = [
        ("Authorization", f"User {tenant.admin_secret}"),
        ("Authorization", f"Organization {tenant.organization_secret}"),
    ]
    response = client.get(ME, headers=headers)
    assert response.status_code == 401
    assert "one header" in response.json()["message"]


def test_unknown_secrets_are_refused(client: TestClient, tenant: Tenant) -> None:
    fake_user = "7OpR4MRo7wnPoVKkKFXHhHBUPRzqutoem/d+WEnR1kY="
    response = client.get(ME, headers=tenant.headers(fake_user))
    assert (response.status_code, response.json()["message"]) == (401, "Invalid user secret")
    response = client.get(
        ME, headers={"Authorization": f"User {tenant.admin_secret}, Organization {'0' * 32}"}
    )
    assert (response.status_code, response.json()["message"]) == (
        401,
        "Invalid organization secret",
    )


def test_secrets_under_the_wrong_keyword_are_refused(client: TestClient, tenant: Tenant) -> None:
    swapped = f"User {tenant.organization_secret}, Organization {tenant.admin_secret}"
    assert client.get(ME, headers={"Authorization": swapped}).status_code == 401
    as_element = (
        f"Element {tenant.admin_secret}, Organization {tenant.organization_secret},"
        f" User {tenant.organization_secret}"
    )
    response = client.get(ME, headers={"Authorization": as_element})
    assert (response.status_code, response.json()["message"]) == (401, "Invalid user secret")


def test_bearer_session_token_is_not_a_user_secret(client: TestClient, tenant: Tenant) -> None:
    login = client.post(
        f"{API}/authentication",
        json={"username": tenant.admin_email, "password": "correct horse battery staple"},
    )
    token = login.json()["token"]
    assert client.get(ME, headers={"Authorization": f"Bearer {token}"}).status_code == 401
    as_user = {"Authorization": f"User {token}, Organization {tenant.organization_secret}"}
    assert client.get(ME, headers=as_user).status_code == 401


def test_user_and_organization_of_different_organizations_are_refused(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    mixed = f"User {tenant.admin_secret}, Organization {other_tenant.organization_secret}"
    response = client.get(ME, headers={"Authorization": mixed})
    assert response.status_code == 401
    assert "different organizations" in response.json()["message"]


def test_deactivated_account_locks_its_users_out_until_reactivated(
    client: TestClient, tenant: Tenant
) -> None:
    account = create_account(client, tenant, "acme-001")
    user = create_user(client, tenant, account["id"], "dana@acme.example")
    assert client.get(ME, headers=tenant.headers(user["secret"])).status_code == 200

    client.delete(f"{API}/accounts/{account['id']}", headers=tenant.headers())
    response = client.get(f"{API}/users", headers=tenant.headers(user["secret"]))
    assert (response.status_code, response.json()["message"]) == (
        401,
        "The user's account is deactivated",
    )

    client.patch(f"{API}/accounts/{account['id']}", headers=tenant.headers(), json={"active": True})
    assert client.get(ME, headers=tenant.headers(user["secret"])).status_code == 200


def test_deactivated_user_gets_401_everywhere(client: TestClient, tenant: Tenant) -> None:
    account = create_account(client, tenant, "acme-001")
    user = create_user(client, tenant, account["id"], "dana@acme.example")
    assert client.delete(f"{API}/users/{user['id']}", headers=tenant.headers()).status_code == 200
    for path in (ME, f"{API}/users", f"{API}/users/{user['id']}"):
        response = client.get(path, headers=tenant.headers(user["secret"]))
        assert (response.status_code, response.json()["message"]) == (
            401,
            "The user is deactivated",
        )
