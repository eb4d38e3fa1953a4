"""Configuration rules: D21 normalisation, D25 unwritable keys, D20 masking, defaults."""

from __future__ import annotations

import pytest

from openelements.elements.microsoftgraph.definition import CONFIGURATION
from openelements.instances import configuration as config
from openelements.kit.errors import BadRequest

DEFINITIONS = config.definitions_by_key(CONFIGURATION)


def test_scalars_become_strings_and_booleans_any_case() -> None:
    assert config.normalize({"a": True, "b": False, "c": 15, "d": "TRUE", "e": "x"}) == {
        "a": "true",
        "b": "false",
        "c": "15",
        "d": "true",
        "e": "x",
    }


def test_objects_and_nulls_are_refused_naming_the_keys() -> None:
    with pytest.raises(BadRequest, match=r"configuration\.a: .*configuration\.b"):
        config.normalize({"a": {"x": 1}, "b": None})


def test_internal_and_element_level_keys_are_refused() -> None:
    with pytest.raises(BadRequest, match=r"base\.url, oauth\.user\.token, subscriptionId"):
        config.refuse_unwritable(
            {"base.url": "x", "subscriptionId": "y", "oauth.user.token": "z", "custom": "ok"},
            DEFINITIONS,
        )


def test_the_external_refresh_token_is_writable_only_for_external_authentication() -> None:
    values = {"oauth.user.refresh_token": "rt"}
    config.refuse_unwritable(values, DEFINITIONS, external_authentication=True)
    with pytest.raises(BadRequest):
        config.refuse_unwritable(values, DEFINITIONS)


def test_missing_required_lists_every_key_in_order() -> None:
    assert config.missing_required(
        {"oauth.api.key": "k", "oauth.callback.url": " "}, DEFINITIONS
    ) == [
        "oauth.api.secret",
        "oauth.callback.url",
    ]


def test_defaults_fill_absent_writable_keys_only() -> None:
    merged = config.with_defaults({"filter.response.nulls": "false"}, DEFINITIONS)
    assert merged["filter.response.nulls"] == "false"
    assert merged["event.notification.enabled"] == "false"
    assert merged["oauth.scope"] == "Calendars.Read Calendars.ReadWrite offline_access"
    assert "base.url" not in merged


def test_rendering_masks_hides_and_adds_deployment_keys() -> None:
    shown = config.render_configuration(
        {
            "oauth.api.key": "id",
            "oauth.api.secret": "s",
            "password": "p",
            "event.notification.signature.key": "k",
            "oauth.user.refresh_token": "rt",
            "custom": "kept",
        },
        DEFINITIONS,
        {"base.url": "http://graph"},
    )
    assert shown == {
        "oauth.api.key": "********",
        "oauth.api.secret": "********",
        "password": "********",
        "event.notification.signature.key": "********",
        "custom": "kept",
        "base.url": "http://graph",
    }


def test_secrets_are_sealed_at_rest_but_the_client_id_is_not() -> None:
    assert config.is_sealed_key("oauth.api.secret", DEFINITIONS)
    assert config.is_sealed_key("event.notification.basic.password", DEFINITIONS)
    assert config.is_sealed_key("password", DEFINITIONS)
    assert not config.is_sealed_key("oauth.api.key", DEFINITIONS)
    assert not config.is_sealed_key("custom", DEFINITIONS)
