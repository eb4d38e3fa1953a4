"""Instance operations other than provisioning: list, count, update, configuration entries."""

from __future__ import annotations

from fastapi.testclient import TestClient
from instances_harness import (
    API,
    Tenant,
    authorization_code,
    instance_body,
    oauth_url,
    provision,
)


def test_list_filters_by_tag_and_search_text_and_404s_on_no_match(
    client: TestClient, tenant: Tenant
) -> None:
    first = provision(client, tenant, name="Dana work", tags=["acme", "work"])
    second = provision(client, tenant, name="Dana home", tags=["home"])
    headers = tenant.headers()
    listed = client.get(f"{API}/instances", headers=headers).json()
    assert [i["id"] for i in listed] == [first["id"], second["id"]]
    tagged = client.get(f"{API}/instances", headers=headers, params={"tags[]": "home"}).json()
    assert [i["id"] for i in tagged] == [second["id"]]
    found = client.get(f"{API}/instances", headers=headers, params={"searchText": "WORK"}).json()
    assert [i["id"] for i in found] == [first["id"]]
    none = client.get(f"{API}/instances", headers=headers, params={"tags[]": "nope"})
    assert none.status_code == 404


def test_list_pages_with_a_next_page_token(client: TestClient, tenant: Tenant) -> None:
    ids = [provision(client, tenant, name=f"n{n}")["id"] for n in range(3)]
    first = client.get(f"{API}/instances", headers=tenant.headers(), params={"pageSize": 2})
    assert [i["id"] for i in first.json()] == ids[:2]
    token = first.headers["Elements-Next-Page-Token"]
    second = client.get(
        f"{API}/instances", headers=tenant.headers(), params={"pageSize": 2, "nextPage": token}
    )
    assert [i["id"] for i in second.json()] == ids[2:]
    assert "Elements-Next-Page-Token" not in second.headers


def test_an_empty_account_lists_nothing_and_counts_zero(client: TestClient, tenant: Tenant) -> None:
    assert client.get(f"{API}/instances", headers=tenant.headers()).json() == []
    count = client.get(f"{API}/instances/count", headers=tenant.headers()).json()
    assert count == {"totalInstances": 0, "elementInstances": []}
    provision(client, tenant)
    count = client.get(f"{API}/instances/count", headers=tenant.headers()).json()
    assert count == {
        "totalInstances": 1,
        "elementInstances": [{"elementKey": "microsoftgraph", "count": 1}],
    }


def test_put_replaces_name_and_tags_and_merges_configuration(
    client: TestClient, tenant: Tenant
) -> None:
    created = provision(client, tenant, tags=["a", "b"])
    url = f"{API}/instances/{created['id']}"
    replaced = client.put(
        url,
        headers=tenant.headers(),
        json={"name": "<i>Renamed</i>", "configuration": {"filter.response.nulls": False}},
    )
    assert replaced.status_code == 200, replaced.text
    body = replaced.json()
    assert body["name"] == "Renamed"
    assert body["tags"] == []
    assert body["configuration"]["filter.response.nulls"] == "false"
    assert body["configuration"]["oauth.api.secret"] == "********"
    assert body["token"] == created["token"]


def test_patch_changes_only_what_is_present(client: TestClient, tenant: Tenant) -> None:
    created = provision(client, tenant, tags=["a"])
    url = f"{API}/instances/{created['id']}"
    patched = client.patch(url, headers=tenant.headers(), json={"tags": ["x", "y"]}).json()
    assert patched["tags"] == ["x", "y"]
    assert patched["name"] == created["name"]


def test_internal_and_element_level_keys_cannot_be_written(
    client: TestClient, tenant: Tenant
) -> None:
    created = provision(client, tenant)
    response = client.patch(
        f"{API}/instances/{created['id']}",
        headers=tenant.headers(),
        json={"configuration": {"base.url": "http://evil.example", "subscriptionId": "x"}},
    )
    assert response.status_code == 400
    assert "base.url" in response.json()["message"]


def test_configuration_entries_can_be_read_and_patched(client: TestClient, tenant: Tenant) -> None:
    created = provision(client, tenant)
    url = f"{API}/instances/{created['id']}/configuration"
    entries = {e["key"]: e for e in client.get(url, headers=tenant.headers()).json()}
    assert entries["filter.response.nulls"]["propertyValue"] == "true"
    assert entries["event.notification.enabled"]["propertyValue"] == "false"
    assert entries["oauth.api.secret"]["propertyValue"] == "********"
    assert entries["oauth.api.key"]["propertyValue"] == "********"
    assert all(isinstance(e["id"], int) for e in entries.values())
    assert not any(key.startswith("oauth.user.") for key in entries)
    entry = entries["filter.response.nulls"]
    patched = client.patch(
        f"{url}/{entry['id']}", headers=tenant.headers(), json={**entry, "propertyValue": "false"}
    )
    assert patched.status_code == 200
    assert patched.json()["propertyValue"] == "false"
    again = client.get(f"{url}/{entry['id']}", headers=tenant.headers()).json()
    assert again["propertyValue"] == "false"


def test_id_less_twins_act_on_the_element_token_instance(
    client: TestClient, tenant: Tenant
) -> None:
    created = provision(client, tenant)
    headers = tenant.headers(element=created["token"])
    entries = client.get(f"{API}/instances/configuration", headers=headers).json()
    entry = next(e for e in entries if e["key"] == "event.notification.enabled")
    answer = client.patch(
        f"{API}/instances/configuration/{entry['id']}",
        headers=headers,
        json={"propertyValue": True},
    )
    assert answer.json()["propertyValue"] == "true"
    assert client.delete(f"{API}/instances/enabled", headers=headers).json()["disabled"] is True
    assert client.put(f"{API}/instances/enabled", headers=headers).json()["disabled"] is False
    without = client.get(f"{API}/instances/configuration", headers=tenant.headers())
    assert without.status_code == 401


def test_element_scoped_routes_mirror_the_instance_routes(
    client: TestClient, tenant: Tenant
) -> None:
    created = provision(client, tenant)
    base = f"{API}/elements/microsoftgraph/instances"
    assert [i["id"] for i in client.get(base, headers=tenant.headers()).json()] == [created["id"]]
    one = client.get(f"{base}/{created['id']}", headers=tenant.headers())
    assert one.json()["id"] == created["id"]
    renamed = client.put(f"{base}/{created['id']}", headers=tenant.headers(), json={"name": "N"})
    assert renamed.json()["name"] == "N"
    assert client.delete(f"{base}/{created['id']}", headers=tenant.headers()).status_code == 200
    assert client.get(f"{base}/{created['id']}", headers=tenant.headers()).status_code == 404


def test_a_sent_element_token_must_match_the_instance(client: TestClient, tenant: Tenant) -> None:
    first = provision(client, tenant)
    second = provision(client, tenant)
    response = client.get(
        f"{API}/instances/{first['id']}", headers=tenant.headers(element=second["token"])
    )
    assert response.status_code == 401
    matching = client.get(
        f"{API}/instances/{first['id']}", headers=tenant.headers(element=first["token"])
    )
    assert matching.status_code == 200


def test_unknown_ids_are_404(client: TestClient, tenant: Tenant) -> None:
    assert client.get(f"{API}/instances/999", headers=tenant.headers()).status_code == 404
    assert client.get(f"{API}/instances/abc", headers=tenant.headers()).status_code == 404


def _account_user(client: TestClient, tenant: Tenant, external_id: str, email: str) -> str:
    account = client.post(
        f"{API}/accounts", headers=tenant.headers(), json={"externalId": external_id}
    )
    assert account.status_code == 200, account.text
    user = client.post(
        f"{API}/accounts/{account.json()['id']}/users",
        headers=tenant.headers(),
        json={"firstName": "Lee", "lastName": "Park", "email": email, "password": "pw-12345678"},
    )
    assert user.status_code == 200, user.text
    secret: str = user.json()["secret"]
    return secret


def test_an_instance_belongs_to_its_users_account_and_the_org_admin_may_use_it(
    client: TestClient, tenant: Tenant
) -> None:
    lee = _account_user(client, tenant, "customer-1", "lee@customer.example")
    kim = _account_user(client, tenant, "customer-2", "kim@customer.example")

    def as_user(secret: str, element: str | None = None) -> dict[str, str]:
        value = f"User {secret}, Organization {tenant.organization_secret}"
        return {"Authorization": value + (f", Element {element}" if element else "")}

    created = client.post(
        f"{API}/instances",
        headers=as_user(lee),
        json=instance_body(authorization_code(oauth_url(client))),
    ).json()
    url = f"{API}/instances/{created['id']}"
    assert client.get(url, headers=as_user(lee)).status_code == 200
    assert client.get(url, headers=as_user(kim)).status_code == 404
    assert client.get(f"{API}/instances", headers=as_user(kim)).json() == []
    denied = client.get(f"{API}/instances/configuration", headers=as_user(kim, created["token"]))
    assert denied.status_code == 401
    assert client.get(url, headers=tenant.headers()).status_code == 200  # D07: org admin
    admin_own = client.get(
        f"{API}/instances/configuration", headers=tenant.headers(element=created["token"])
    )
    assert admin_own.status_code == 200


def test_account_instance_lists_follow_account_ownership(
    client: TestClient, tenant: Tenant
) -> None:
    lee = _account_user(client, tenant, "customer-1", "lee@customer.example")
    kim = _account_user(client, tenant, "customer-2", "kim@customer.example")
    as_lee = {"Authorization": f"User {lee}, Organization {tenant.organization_secret}"}
    as_kim = {"Authorization": f"User {kim}, Organization {tenant.organization_secret}"}
    created = client.post(
        f"{API}/instances",
        headers=as_lee,
        json=instance_body(authorization_code(oauth_url(client))),
    ).json()
    own = client.get(f"{API}/accounts/instances", headers=as_lee).json()
    assert [i["id"] for i in own] == [created["id"]]
    accounts = client.get(f"{API}/accounts", headers=tenant.headers()).json()
    lee_account = next(a["id"] for a in accounts if a["externalId"] == "customer-1")
    by_admin = client.get(f"{API}/accounts/{lee_account}/instances", headers=tenant.headers())
    assert [i["id"] for i in by_admin.json()] == [created["id"]]
    by_kim = client.get(f"{API}/accounts/{lee_account}/instances", headers=as_kim)
    assert by_kim.status_code == 404
