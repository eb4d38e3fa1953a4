"""`GET /users/{emailOrId}` and `elements-user-password` exactly as D13 says."""

from typing import Any

from fastapi.testclient import TestClient
from platform_harness import API, USER_PASSWORD, Tenant, create_account, create_user

USERS = f"{API}/users"


def _people(client: TestClient, tenant: Tenant) -> dict[str, dict[str, Any]]:
    account = create_account(client, tenant, "acme-001")
    return {
        "boss": create_user(client, tenant, account["id"], "boss@acme.example", roles=["admin"]),
        "dana": create_user(client, tenant, account["id"], "dana@acme.example"),
    }


def test_answer_is_one_object_by_id_or_email(client: TestClient, tenant: Tenant) -> None:
    dana = _people(client, tenant)["dana"]
    by_id = client.get(f"{USERS}/{dana['id']}", headers=tenant.headers()).json()
    by_email = client.get(f"{USERS}/DANA@acme.example", headers=tenant.headers()).json()
    assert isinstance(by_id, dict)
    assert by_id == by_email
    assert by_id["email"] == "dana@acme.example"
    assert "secret" not in by_id
    assert "password" not in by_id


def test_right_password_header_returns_the_secret(client: TestClient, tenant: Tenant) -> None:
    dana = _people(client, tenant)["dana"]
    for name in ("elements-user-password", "Elements-User-Password"):
        response = client.get(
            f"{USERS}/dana@acme.example", headers=tenant.headers(**{name: USER_PASSWORD})
        )
        assert response.status_code == 200
        assert response.json()["secret"] == dana["secret"]


def test_wrong_password_header_is_401_and_returns_nothing(
    client: TestClient, tenant: Tenant
) -> None:
    dana = _people(client, tenant)["dana"]
    for wrong in ("nope", "", USER_PASSWORD.upper()):
        response = client.get(
            f"{USERS}/{dana['id']}", headers=tenant.headers(**{"elements-user-password": wrong})
        )
        assert response.status_code == 401
        assert response.json() == {
            "requestId": response.headers["Elements-Request-Id"],
            "message": "Invalid user password",
        }


def test_caller_sees_own_secret_without_password(client: TestClient, tenant: Tenant) -> None:
    dana = _people(client, tenant)["dana"]
    own = client.get(f"{USERS}/{dana['id']}", headers=tenant.headers(dana["secret"])).json()
    assert own["secret"] == dana["secret"]
    admin = client.get(f"{USERS}/{tenant.admin_email}", headers=tenant.headers()).json()
    assert admin["secret"] == tenant.admin_secret


def test_visibility_follows_roles(client: TestClient, tenant: Tenant) -> None:
    people = _people(client, tenant)
    boss, dana = people["boss"], people["dana"]
    elsewhere = create_account(client, tenant, "other")
    lee = create_user(client, tenant, elsewhere["id"], "lee@acme.example")

    def status(caller: dict[str, Any] | None, target: dict[str, Any]) -> int:
        headers = tenant.headers(caller["secret"] if caller else None)
        return client.get(f"{USERS}/{target['email']}", headers=headers).status_code

    assert [status(None, who) for who in (boss, dana, lee)] == [200, 200, 200]
    assert [status(boss, who) for who in (boss, dana, lee)] == [200, 200, 404]
    assert [status(dana, who) for who in (boss, dana, lee)] == [404, 200, 404]
    admin = {"email": tenant.admin_email}
    assert [status(who, admin) for who in (boss, dana, lee)] == [404, 404, 404]


def test_invisible_user_is_404_even_with_the_right_password(
    client: TestClient, tenant: Tenant
) -> None:
    people = _people(client, tenant)
    headers = tenant.headers(people["dana"]["secret"], **{"elements-user-password": USER_PASSWORD})
    response = client.get(f"{USERS}/boss@acme.example", headers=headers)
    assert response.status_code == 404
    assert people["boss"]["secret"] not in response.text


def test_account_admin_gets_a_secret_only_with_the_password(
    client: TestClient, tenant: Tenant
) -> None:
    people = _people(client, tenant)
    headers = tenant.headers(people["boss"]["secret"])
    plain = client.get(f"{USERS}/dana@acme.example", headers=headers).json()
    assert "secret" not in plain
    with_password = client.get(
        f"{USERS}/dana@acme.example",
        headers={**headers, "elements-user-password": USER_PASSWORD},
    ).json()
    assert with_password["secret"] == people["dana"]["secret"]
