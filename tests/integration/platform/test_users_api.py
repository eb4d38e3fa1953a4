"""Users, roles and organization users (spec §4.4, D12) through the real app."""

from typing import Any

from fastapi.testclient import TestClient
from platform_harness import API, USER_PASSWORD, Tenant, create_account, create_user

USERS = f"{API}/users"


def test_created_user_has_the_documented_shape_and_its_secret(
    client: TestClient, tenant: Tenant
) -> None:
    account = create_account(client, tenant, "acme-001")
    body = {
        "firstName": "Dana",
        "lastName": "Swope",
        "email": "Dana@Acme.example",
        "password": USER_PASSWORD,
        "city": "Denver",
        "roles": [{"key": "admin"}],
        "ignored": True,
    }
    response = client.post(
        f"{API}/accounts/{account['id']}/users", headers=tenant.headers(), json=body
    )
    assert response.status_code == 200
    user = response.json()
    assert len(user["secret"]) == 44
    assert user == {
        "id": user["id"],
        "accountId": account["id"],
        "createdDate": "2025-01-10",
        "firstName": "Dana",
        "lastName": "Swope",
        "fullName": "Dana Swope",
        "email": "Dana@Acme.example",
        "active": True,
        "enabled": True,
        "accountExpired": False,
        "accountLocked": False,
        "credentialsExpired": False,
        "accountNonExpired": True,
        "credentialsNonExpired": True,
        "accountNonLocked": True,
        "emailValid": True,
        "lastLoginDate": "1970-01-01",
        "city": "Denver",
        "roles": [
            {
                "id": 3,
                "name": "Administrator",
                "key": "admin",
                "active": True,
                "description": "Account Administrator",
                "features": [],
            }
        ],
        "secret": user["secret"],
    }
    assert "password" not in user
    assert USER_PASSWORD not in response.text


def test_lists_show_password_secured_and_never_a_secret_or_hash(
    client: TestClient, tenant: Tenant
) -> None:
    account = create_account(client, tenant, "acme-001")
    created = create_user(client, tenant, account["id"], "dana@acme.example")
    for path in (f"{API}/accounts/{account['id']}/users", USERS, f"{API}/organizations/users"):
        response = client.get(path, headers=tenant.headers())
        assert response.status_code == 200
        for user in response.json():
            assert user["password"] == "secured"
            assert "secret" not in user
        assert created["secret"] not in response.text
        assert "argon2" not in response.text
        assert tenant.admin_secret not in response.text


def test_account_without_users_answers_no_users_found(client: TestClient, tenant: Tenant) -> None:
    account = create_account(client, tenant, "empty")
    response = client.get(f"{API}/accounts/{account['id']}/users", headers=tenant.headers())
    assert (response.status_code, response.json()["message"]) == (404, "No users found")


def test_email_is_unique_across_the_installation_ignoring_case(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    account = create_account(client, tenant, "a-1")
    create_user(client, tenant, account["id"], "dana@acme.example")
    theirs = create_account(client, other_tenant, "b-1")
    for owner, account_id, email in [
        (tenant, account["id"], "dana@acme.example"),
        (other_tenant, theirs["id"], "DANA@acme.example"),
        (tenant, account["id"], tenant.admin_email),
    ]:
        body = {"firstName": "A", "lastName": "B", "email": email, "password": "p"}
        response = client.post(
            f"{API}/accounts/{account_id}/users", headers=owner.headers(), json=body
        )
        assert response.status_code == 409, email
    other = create_user(client, tenant, account["id"], "lee@acme.example")
    response = client.patch(
        f"{USERS}/{other['id']}", headers=tenant.headers(), json={"email": "Dana@acme.example"}
    )
    assert response.status_code == 409
    assert client.get(f"{USERS}/{other['id']}", headers=tenant.headers()).json()["email"] == (
        "lee@acme.example"
    )


def test_bad_user_bodies_are_400_listing_every_problem(client: TestClient, tenant: Tenant) -> None:
    account = create_account(client, tenant, "a-1")
    url = f"{API}/accounts/{account['id']}/users"
    response = client.post(url, headers=tenant.headers(), json={"email": "not-an-email"})
    assert response.status_code == 400
    message = response.json()["message"]
    for problem in ("firstName: required", "lastName: required", "password: required", "email"):
        assert problem in message
    for email in ("a b@x.example", "a@@x", "@x", "a@", "a\u0000@x.example", "x" * 300 + "@y.z"):
        body = {"firstName": "A", "lastName": "B", "email": email, "password": "p"}
        assert client.post(url, headers=tenant.headers(), json=body).status_code == 400, email
    body = {"firstName": "A", "lastName": "B", "email": "ok@x.example", "password": "p"}
    for roles in ([{"key": "org-admin"}], [{"key": "root"}], [{"nokey": 1}], "admin"):
        response = client.post(url, headers=tenant.headers(), json={**body, "roles": roles})
        assert response.status_code == 400, roles
    assert client.get(url, headers=tenant.headers()).status_code == 404


def test_odd_user_characters_and_ids_never_fail_the_server(
    client: TestClient, tenant: Tenant
) -> None:
    account = create_account(client, tenant, "a-1")
    odd = "o'brien+tag%x@acme.example"
    create_user(client, tenant, account["id"], odd)
    assert client.get(f"{USERS}/{odd}", headers=tenant.headers()).json()["email"] == odd
    for lookup in ("nobody@x.example", "99999999999999999999999", "0", "-1", "%F0%9F%98%80", "é"):
        assert client.get(f"{USERS}/{lookup}", headers=tenant.headers()).status_code == 404
    for user_id in ("abc", "1.0", "99999999999999999999999"):
        for method, path in [
            ("PATCH", f"{USERS}/{user_id}"),
            ("DELETE", f"{USERS}/{user_id}"),
            ("GET", f"{USERS}/{user_id}/roles"),
            ("PUT", f"{USERS}/{user_id}/roles/admin"),
        ]:
            response = client.request(method, path, headers=tenant.headers(), json={})
            assert response.status_code == 404, (method, path, response.text)


def test_patch_updates_profile_and_password(client: TestClient, tenant: Tenant) -> None:
    account = create_account(client, tenant, "a-1")
    user = create_user(client, tenant, account["id"], "dana@acme.example")
    response = client.patch(
        f"{USERS}/{user['id']}",
        headers=tenant.headers(),
        json={"firstName": "Danielle", "password": "new-password", "phone": "555"},
    )
    assert response.status_code == 200
    assert (response.json()["fullName"], response.json()["phone"]) == ("Danielle Swope", "555")
    login = {"username": "dana@acme.example", "password": "new-password"}
    assert client.post(f"{API}/authentication", json=login).status_code == 200


def test_put_replaces_the_profile_and_roles(client: TestClient, tenant: Tenant) -> None:
    account = create_account(client, tenant, "a-1")
    user = create_user(client, tenant, account["id"], "dana@acme.example", roles=["admin"])
    client.patch(f"{USERS}/{user['id']}", headers=tenant.headers(), json={"city": "Denver"})
    body = {"firstName": "D", "lastName": "S", "email": "d@acme.example", "roles": []}
    response = client.put(
        f"{API}/accounts/{account['id']}/users/{user['id']}", headers=tenant.headers(), json=body
    )
    replaced = response.json()
    assert (replaced["email"], replaced["roles"], "city" in replaced) == (
        "d@acme.example",
        [],
        False,
    )


def test_deactivated_user_can_be_reactivated(client: TestClient, tenant: Tenant) -> None:
    account = create_account(client, tenant, "a-1")
    user = create_user(client, tenant, account["id"], "dana@acme.example")
    url = f"{API}/accounts/{account['id']}/users/{user['id']}"
    assert client.delete(url, headers=tenant.headers()).json()["active"] is False
    assert client.patch(url, headers=tenant.headers(), json={"active": True}).json()["active"]
    assert client.get(f"{API}/organizations/me", headers=tenant.headers(user["secret"])).is_success


def test_nobody_deactivates_themself(client: TestClient, tenant: Tenant) -> None:
    response = client.delete(f"{USERS}/{tenant.admin_id}", headers=tenant.headers())
    assert response.status_code == 400
    assert client.get(f"{API}/organizations/me", headers=tenant.headers()).is_success


def test_account_admin_manages_own_account_users_only(client: TestClient, tenant: Tenant) -> None:
    account = create_account(client, tenant, "a-1")
    elsewhere = create_account(client, tenant, "a-2")
    boss = create_user(client, tenant, account["id"], "boss@acme.example", roles=["admin"])
    worker = create_user(client, tenant, account["id"], "worker@acme.example")
    stranger = create_user(client, tenant, elsewhere["id"], "stranger@acme.example")
    headers = tenant.headers(boss["secret"])

    listed = client.get(USERS, headers=headers).json()
    assert sorted(u["email"] for u in listed) == ["boss@acme.example", "worker@acme.example"]
    assert client.patch(
        f"{USERS}/{worker['id']}", headers=headers, json={"lastName": "X"}
    ).is_success
    assert client.put(f"{USERS}/{worker['id']}/roles/admin", headers=headers).is_success
    assert client.get(f"{USERS}/{stranger['id']}", headers=headers).status_code == 404
    response = client.patch(f"{USERS}/{stranger['id']}", headers=headers, json={"lastName": "X"})
    assert response.status_code == 404
    assert client.delete(f"{USERS}/{stranger['id']}", headers=headers).status_code == 404
    assert client.put(f"{USERS}/{worker['id']}/roles/org-admin", headers=headers).status_code == 403


def test_plain_user_sees_only_themself_and_changes_nobody_else(
    client: TestClient, tenant: Tenant
) -> None:
    account = create_account(client, tenant, "a-1")
    dana = create_user(client, tenant, account["id"], "dana@acme.example")
    lee = create_user(client, tenant, account["id"], "lee@acme.example")
    headers = tenant.headers(dana["secret"])
    assert [u["id"] for u in client.get(USERS, headers=headers).json()] == [dana["id"]]
    assert client.get(f"{USERS}/{lee['id']}", headers=headers).status_code == 404
    assert client.get(f"{USERS}/{tenant.admin_id}", headers=headers).status_code == 404
    own = client.patch(f"{USERS}/{dana['id']}", headers=headers, json={"firstName": "Dee"})
    assert (own.status_code, own.json()["firstName"]) == (200, "Dee")
    assert client.delete(f"{USERS}/{dana['id']}", headers=headers).status_code in {400, 403}
    response = client.patch(f"{USERS}/{dana['id']}", headers=headers, json={"active": False})
    assert response.status_code == 403
    assert client.put(f"{USERS}/{dana['id']}/roles/admin", headers=headers).status_code == 403
    assert client.get(f"{USERS}/{dana['id']}/roles", headers=headers).json() == []


def test_roles_are_granted_listed_and_revoked(client: TestClient, tenant: Tenant) -> None:
    me = client.get(f"{USERS}/{tenant.admin_id}/roles", headers=tenant.headers()).json()
    assert [role["key"] for role in me] == ["org-admin"]
    account = create_account(client, tenant, "a-1")
    user = create_user(client, tenant, account["id"], "dana@acme.example")
    roles_url = f"{USERS}/{user['id']}/roles"
    granted = client.put(f"{roles_url}/admin", headers=tenant.headers()).json()
    assert [role["key"] for role in granted] == ["admin"]
    assert client.put(f"{roles_url}/admin", headers=tenant.headers()).json() == granted
    response = client.put(f"{roles_url}/org-admin", headers=tenant.headers())
    assert response.status_code == 400  # org roles live in the default account only
    assert client.put(f"{roles_url}/superuser", headers=tenant.headers()).status_code == 404
    assert client.delete(f"{roles_url}/admin", headers=tenant.headers()).json() == []
    response = client.delete(f"{USERS}/{tenant.admin_id}/roles/org-admin", headers=tenant.headers())
    assert response.status_code == 400


def test_organization_users_live_in_the_default_account(client: TestClient, tenant: Tenant) -> None:
    body = {"firstName": "Ops", "lastName": "Person", "email": "ops@acme.example", "password": "p"}
    url = f"{API}/organizations/users"
    created = client.post(url, headers=tenant.headers(), json=body).json()
    assert [role["key"] for role in created["roles"]] == ["org"]
    listed = client.get(url, headers=tenant.headers()).json()
    assert sorted(u["email"] for u in listed) == ["admin@acme.example", "ops@acme.example"]
    one = client.get(f"{url}/ops@acme.example", headers=tenant.headers()).json()
    assert (one["id"], "secret" in one) == (created["id"], False)
    patched = client.patch(f"{url}/{created['id']}", headers=tenant.headers(), json={"city": "X"})
    assert patched.json()["city"] == "X"
    assert (
        client.delete(f"{url}/{created['id']}", headers=tenant.headers()).json()["active"] is False
    )
    account = create_account(client, tenant, "a-1")
    customer = create_user(client, tenant, account["id"], "dana@acme.example")
    assert client.get(f"{url}/{customer['id']}", headers=tenant.headers()).status_code == 404
    ops = tenant.headers(created["secret"])
    assert client.get(url, headers=ops).status_code == 401


def test_users_of_another_organization_are_invisible_and_untouchable(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = create_account(client, other_tenant, "b-1")
    victim = create_user(client, other_tenant, theirs["id"], "victim@globex.example")
    headers = tenant.headers()
    attempts: list[tuple[str, str, Any]] = [
        ("GET", f"{USERS}/{victim['id']}", None),
        ("GET", f"{USERS}/victim@globex.example", None),
        ("GET", f"{USERS}/{other_tenant.admin_id}", None),
        ("PATCH", f"{USERS}/{victim['id']}", {"password": "pwned"}),
        ("DELETE", f"{USERS}/{victim['id']}", None),
        ("GET", f"{USERS}/{victim['id']}/roles", None),
        ("PUT", f"{USERS}/{victim['id']}/roles/admin", None),
        ("DELETE", f"{USERS}/{other_tenant.admin_id}/roles/org-admin", None),
        ("PATCH", f"{API}/organizations/users/{other_tenant.admin_id}", {"firstName": "x"}),
        ("GET", f"{API}/accounts/{theirs['id']}/users/{victim['id']}", None),
    ]
    for method, path, body in attempts:
        response = client.request(method, path, headers=headers, json=body)
        assert response.status_code == 404, (method, path, response.text)
        assert victim["secret"] not in response.text
    emails = [u["email"] for u in client.get(USERS, headers=headers).json()]
    assert emails == ["admin@acme.example"]
    still = client.get(f"{USERS}/{victim['id']}", headers=other_tenant.headers()).json()
    assert (still["active"], still["roles"]) == (True, [])
    login = {"username": "victim@globex.example", "password": "pass-word-1"}
    assert client.post(f"{API}/authentication", json=login).status_code == 200


def test_default_account_admin_cannot_take_over_the_organization_administrator(
    client: TestClient, tenant: Tenant
) -> None:
    """An account administrator of the default account sees the org admin (D13) but may not
    change their password or email, nor deactivate them: that would hand over the whole
    organization (log in with the new password, then GET /authentication/secrets)."""
    body = {
        "firstName": "Ops",
        "lastName": "Admin",
        "email": "ops@acme.example",
        "password": "p",
        "roles": [{"key": "admin"}],
    }
    ops = client.post(f"{API}/organizations/users", headers=tenant.headers(), json=body).json()
    clerk = client.post(
        f"{API}/organizations/users",
        headers=tenant.headers(),
        json={**body, "email": "clerk@acme.example", "roles": [{"key": "org"}]},
    ).json()
    headers = tenant.headers(ops["secret"])
    target = f"{USERS}/{tenant.admin_id}"

    assert client.get(target, headers=headers).status_code == 200
    for change in ({"password": "taken-over"}, {"email": "mine@acme.example"}, {"active": False}):
        assert client.patch(target, headers=headers, json=change).status_code == 403, change
    assert client.delete(target, headers=headers).status_code == 403
    login = {"username": tenant.admin_email, "password": "taken-over"}
    assert client.post(f"{API}/authentication", json=login).status_code == 401
    # Everyone else of the account stays theirs to manage.
    clerk_url = f"{USERS}/{clerk['id']}"
    assert client.patch(clerk_url, headers=headers, json={"lastName": "X"}).is_success
    assert client.delete(clerk_url, headers=headers).json()["active"] is False
