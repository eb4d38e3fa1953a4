"""Provisioning (D18, D23): validate the body, then redeem the code, then read who it is.

`draft_for_create` and `changes_for_update` check a body without I/O, in the order of §6.4.
`provision` does the network part; the caller runs it outside any database transaction and
stores the outcome afterwards in one short transaction (D18 step 4).
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field

import nh3

from openelements.elements.base import (
    AccountIdentity,
    Element,
    NewTokenRejected,
    OAuthApp,
    OAuthFailure,
    ProviderUnavailable,
    TokenGrant,
)
from openelements.elements.registry import ElementRegistry
from openelements.instances import configuration as config
from openelements.instances.schemas import InstanceBody
from openelements.kit.errors import BadRequest, ProviderError

MAX_TEXT_LENGTH = 255  # element_instance.name, instance_tag.tag

__all__ = [
    "InstanceChanges",
    "InstanceDraft",
    "Provisioned",
    "changes_for_update",
    "draft_for_create",
    "oauth_app",
    "provision",
    "sanitize",
]

EXTERNAL_INITIAL = "initial"


@dataclass(frozen=True, slots=True)
class InstanceDraft:
    element: Element
    name: str
    tags: list[str]
    configuration: dict[str, str] = field(repr=False)
    code: str | None = field(default=None, repr=False)
    external_refresh_token: str | None = field(default=None, repr=False)

    @property
    def external(self) -> bool:
        return self.external_refresh_token is not None


@dataclass(frozen=True, slots=True)
class InstanceChanges:
    """What a PUT or PATCH changes; None means "keep"."""

    name: str | None
    tags: list[str] | None
    configuration: dict[str, str] = field(repr=False)
    code: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class Provisioned:
    grant: TokenGrant
    identity: AccountIdentity


def sanitize(text: str) -> str:
    """Spec §2, D02: tags and attributes removed, text kept. Entities are decoded again except
    `<` and `>`, so the stored text cannot turn back into markup."""
    cleaned = nh3.clean(text, tags=set(), attributes={}, strip_comments=True)
    kept = cleaned.replace("&lt;", "\x00lt").replace("&gt;", "\x00gt")
    return html.unescape(kept).replace("\x00lt", "&lt;").replace("\x00gt", "&gt;").strip()


def _sanitized_name(name: str) -> str:
    return _within_column(sanitize(name), field_name="name")


def _sanitized_tags(tags: list[str] | None) -> list[str] | None:
    if tags is None:
        return None
    cleaned = (_within_column(sanitize(tag), field_name="tags") for tag in tags)
    return [tag for tag in cleaned if tag]


def _within_column(text: str, *, field_name: str) -> str:
    """Names and tags are stored in 255-character columns; PostgreSQL refuses longer ones."""
    if len(text) > MAX_TEXT_LENGTH:
        raise BadRequest(
            f"Invalid request body: {field_name}: at most {MAX_TEXT_LENGTH} characters"
        )
    return text


def _element_of(
    body: InstanceBody, path_element: Element | None, elements: ElementRegistry
) -> Element:
    if path_element is not None:
        return path_element
    key_or_id = body.element.key_or_id if body.element else None
    if not key_or_id:
        raise BadRequest('element is required: send {"key": "microsoftgraph"}')
    return elements.get(key_or_id)


def draft_for_create(
    body: InstanceBody, *, elements: ElementRegistry, path_element: Element | None = None
) -> InstanceDraft:
    element = _element_of(body, path_element, elements)
    external = (body.external_authentication or "none").lower() == EXTERNAL_INITIAL
    definitions = config.definitions_by_key(element.configuration_definitions())
    values = config.normalize(body.configuration or {})
    config.refuse_unwritable(values, definitions, external_authentication=external)
    missing = config.missing_required(values, definitions)
    if missing:
        raise BadRequest(f"Missing required configuration: {', '.join(missing)}")
    name = _sanitized_name(body.name or "")
    if not name:
        raise BadRequest("Invalid request body: name: required")
    refresh_token = values.pop(config.EXTERNAL_REFRESH_TOKEN, None)
    if external and not refresh_token:
        raise BadRequest(f"{config.EXTERNAL_REFRESH_TOKEN} is required for external authentication")
    if not external and body.code is None:
        raise BadRequest("providerData.code is required")
    tags = _sanitized_tags(body.tags)
    return InstanceDraft(
        element=element,
        name=name,
        tags=tags if tags else [name],
        configuration=config.with_defaults(values, definitions),
        code=None if external else body.code,
        external_refresh_token=refresh_token if external else None,
    )


def changes_for_update(body: InstanceBody, *, element: Element, replace: bool) -> InstanceChanges:
    """PUT (`replace`) needs `name` and treats absent tags as `[]`; PATCH keeps what is absent
    (D25)."""
    if body.element is not None and body.element.key_or_id not in {element.key, str(element.id)}:
        raise BadRequest("An instance cannot switch to another element")
    definitions = config.definitions_by_key(element.configuration_definitions())
    values = config.normalize(body.configuration or {})
    config.refuse_unwritable(values, definitions)
    name = _sanitized_name(body.name) if body.name is not None else None
    if (replace or body.name is not None) and not name:
        raise BadRequest("Invalid request body: name: required")
    tags = _sanitized_tags(body.tags)
    return InstanceChanges(
        name=name,
        tags=tags if tags is not None else ([] if replace else None),
        configuration=values,
        code=body.code,
    )


def oauth_app(values: Mapping[str, str]) -> OAuthApp:
    return OAuthApp(
        client_id=values.get("oauth.api.key", ""),
        client_secret=values.get("oauth.api.secret", ""),
        redirect_uri=values.get("oauth.callback.url", ""),
        scope=values.get("oauth.scope", ""),
    )


async def provision(
    element: Element, app: OAuthApp, *, code: str | None, refresh_token: str | None
) -> Provisioned:
    """D18 steps 2-3 (D23 with a refresh token), failures mapped per D22."""
    try:
        if code is not None:
            grant = await element.exchange_code(app, code)
        elif refresh_token is not None:
            grant = await element.refresh(app, refresh_token)
        else:
            raise BadRequest("providerData.code is required")
        identity = await element.identify(grant)
    except NewTokenRejected as failure:
        raise BadRequest(
            "Provider rejected the new access token", provider_message=failure.provider_message
        ) from None
    except ProviderUnavailable as failure:
        raise ProviderError(
            "Provider server error", provider_message=failure.provider_message
        ) from None
    except OAuthFailure as failure:
        raise BadRequest(
            "Failed to obtain OAuth tokens", provider_message=failure.provider_message
        ) from None
    return Provisioned(grant=grant, identity=identity)
