"""Accounts (spec §4.3, D11) and account settings (§10.8) through the real app."""

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from platform_harness import API, Tenant, create_account, create_user

from openelements.kit.clock import ManualClock

ACCOUNTS = f"{API}/accounts"


def _accounts(client: TestClient, tenant: Tenant, **params: Any) -> list[dict[str, Any]]:
    response = client.get(ACCOUNTS, headers=tenant.headers(), params=params)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


def test_create_with_only_external_id_defaults_name_and_description(
    client: TestClient, tenant: Tenant
) -> None:
    account = create_account(client, tenant, "acme-001")
    assert account == {
        "id": account["id"],
        "name": "acme-001",
        "description": "acme-001",
        "active": True,
        "companyId": tenant.organization_id,
        "createdDate": "2025-01-10",
        "externalId": "acme-001",
        "defaultAccount": False,
        "type": "CompanyAccount",
    }
    response = client.get(f"{ACCOUNTS}/{account['id']}", headers=tenant.headers())
    assert response.json() == account


def test_organization_starts_with_its_default_account(client: TestClient, tenant: Tenant) -> None:
    [default] = _accounts(client, tenant)
    assert (default["defaultAccount"], default["type"], default["name"]) == (
        True,
        "Default",
        "Acme Platform",
    )


def test_create_honours_name_and_description_and_ignores_unknown_fields(
    client: TestClient, tenant: Tenant
) -> None:
    body = {"externalId": "x-1", "name": "Acme", "description": "Customer", "id": 999, "bogus": 1}
    response = client.post(ACCOUNTS, headers=tenant.headers(), json=body)
    assert response.status_code == 200
    created = response.json()
    assert (created["name"], created["description"]) == ("Acme", "Customer")
    assert created["id"] != 999
    assert "bogus" not in created


def test_duplicate_external_id_is_409_and_creates_nothing(
    client: TestClient, tenant: Tenant
) -> None:
    create_account(client, tenant, "acme-001")
    response = client.post(ACCOUNTS, headers=tenant.headers(), json={"externalId": "acme-001"})
    assert response.status_code == 409
    assert "acme-001" in response.json()["message"]
    assert len(_accounts(client, tenant)) == 2


def test_same_external_id_is_fine_in_another_organization(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    create_account(client, tenant, "shared-id")
    create_account(client, other_tenant, "shared-id")


def test_list_pages_with_offset_and_page_size_and_filters_by_external_id(
    client: TestClient, tenant: Tenant
) -> None:
    for index in range(5):
        create_account(client, tenant, f"acct-{index}")
    everything = _accounts(client, tenant)
    assert len(everything) == 6
    page = _accounts(client, tenant, offset=2, pageSize=2)
    assert [a["id"] for a in page] == [a["id"] for a in everything[2:4]]
    assert [a["externalId"] for a in _accounts(client, tenant, where="externalId = 'acct-3'")] == [
        "acct-3"
    ]


def test_where_filters_accounts_with_ceql(
    client: TestClient, tenant: Tenant, clock: ManualClock
) -> None:
    first = create_account(client, tenant, "acct_1")
    clock.advance(timedelta(days=2))
    create_account(client, tenant, "acct-2")
    client.delete(f"{ACCOUNTS}/{first['id']}", headers=tenant.headers())

    def external_ids(where: str) -> list[str | None]:
        return [a["externalId"] for a in _accounts(client, tenant, where=where)]

    assert external_ids("active = false") == ["acct_1"]
    assert external_ids("defaultAccount = false and active = true") == ["acct-2"]
    assert external_ids("externalId LIKE 'acct_%'") == ["acct_1"]
    assert external_ids("externalId IN ('acct-2', 'zzz') or id = 1") == [
        tenant.admin_email,
        "acct-2",
    ]
    assert external_ids("createdDate = '2025-01-12'") == ["acct-2"]
    assert external_ids("createdDate < '2025-01-12' and defaultAccount = false") == ["acct_1"]
    assert external_ids(f"id = {first['id']}") == ["acct_1"]
    assert external_ids("description IS NULL") == []


def test_update_changes_fields_and_rejects_a_taken_external_id(
    client: TestClient, tenant: Tenant
) -> None:
    first = create_account(client, tenant, "a-1")
    create_account(client, tenant, "a-2")
    url = f"{ACCOUNTS}/{first['id']}"
    response = client.patch(
        url, headers=tenant.headers(), json={"name": "New", "externalId": "a-3"}
    )
    assert (response.json()["name"], response.json()["externalId"]) == ("New", "a-3")
    response = client.patch(url, headers=tenant.headers(), json={"externalId": "a-2"})
    assert response.status_code == 409
    assert client.get(url, headers=tenant.headers()).json()["externalId"] == "a-3"


def test_delete_deactivates_and_patch_reactivates(client: TestClient, tenant: Tenant) -> None:
    account = create_account(client, tenant, "a-1")
    user = create_user(client, tenant, account["id"], "dana@acme.example")
    url = f"{ACCOUNTS}/{account['id']}"
    response = client.delete(url, headers=tenant.headers())
    assert (response.status_code, response.json()["active"]) == (200, False)
    users = client.get(f"{url}/users", headers=tenant.headers()).json()
    assert [u["active"] for u in users] == [False]
    response = client.patch(url, headers=tenant.headers(), json={"active": True})
    assert response.json()["active"] is True
    again = client.get(f"{API}/users/{user['id']}", headers=tenant.headers()).json()
    assert again["active"] is True


def test_default_account_cannot_be_deactivated(client: TestClient, tenant: Tenant) -> None:
    [default] = _accounts(client, tenant)
    response = client.delete(f"{ACCOUNTS}/{default['id']}", headers=tenant.headers())
    assert response.status_code == 400
    assert _accounts(client, tenant)[0]["active"] is True


def test_non_org_admin_gets_401_on_accounts(client: TestClient, tenant: Tenant) -> None:
    account = create_account(client, tenant, "a-1")
    admin = create_user(client, tenant, account["id"], "boss@acme.example", roles=["admin"])
    headers = tenant.headers(admin["secret"])
    for method, path in [
        ("GET", ACCOUNTS),
        ("POST", ACCOUNTS),
        ("GET", f"{ACCOUNTS}/{account['id']}"),
        ("PATCH", f"{ACCOUNTS}/{account['id']}"),
        ("DELETE", f"{ACCOUNTS}/{account['id']}"),
        ("GET", f"{ACCOUNTS}/{account['id']}/users"),
    ]:
        body = {"externalId": "z"} if method in {"POST", "PATCH"} else None
        response = client.request(method, path, headers=headers, json=body)
        assert response.status_code == 401, (method, path)
        assert "organization administrator" in response.json()["message"]
    assert len(_accounts(client, tenant)) == 2


def test_accounts_of_another_organization_do_not_exist_for_the_caller(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = create_account(client, other_tenant, "secret-customer")
    url = f"{ACCOUNTS}/{theirs['id']}"
    assert client.get(url, headers=tenant.headers()).status_code == 404
    assert client.patch(url, headers=tenant.headers(), json={"name": "x"}).status_code == 404
    assert client.delete(url, headers=tenant.headers()).status_code == 404
    assert client.get(f"{url}/users", headers=tenant.headers()).status_code == 404
    body = {"firstName": "a", "lastName": "b", "email": "x@y.example", "password": "p"}
    assert client.post(f"{url}/users", headers=tenant.headers(), json=body).status_code == 404
    assert "secret-customer" not in str(_accounts(client, tenant))
    unchanged = client.get(url, headers=other_tenant.headers()).json()
    assert (unchanged["name"], unchanged["active"]) == ("secret-customer", True)


ODD_IDS = [
    "abc",
    "1.5",
    "-1",
    "0",
    "99999999999999999999999",
    "9223372036854775807",
    "%20",
    "\u0661",
]


def test_odd_account_ids_are_404(client: TestClient, tenant: Tenant) -> None:
    for account_id in ODD_IDS:
        for method in ("GET", "PATCH", "DELETE"):
            body = {"name": "x"} if method == "PATCH" else None
            response = client.request(
                method, f"{ACCOUNTS}/{account_id}", headers=tenant.headers(), json=body
            )
            assert response.status_code == 404, (account_id, method, response.text)
            assert response.json()["message"].startswith("No account with id")


BAD_BODIES: list[tuple[object, str]] = [
    ({}, "externalId: required"),
    ({"externalId": ""}, "externalId"),
    ({"externalId": 5}, "externalId"),
    ({"externalId": "x" * 256}, "externalId"),
    ({"externalId": "ok", "name": ["list"]}, "name"),
    ({"externalId": "ok", "name": None, "description": 3}, "description"),
    ([], "Invalid request body"),
    ("text", "Invalid request body"),
    (None, "Invalid request body"),
]


def test_bad_account_bodies_are_400_and_change_nothing(client: TestClient, tenant: Tenant) -> None:
    account = create_account(client, tenant, "a-1")
    for body, problem in BAD_BODIES:
        response = client.post(ACCOUNTS, headers=tenant.headers(), json=body)
        assert response.status_code == 400, (body, response.text)
        assert problem in response.json()["message"], body
        response = client.patch(f"{ACCOUNTS}/{account['id']}", headers=tenant.headers(), json=body)
        assert response.status_code in {200, 400}, (body, response.text)
    assert _accounts(client, tenant)[1] == account
    assert len(_accounts(client, tenant)) == 2


def test_malformed_json_and_wrong_content_type_are_refused(
    client: TestClient, tenant: Tenant
) -> None:
    headers = tenant.headers(**{"Content-Type": "application/json"})
    response = client.post(ACCOUNTS, headers=headers, content=b'{"externalId": ')
    assert response.status_code == 400
    headers = tenant.headers(**{"Content-Type": "text/plain"})
    response = client.post(ACCOUNTS, headers=headers, content=b'{"externalId": "x"}')
    assert response.status_code == 415
    assert len(_accounts(client, tenant)) == 1


BAD_LIST_PARAMETERS = [
    {"pageSize": "0"},
    {"pageSize": "abc"},
    {"pageSize": "100000"},
    {"offset": "-1"},
    {"offset": "99999999999999999999"},
    {"where": "secret = 'x'"},
    {"where": "externalId = 'unterminated"},
    {"where": "id = 99999999999999999999"},
    {"where": "externalId = 'a\u0000b'"},
]


def test_bad_list_parameters_are_400(client: TestClient, tenant: Tenant) -> None:
    for params in BAD_LIST_PARAMETERS:
        response = client.get(ACCOUNTS, headers=tenant.headers(), params=params)
        assert response.status_code == 400, (params, response.text)


def test_account_settings_store_the_webhook_failure_policy(
    client: TestClient, tenant: Tenant
) -> None:
    account = create_account(client, tenant, "a-1")
    url = f"{ACCOUNTS}/{account['id']}/settings"
    key = "notification.webhook.failure.policy"
    response = client.post(url, headers=tenant.headers(), json={key: "queue", "unknown": "x"})
    assert (response.status_code, response.json()) == (200, {key: "queue"})
    response = client.patch(url, headers=tenant.headers(), json={key: "retry"})
    assert response.json() == {key: "retry"}
    response = client.patch(url, headers=tenant.headers(), json={key: "sometimes"})
    assert response.status_code == 400
    own = client.patch(f"{ACCOUNTS}/settings", headers=tenant.headers(), json={key: "queue"})
    assert own.json() == {key: "queue"}
    assert client.patch(url, headers=tenant.headers(), json={}).json() == {key: "retry"}


def test_account_settings_are_admin_only_and_tenant_scoped(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    account = create_account(client, tenant, "a-1")
    plain = create_user(client, tenant, account["id"], "dana@acme.example")
    key = "notification.webhook.failure.policy"
    own = client.patch(
        f"{ACCOUNTS}/settings", headers=tenant.headers(plain["secret"]), json={key: "queue"}
    )
    assert own.status_code == 401
    boss = create_user(client, tenant, account["id"], "boss@acme.example", roles=["admin"])
    own = client.patch(
        f"{ACCOUNTS}/settings", headers=tenant.headers(boss["secret"]), json={key: "queue"}
    )
    assert (own.status_code, own.json()) == (200, {key: "queue"})
    other = client.post(
        f"{ACCOUNTS}/{account['id']}/settings",
        headers=tenant.headers(boss["secret"]),
        json={key: "retry"},
    )
    assert other.status_code == 401
    response = client.patch(
        f"{ACCOUNTS}/{account['id']}/settings",
        headers=other_tenant.headers(),
        json={key: "queue"},
    )
    assert response.status_code == 404
