"""Contacts CRUD with `$filter`, `$orderby` and paging (G03)."""

from __future__ import annotations

from urllib.parse import quote

from graph_http import Graph


def test_contacts_crud_answers_201_200_204(graph: Graph) -> None:
    created = graph.post(
        "/me/contacts",
        {
            "givenName": "Sam",
            "surname": "Lee",
            "emailAddresses": [{"address": "sam@acme.example", "name": "Sam Lee"}],
            "businessPhones": ["+1 555 0100"],
        },
    )
    assert created.status_code == 201
    contact = created.json()
    assert contact["displayName"] == "Sam Lee"
    assert contact["@odata.etag"] == f'W/"{contact["changeKey"]}"'
    assert contact["homeAddress"] == {}
    assert contact["mobilePhone"] is None
    path = f"/me/contacts/{quote(contact['id'], safe='')}"
    updated = graph.patch(path, {"jobTitle": "Engineer"})
    assert updated.status_code == 200
    assert updated.json()["jobTitle"] == "Engineer"
    assert graph.delete(path).status_code == 204
    assert graph.get(path).status_code == 404


def test_contacts_filter_order_and_page(graph: Graph) -> None:
    for given in ("Carla", "Ann", "Bob", "Abe"):
        graph.post("/me/contacts", {"givenName": given, "surname": "X"})
    page = graph.get(
        "/me/contacts?$filter=startswith(givenName,'a') or givenName eq 'bob'"
        "&$orderby=givenName&$top=2&$count=true"
    ).json()
    assert [c["givenName"] for c in page["value"]] == ["Abe", "Ann"]
    assert page["@odata.count"] == 3
    rest = graph.client.get(
        page["@odata.nextLink"], headers={"Authorization": f"Bearer {graph.token}"}
    ).json()
    assert [c["givenName"] for c in rest["value"]] == ["Bob"]
    assert graph.get("/me/contacts?$filter=birthday eq 'x'").status_code == 400


def test_contact_fields_are_type_checked(graph: Graph) -> None:
    refused = graph.post("/me/contacts", {"givenName": 5})
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "RequestBodyRead"


def test_pascal_case_property_names_are_read_like_camel_case(graph: Graph) -> None:
    created = graph.post(
        "/me/contacts",
        {
            "GivenName": "Sam",
            "Surname": "Lee",
            "EmailAddresses": [{"Address": "x", "address": "s@x"}],
        },
    )
    assert created.status_code == 201
    assert created.json()["givenName"] == "Sam"
    assert created.json()["displayName"] == "Sam Lee"
    event = graph.post(
        "/me/events",
        {
            "Subject": "Pascal",
            "Start": {"dateTime": "2026-04-15T09:00:00", "timeZone": "UTC"},
            "End": {"dateTime": "2026-04-15T10:00:00", "timeZone": "UTC"},
        },
    )
    assert event.status_code == 201
    assert event.json()["subject"] == "Pascal"
