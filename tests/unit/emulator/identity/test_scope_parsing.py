from __future__ import annotations

import pytest

from msgraph_emulator.identity.errors import IdentityError
from msgraph_emulator.identity.scopes import answer_scope, parse_scopes


def test_short_and_full_graph_names_are_the_same_permission() -> None:
    parsed = parse_scopes(
        "https://graph.microsoft.com/Calendars.Read calendars.readwrite OpenID offline_access"
    )
    assert parsed.graph == ("Calendars.Read", "Calendars.ReadWrite")
    assert parsed.oidc == {"openid", "offline_access"}
    assert parsed.offline_access


def test_dot_default_is_recognised() -> None:
    assert parse_scopes("https://graph.microsoft.com/.default").default


def test_dot_default_cannot_mix_with_named_permissions() -> None:
    with pytest.raises(IdentityError):
        parse_scopes("https://graph.microsoft.com/.default User.Read")


@pytest.mark.parametrize("scope", ["Files.Nope", "https://outlook.office.com/Calendars.Read"])
def test_unknown_permissions_and_other_resources_are_invalid_scope(scope: str) -> None:
    with pytest.raises(IdentityError) as raised:
        parse_scopes(scope)
    assert (raised.value.error, raised.value.aadsts) == ("invalid_scope", 70011)


def test_answer_scope_drops_offline_access() -> None:
    shown = answer_scope(("User.Read",), frozenset({"openid", "offline_access", "profile"}))
    assert shown == "User.Read profile openid"
