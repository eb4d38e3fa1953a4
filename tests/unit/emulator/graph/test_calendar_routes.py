"""Calendars over HTTP (§2.2, G04, G05, G31)."""

from __future__ import annotations

from urllib.parse import quote

from graph_http import Graph


def test_the_default_calendar_is_listed_and_named_calendar(graph: Graph) -> None:
    listed = graph.get("/me/calendars").json()
    assert listed["@odata.context"].endswith("/calendars")
    (calendar,) = listed["value"]
    assert calendar["name"] == "Calendar"
    assert calendar["isDefaultCalendar"] is True
    assert calendar["isRemovable"] is False
    assert calendar["hexColor"] == ""
    assert calendar["owner"] == {"name": "Dana Swope", "address": "dana@acme.example"}
    default = graph.get("/me/calendar").json()
    assert default["id"] == calendar["id"]
    assert default["@odata.context"].endswith("/calendars/$entity")


def test_create_update_delete_answer_201_200_204(graph: Graph) -> None:
    created = graph.post("/me/calendars", {"name": "Work", "color": "LIGHTBLUE"})
    assert created.status_code == 201
    assert created.json()["color"] == "lightBlue"
    assert created.json()["hexColor"] != ""
    path = f"/me/calendars/{quote(created.json()['id'], safe='')}"
    updated = graph.patch(path, {"name": "Work 2"})
    assert updated.status_code == 200
    assert updated.json()["name"] == "Work 2"
    assert updated.json()["changeKey"] != created.json()["changeKey"]
    assert graph.delete(path).status_code == 204
    assert graph.get(path).status_code == 404


def test_a_duplicate_name_answers_409_folder_exists(graph: Graph) -> None:
    graph.post("/me/calendars", {"name": "Work"})
    duplicate = graph.post("/me/calendars", {"name": "work"})
    assert duplicate.status_code == 409
    assert duplicate.json()["error"]["code"] == "ErrorFolderExists"
    assert duplicate.json()["error"]["message"] == (
        "A folder with the specified name already exists."
    )


def test_the_default_calendar_cannot_be_deleted(graph: Graph) -> None:
    default = graph.get("/me/calendar").json()["id"]
    refused = graph.delete(f"/me/calendars/{quote(default, safe='')}")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "ErrorInvalidRequest"
    assert refused.json()["error"]["message"] == "The default calendar cannot be deleted."


def test_if_match_guards_calendar_updates(graph: Graph) -> None:
    created = graph.post("/me/calendars", {"name": "Work"}).json()
    path = f"/me/calendars/{quote(created['id'], safe='')}"
    stale = graph.patch(path, {"name": "x"}, headers={"If-Match": 'W/"nope"'})
    assert stale.status_code == 412
    assert stale.json()["error"]["code"] == "ErrorIrresolvableConflict"
    fresh = graph.patch(path, {"name": "x"}, headers={"If-Match": f'W/"{created["changeKey"]}"'})
    assert fresh.status_code == 200


def test_calendars_filter_and_order(graph: Graph) -> None:
    for name in ("b", "a", "c"):
        graph.post("/me/calendars", {"name": name})
    ordered = graph.get("/me/calendars?$orderby=name desc&$filter=isDefaultCalendar eq false")
    assert [c["name"] for c in ordered.json()["value"]] == ["c", "b", "a"]


def test_a_calendar_without_a_name_is_refused(graph: Graph) -> None:
    assert graph.post("/me/calendars", {"color": "auto"}).status_code == 400
    assert graph.post("/me/calendars", {"name": "x", "color": "purple"}).status_code == 400


def test_an_unknown_calendar_answers_404(graph: Graph) -> None:
    missing = graph.get("/me/calendars/AAMkAGI1AAAt9AHjAAAAAAAAAAAA")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "ErrorItemNotFound"
    assert graph.get("/me/calendars/AAMkAGI1AAAt9AHjAAAAAAAAAAAA/events").status_code == 404


def test_a_calendar_named_instead_of_identified_is_a_malformed_id(graph: Graph) -> None:
    refused = graph.get("/me/calendars/Work")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "ErrorInvalidIdMalformed"
    assert refused.json()["error"]["message"] == "Id is malformed."
    assert graph.get("/me/events/not-an-id").json()["error"]["code"] == "ErrorInvalidIdMalformed"
