"""Whatever a client sends, the answer is a 4xx with a message, never a 500 (spec §13.5)."""

from fastapi.testclient import TestClient
from platform_harness import API, Tenant, create_account, create_user

NUL = "a\u0000b"


def test_nul_characters_are_refused_everywhere(client: TestClient, tenant: Tenant) -> None:
    account = create_account(client, tenant, "a-1")
    user = create_user(client, tenant, account["id"], "dana@acme.example")
    headers = tenant.headers()
    user_body = {"firstName": "A", "lastName": "B", "email": "n@x.example", "password": "p"}
    attempts = [
        ("POST", f"{API}/accounts", {"externalId": NUL}, None),
        ("POST", f"{API}/accounts", {"externalId": "ok", "name": NUL}, None),
        ("PATCH", f"{API}/accounts/{account['id']}", {"description": NUL}, None),
        ("POST", f"{API}/accounts/{account['id']}/users", {**user_body, "firstName": NUL}, None),
        (
            "POST",
            f"{API}/accounts/{account['id']}/users",
            {**user_body, "email": f"{NUL}@x.y"},
            None,
        ),
        ("POST", f"{API}/organizations/users", {**user_body, "city": NUL}, None),
        ("PATCH", f"{API}/users/{user['id']}", {"street1": NUL}, None),
        ("POST", f"{API}/authentication", {"username": NUL, "password": "p"}, None),
        ("GET", f"{API}/users/a%00b@x.example", None, None),
        ("GET", f"{API}/organizations/users/%00", None, None),
        ("GET", f"{API}/accounts", None, {"where": f"externalId = '{NUL}'"}),
    ]
    for method, path, body, params in attempts:
        response = client.request(method, path, headers=headers, json=body, params=params)
        assert 400 <= response.status_code < 500, (method, path, body, response.text)
        assert response.json()["message"], (method, path)
    listed = client.get(f"{API}/accounts", headers=headers).json()
    assert [a["externalId"] for a in listed[1:]] == ["a-1"]


def test_long_values_are_refused_or_not_found(client: TestClient, tenant: Tenant) -> None:
    long = "x" * 5000
    headers = tenant.headers()
    assert client.get(f"{API}/users/{long}@x.example", headers=headers).status_code == 404
    response = client.post(
        f"{API}/accounts", headers=headers, json={"externalId": "ok", "name": long}
    )
    assert response.status_code == 400
    response = client.get(f"{API}/accounts", headers=headers, params={"where": long})
    assert response.status_code == 400
    response = client.post(f"{API}/authentication", json={"username": long, "password": long})
    assert response.status_code == 400
    wrong_password = tenant.headers(**{"elements-user-password": long})
    response = client.get(f"{API}/users/{tenant.admin_id}", headers=wrong_password)
    assert response.status_code == 401


def test_ids_with_thousands_of_digits_are_404_not_500(client: TestClient, tenant: Tenant) -> None:
    digits = "1" * 5000
    headers = tenant.headers()
    for method, path in [
        ("GET", f"{API}/users/{digits}"),
        ("GET", f"{API}/users/{digits}/roles"),
        ("PATCH", f"{API}/users/{digits}"),
        ("GET", f"{API}/accounts/{digits}"),
        ("GET", f"{API}/organizations/users/{digits}"),
        ("DELETE", f"{API}/accounts/{digits}/users/{digits}"),
    ]:
        response = client.request(
            method, path, headers=headers, json={} if method == "PATCH" else None
        )
        assert response.status_code == 404, (method, path[:40], response.text)


def test_account_where_on_the_last_representable_day_is_answered(
    client: TestClient, tenant: Tenant
) -> None:
    headers = tenant.headers()
    for where, expected in [
        ("createdDate = '9999-12-31'", []),
        ("createdDate > '9999-12-31'", []),
        ("createdDate >= '9999-12-31'", []),
        ("createdDate <= '9999-12-31'", [tenant.admin_email]),
        ("createdDate != '9999-12-31'", [tenant.admin_email]),
    ]:
        response = client.get(f"{API}/accounts", headers=headers, params={"where": where})
        assert response.status_code == 200, (where, response.text)
        assert [a["externalId"] for a in response.json()] == expected, where


def test_an_email_whose_lowercase_outgrows_the_column_is_400(
    client: TestClient, tenant: Tenant
) -> None:
    """'İ' lowercases to two characters: 254 in, 506 in the case-insensitive key column."""
    account = create_account(client, tenant, "a-1")
    email = "a@" + "\u0130" * 252
    body = {"firstName": "A", "lastName": "B", "email": email, "password": "p"}
    response = client.post(
        f"{API}/accounts/{account['id']}/users", headers=tenant.headers(), json=body
    )
    assert response.status_code == 400, response.text
    assert "email" in response.json()["message"]
    response = client.patch(
        f"{API}/users/{tenant.admin_id}", headers=tenant.headers(), json={"email": email}
    )
    assert response.status_code == 400, response.text


def test_an_invalid_body_is_400_even_when_the_path_names_no_account(
    client: TestClient, tenant: Tenant
) -> None:
    """Body and query are validated before path ids are looked at, on every account route."""
    headers = tenant.headers()
    for method, path, body in [
        ("PATCH", "/accounts/abc", {"active": "x"}),
        ("POST", "/accounts/abc/settings", {"notification.webhook.failure.policy": 5}),
        ("POST", "/accounts/abc/users", {}),
        ("PUT", "/accounts/abc/users/1", {}),
        ("PATCH", "/accounts/abc/users/1", {"active": "x"}),
    ]:
        response = client.request(method, f"{API}{path}", headers=headers, json=body)
        assert response.status_code == 400, (method, path, response.text)
    response = client.get(f"{API}/accounts/abc/users", headers=headers, params={"pageSize": 0})
    assert response.status_code == 400
    assert client.get(f"{API}/accounts/abc/users", headers=headers).status_code == 404
