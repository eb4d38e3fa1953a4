"""Hub calls through the real app on both database backends."""

from __future__ import annotations

from hub_integration_harness import Connected

from openelements.settings import API_BASE_PATH

API = API_BASE_PATH


def test_hub_and_root_alias_resolve_the_instance_from_the_element_token(
    connected: Connected,
) -> None:
    client = connected.client
    through_hub = client.get(f"{API}/hubs/crm/calendars", headers=connected.hub_headers())
    through_alias = client.get(f"{API}/calendars", headers=connected.hub_headers())
    assert through_hub.status_code == 200, through_hub.text
    assert through_hub.json() == through_alias.json()
    assert through_hub.headers["Elements-Element-Instance-Id"] == str(connected.instance["id"])
    assert [c["name"] for c in through_hub.json()] == ["Calendar"]


def test_credentials_that_do_not_name_a_usable_instance_are_401(connected: Connected) -> None:
    client = connected.client
    user_only = {"Authorization": f"User {connected.user_secret}"}
    wrong_token = connected.hub_headers()
    wrong_token["Authorization"] = wrong_token["Authorization"][:-4] + "AAA="
    wrong_org = connected.hub_headers()
    wrong_org["Authorization"] += ", Organization 00000000000000000000000000000000"
    for headers in (user_only, wrong_token, wrong_org, {}):
        response = client.get(f"{API}/hubs/general/calendars", headers=headers)
        assert response.status_code == 401, (headers, response.text)


def test_a_repeated_authorization_header_is_401_even_when_its_value_is_cached(
    connected: Connected,
) -> None:
    client = connected.client
    value = connected.hub_headers()["Authorization"]
    assert client.get(f"{API}/hubs/general/calendars", headers={"Authorization": value}).is_success
    repeated = [("Authorization", value), ("Authorization", value)]
    response = client.get(f"{API}/hubs/general/calendars", headers=repeated)
    assert response.status_code == 401, response.text
    assert "several" in response.json()["message"]


def test_unknown_resources_are_404_before_credentials_and_platform_routes_win(
    connected: Connected,
) -> None:
    client = connected.client
    assert client.get(f"{API}/hubs/general/messages").status_code == 404
    assert client.get(f"{API}/not-a-resource").status_code == 404
    platform = client.get(f"{API}/instances", headers=connected.platform_headers())
    assert platform.status_code == 200
    assert isinstance(platform.json(), list)


def test_null_filtering_follows_the_instance_configuration(connected: Connected) -> None:
    client = connected.client
    update = {"configuration": {"filter.response.nulls": "false"}}
    instance_path = f"{API}/instances/{connected.instance['id']}"
    assert (
        client.patch(instance_path, headers=connected.platform_headers(), json=update).status_code
        == 200
    )
    created = client.post(
        f"{API}/hubs/general/events",
        headers=connected.hub_headers(),
        json={
            "subject": "with nulls",
            "start": {"dateTime": "2026-04-15T09:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2026-04-15T10:00:00", "timeZone": "UTC"},
        },
    )
    assert created.status_code == 200, created.text
    assert created.json()["seriesMasterId"] is None
