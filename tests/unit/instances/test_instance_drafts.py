"""Body checks of create and update, in the order and wording of spec §6.4 and D25."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from openelements.elements.registry import ElementRegistry, build_registry
from openelements.instances.provisioning import changes_for_update, draft_for_create, sanitize
from openelements.instances.schemas import InstanceBody
from openelements.kit.clock import ManualClock
from openelements.kit.errors import BadRequest, NotFound
from openelements.kit.http import HttpRequest, HttpResponse, KeyedLimiter


class NoNetwork:
    async def send(self, request: HttpRequest) -> HttpResponse:
        raise AssertionError("drafts make no calls")


def registry() -> ElementRegistry:
    return build_registry(
        authority="http://idp/common",
        graph_base_url="http://graph/v1.0",
        transport=NoNetwork(),
        limiter=KeyedLimiter(4),
        clock=ManualClock(dt.datetime(2026, 1, 1, tzinfo=dt.UTC)),
    )


CONFIG = {"oauth.api.key": "id", "oauth.api.secret": "s", "oauth.callback.url": "http://cb"}


def body(**fields: Any) -> InstanceBody:
    values: dict[str, Any] = {
        "element": {"key": "microsoftgraph"},
        "providerData": {"code": "c"},
        "configuration": dict(CONFIG),
        "name": "Dana",
        **fields,
    }
    return InstanceBody.model_validate(values)


def test_a_complete_body_makes_a_draft_with_defaults_and_the_name_as_tag() -> None:
    draft = draft_for_create(body(), elements=registry())
    assert draft.element.key == "microsoftgraph"
    assert draft.code == "c"
    assert draft.tags == ["Dana"]
    assert draft.configuration["filter.response.nulls"] == "true"


def test_the_element_may_be_named_by_id() -> None:
    assert draft_for_create(body(element={"id": 5836}), elements=registry()).element.id == 5836


def test_element_problems_come_first() -> None:
    with pytest.raises(BadRequest, match="element is required"):
        draft_for_create(body(element=None, configuration={}), elements=registry())
    with pytest.raises(NotFound):
        draft_for_create(body(element={"key": "x"}, configuration={}), elements=registry())


def test_missing_configuration_then_missing_code() -> None:
    with pytest.raises(BadRequest, match=r"Missing required configuration: oauth\.api\.secret"):
        draft_for_create(
            body(configuration={"oauth.api.key": "i", "oauth.callback.url": "u"}),
            elements=registry(),
        )
    with pytest.raises(BadRequest, match=r"providerData\.code is required"):
        draft_for_create(body(providerData={"state": "s"}), elements=registry())


def test_external_authentication_takes_the_refresh_token_out_of_the_configuration() -> None:
    configuration = {**CONFIG, "oauth.user.refresh_token": "rt"}
    draft = draft_for_create(
        body(providerData=None, configuration=configuration, externalAuthentication="initial"),
        elements=registry(),
    )
    assert draft.external_refresh_token == "rt"
    assert draft.code is None
    assert "oauth.user.refresh_token" not in draft.configuration


def test_put_needs_a_name_and_clears_absent_tags_patch_keeps_them() -> None:
    element = registry().get("microsoftgraph")
    with pytest.raises(BadRequest):
        changes_for_update(InstanceBody.model_validate({}), element=element, replace=True)
    put = changes_for_update(
        InstanceBody.model_validate({"name": "n"}), element=element, replace=True
    )
    assert put.tags == []
    patch = changes_for_update(InstanceBody.model_validate({}), element=element, replace=False)
    assert patch.tags is None
    assert patch.name is None


def test_an_update_cannot_switch_element() -> None:
    element = registry().get("microsoftgraph")
    with pytest.raises(BadRequest, match="another element"):
        changes_for_update(
            InstanceBody.model_validate({"element": {"id": 1}}), element=element, replace=False
        )


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ('<a href="#" onClick="alert(1)">xss-name</a>', "xss-name"),
        ("Dana's <b>calendar</b>", "Dana's calendar"),
        ("Tom & Jerry", "Tom & Jerry"),
        ("&lt;script&gt;", "&lt;script&gt;"),
        ("<script>alert(1)</script>ok", "ok"),
    ],
)
def test_sanitize_strips_markup_and_keeps_text(raw: str, clean: str) -> None:
    assert sanitize(raw) == clean
