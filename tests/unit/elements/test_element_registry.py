"""The element registry and the microsoftgraph element's catalog face and identity probe."""

from __future__ import annotations

import datetime as dt

import pytest
from element_fakes import ScriptedTransport, json_answer

from openelements.elements.base import ProviderUnavailable, TokenGrant
from openelements.elements.microsoftgraph import MicrosoftGraphElement, NewTokenRejected
from openelements.elements.registry import ElementRegistry, build_registry
from openelements.kit.clock import ManualClock
from openelements.kit.errors import NotFound
from openelements.kit.http import KeyedLimiter

NOW = dt.datetime(2026, 3, 3, 10, 0, tzinfo=dt.UTC)


def element(transport: ScriptedTransport | None = None) -> MicrosoftGraphElement:
    return MicrosoftGraphElement(
        authority="http://idp.test/common",
        graph_base_url="http://graph.test/v1.0",
        transport=transport or ScriptedTransport(),
        limiter=KeyedLimiter(4),
        clock=ManualClock(NOW),
    )


def registry() -> ElementRegistry:
    return build_registry(
        authority="http://idp.test/common",
        graph_base_url="http://graph.test/v1.0",
        transport=ScriptedTransport(),
        limiter=KeyedLimiter(4),
        clock=ManualClock(NOW),
    )


def test_elements_are_found_by_key_or_numeric_id() -> None:
    elements = registry()
    assert elements.get("microsoftgraph").id == 5836
    assert elements.get("5836").key == "microsoftgraph"
    assert elements.get(5836).key == "microsoftgraph"
    assert elements.keys() == ["microsoftgraph"]


def test_an_unknown_element_is_not_found() -> None:
    with pytest.raises(NotFound, match="No element with key 'dropbox'"):
        registry().get("dropbox")
    assert registry().find("1") is None


def test_catalog_entry_has_the_documented_fields() -> None:
    entry = element().catalog_entry()
    assert entry["id"] == 5836
    assert entry["hub"] == "general"
    assert entry["typeOauth"] is False
    assert entry["authentication"] == {"type": "oauth2"}
    assert entry["bulkUploadEnabled"] is True
    assert entry["bulkDownloadEnabled"] is True
    assert entry["transformationsEnabled"] is True


def test_metadata_offers_webhook_and_polling_events() -> None:
    events = element().metadata()["events"]
    assert events["supported"] is True
    assert events["methods"] == ["webhook", "polling"]
    assert events["webhook"]["events"]["eventTypes"] == ["created", "updated", "deleted"]
    assert "pollUrl" in events["polling"]["events"]


def test_configuration_definitions_mark_required_masked_and_internal_keys() -> None:
    definitions = {d.key: d for d in element().configuration_definitions()}
    assert {k for k, d in definitions.items() if d.required} == {
        "oauth.api.key",
        "oauth.api.secret",
        "oauth.callback.url",
    }
    assert definitions["oauth.api.secret"].masked
    assert definitions["event.notification.signature.key"].masked
    assert definitions["oauth.user.refresh_token"].secret
    assert not definitions["base.url"].writable
    assert not definitions["subscriptionId"].writable
    assert definitions["filter.response.nulls"].default == "true"


def test_deployment_configuration_points_at_the_configured_endpoints() -> None:
    assert element().deployment_configuration() == {
        "base.url": "http://graph.test/v1.0",
        "oauth.authorization.url": "http://idp.test/common/oauth2/v2.0/authorize",
        "oauth.token.url": "http://idp.test/common/oauth2/v2.0/token",
        "oauth.token.refresh_url": "http://idp.test/common/oauth2/v2.0/token",
        "oauth.basic.header": "true",
    }


def test_authorization_url_defaults_scope_and_state() -> None:
    url = element().authorization_url(
        client_id="app", redirect_uri="http://cb", scope=None, state=None
    )
    assert "scope=Calendars.Read+Calendars.ReadWrite+offline_access" in url
    assert "state=microsoftgraph" in url


def grant(*scopes: str) -> TokenGrant:
    return TokenGrant(
        access_token="at", refresh_token="rt", expires_at=NOW, scopes=frozenset(scopes)
    )


CALENDAR = {"id": "cal", "owner": {"name": "Dana", "address": "dana@acme.example"}}


@pytest.mark.anyio
async def test_identify_reads_the_calendar_owner_without_user_read() -> None:
    transport = ScriptedTransport(json_answer(200, CALENDAR))
    identity = await element(transport).identify(grant("Calendars.Read"))
    assert identity.mailbox == "dana@acme.example"
    assert identity.provider_user_id is None
    assert [r.url.split("?")[0] for r in transport.requests] == [
        "http://graph.test/v1.0/me/calendar"
    ]


@pytest.mark.anyio
async def test_identify_also_reads_me_with_user_read() -> None:
    me = {"id": "3a2b", "userPrincipalName": "dana@acme.example"}
    transport = ScriptedTransport(json_answer(200, CALENDAR), json_answer(200, me))
    identity = await element(transport).identify(grant("Calendars.Read", "User.Read"))
    assert identity.provider_user_id == "3a2b"
    assert identity.user_principal_name == "dana@acme.example"


@pytest.mark.anyio
async def test_identify_reports_a_refused_new_token() -> None:
    refused = json_answer(403, {"error": {"code": "ErrorAccessDenied", "message": "Denied."}})
    with pytest.raises(NewTokenRejected) as caught:
        await element(ScriptedTransport(refused)).identify(grant())
    assert caught.value.provider_message == "ErrorAccessDenied: Denied."


@pytest.mark.anyio
async def test_identify_reports_an_unavailable_graph() -> None:
    with pytest.raises(ProviderUnavailable):
        await element(ScriptedTransport(json_answer(503, {}))).identify(grant())
