"""`/me` and `/users/{id | upn}` (§15.10, G01, G02)."""

from __future__ import annotations

from graph_http import Graph

from msgraph_emulator.emulator import Emulator
from msgraph_emulator.identity.tokens import mint_access_token


def test_me_answers_the_default_user_shape(graph: Graph) -> None:
    me = graph.get("/me").json()
    assert me["@odata.context"] == "http://testserver/v1.0/$metadata#users/$entity"
    assert me["displayName"] == "Dana Swope"
    assert me["userPrincipalName"] == "dana@acme.example"
    assert me["businessPhones"] == []
    assert me["jobTitle"] is None
    assert set(me) >= {
        "givenName",
        "surname",
        "mail",
        "mobilePhone",
        "officeLocation",
        "preferredLanguage",
        "id",
    }


def test_users_by_id_and_upn_and_the_sdk_alias_name_the_same_user(graph: Graph) -> None:
    me = graph.get("/me").json()
    for key in (me["id"], "dana@acme.example", "me-token-to-replace"):
        assert graph.get(f"/users/{key}").json()["id"] == me["id"]


def test_select_limits_the_user_properties(graph: Graph) -> None:
    me = graph.get("/me?$select=displayName").json()
    assert set(me) == {"@odata.context", "id", "displayName"}


def test_app_only_tokens_cannot_use_me_but_can_name_a_user(
    graph: Graph, emulator: Emulator
) -> None:
    token = mint_access_token(
        emulator.directory,
        now=emulator.clock.now(),
        lifetime_seconds=600,
        client_id="app-1",
        user=None,
        roles=("Calendars.ReadWrite", "User.Read.All"),
    )
    app = Graph(graph.client, token.value)
    refused = app.get("/me/events")
    assert refused.status_code == 400
    assert refused.json()["error"]["message"] == (
        "/me request is only valid with delegated authentication flow."
    )
    assert app.get("/users/dana@acme.example/events").status_code == 200
