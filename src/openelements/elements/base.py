"""The Element protocol: what every provider implements, and all a domain may know of one.

Domains (instances, hubs, events, bulk) reach a provider only through this module (DESIGN.md §2),
so a second provider is a new package under `elements/` plus one line in the registry.

Failures a provider reports fall in two groups:

- OAuth outcomes (`ReauthenticationRequired`, `AppCredentialsRejected`, `GrantRefused`,
  `ProviderUnavailable`), raised by `exchange_code`, `refresh` and `identify`. They are not
  `ElementsError`s on purpose: the same refusal is a 400 while provisioning (D22) and a 401 that
  invalidates the instance on refresh (D29); the instances domain decides.
- API call outcomes: `AccessTokenRejected` (the provider answered 401; the caller refreshes once
  and retries, D19) and `ProviderFailure`, an `ElementsError` already mapped per D79 (status,
  our `message`, the provider's words in `providerMessage`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, NotRequired, Protocol, TypedDict, Unpack

from openelements.kit.errors import ElementsError

__all__ = [
    "AccessTokenRejected",
    "AccountIdentity",
    "AppCredentialsRejected",
    "ConfigurationDefinition",
    "Element",
    "GrantRefused",
    "HubObject",
    "HubResource",
    "ListQuery",
    "NewTokenRejected",
    "OAuthApp",
    "OAuthFailure",
    "ProviderFailure",
    "ProviderRequest",
    "ProviderResponse",
    "ProviderUnavailable",
    "ReauthenticationRequired",
    "ResourceKind",
    "TokenGrant",
]


@dataclass(frozen=True, slots=True)
class ConfigurationDefinition:
    """One configuration key of an element (spec §7, D28)."""

    key: str
    name: str
    description: str
    type: str
    """TEXTFIELD_32, TEXTFIELD_128, TEXTAREA, PASSWORD, BOOLEAN or SELECTION (D28)."""
    required: bool = False
    default: str | None = None
    masked: bool = False
    """Shown as `********` (spec §6.3 masking, D20)."""
    internal: bool = False
    """Set by openelements (`subscriptionId`, `oauth.user.*`); the customer cannot write it."""
    secret: bool = False
    """Never returned at all (`oauth.user.*` tokens, D20)."""
    element_level: bool = False
    """Comes from the deployment's settings (`base.url`, `oauth.*.url`), read-only (D30)."""

    @property
    def writable(self) -> bool:
        return not (self.internal or self.secret or self.element_level)

    def catalog_entry(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "description": self.description,
            "type": self.type,
            "required": self.required,
            "defaultValue": self.default,
            "hideFromConsole": self.internal or self.secret,
            "active": True,
        }


@dataclass(frozen=True, slots=True)
class OAuthApp:
    """The customer's registered application, as the instance configuration names it."""

    client_id: str
    client_secret: str = field(repr=False)
    redirect_uri: str
    scope: str


@dataclass(frozen=True, slots=True)
class TokenGrant:
    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: dt.datetime
    scopes: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class AccountIdentity:
    """Who the connection belongs to at the provider."""

    mailbox: str
    """The key for per-mailbox concurrency (D18: the calendar owner's address)."""
    provider_user_id: str | None = None
    user_principal_name: str | None = None


class OAuthFailure(Exception):
    """Base of OAuth outcomes; `provider_message` is the provider's description, first line."""

    def __init__(self, provider_message: str | None = None, *, code: str | None = None) -> None:
        super().__init__(provider_message or type(self).__name__)
        self.provider_message = provider_message
        self.code = code


class ReauthenticationRequired(OAuthFailure):
    """The grant is dead (expired, revoked, consent or MFA needed): the user must sign in again."""


class AppCredentialsRejected(OAuthFailure):
    """The application's id or secret was refused (`invalid_client`, `unauthorized_client`)."""


class GrantRefused(OAuthFailure):
    """Any other refusal of a token request (bad request, scope, redirect URI...)."""


class NewTokenRejected(GrantRefused):
    """The provider refused the access token just obtained (D22)."""


class ProviderUnavailable(OAuthFailure):
    """The provider did not answer usefully: 5xx, network error, timeout."""


class AccessTokenRejected(Exception):
    """The provider answered 401 to an API call made with the access token."""

    def __init__(self, provider_message: str | None = None) -> None:
        super().__init__(provider_message or "access token rejected")
        self.provider_message = provider_message


class ProviderFailure(ElementsError):
    """A provider answer mapped per D79; keeps the provider's status and error code."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        provider_status: int | None = None,
        provider_code: str | None = None,
        provider_message: str | None = None,
        retry_after_seconds: int | None = None,
    ) -> None:
        super().__init__(message, provider_message=provider_message)
        self.status = status
        self.provider_status = provider_status
        self.provider_code = provider_code
        self.retry_after_seconds = retry_after_seconds

    def headers(self) -> Mapping[str, str]:
        if self.status != 429 or self.retry_after_seconds is None:
            return {}
        return {"Retry-After": str(self.retry_after_seconds)}


@dataclass(frozen=True, slots=True)
class ProviderRequest:
    """An API call relative to the element's base URL. `path` segments are already encoded."""

    method: str
    path: str
    query: Mapping[str, str] = field(default_factory=dict)
    json_body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    idempotent: bool | None = None


@dataclass(frozen=True, slots=True)
class ProviderResponse:
    status: int
    headers: Mapping[str, str]
    """Names lower-cased."""
    body: bytes = b""

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class ResourceKind(Enum):
    """How the hub treats a resource's answer (used by the hubs domain)."""

    COLLECTION = "collection"
    """GET lists (CEQL, paging, a bare array); POST creates (200 with the object)."""
    ITEM = "item"
    """One object: GET, PATCH (200 with the object), DELETE (200, empty body)."""
    ACTION = "action"
    """POST with a body; an empty provider answer becomes 200 with an empty body."""
    PING = "ping"
    """A heartbeat that calls the provider cheaply (D39)."""


@dataclass(frozen=True, slots=True)
class HubResource:
    """One hub route of an element, declared in the element's resource table.

    `path` is the hub template below `/hubs/{hub}/` with `{name}` placeholders, one per segment
    (`calendars/{calendarId}/events`); `vendor_paths` maps each method to the provider's path
    template, using the same placeholders.
    """

    path: str
    kind: ResourceKind
    vendor_paths: Mapping[str, str]
    object_name: str | None = None
    """The element object it serves (`events`): objects listing and transformations (D74)."""
    window: bool = False
    """List needs `startDateTime`/`endDateTime` (calendar views, D38)."""
    read_only_fields: frozenset[str] = frozenset()
    """Top-level body keys the provider owns; dropped from request bodies, never refused."""
    vendor_query: Mapping[str, str] = field(default_factory=dict)
    """Fixed provider query options (ping's `$select`)."""
    list_answer: bool = False
    """An ACTION whose provider answer wraps a list in `value` (getSchedule)."""

    @property
    def methods(self) -> frozenset[str]:
        return frozenset(self.vendor_paths)

    @property
    def segments(self) -> tuple[str, ...]:
        return tuple(self.path.split("/"))


@dataclass(frozen=True, slots=True)
class HubObject:
    """An object of `GET /hubs/{hub}/objects` and its metadata fields (spec §8.6, D39)."""

    name: str
    vendor_name: str
    type: str
    """`vendor`, `ceCanonical` or `vdr`."""
    fields: tuple[Mapping[str, Any], ...] = ()


class ListQuery(TypedDict):
    """A hub list's query as the caller sent it: CEQL `where`, `orderBy`, `fields`, and the
    calendar window for resources that have one (spec §9.5)."""

    where: str | None
    order_by: str | None
    fields: str | None
    start_date_time: NotRequired[str | None]
    end_date_time: NotRequired[str | None]


class Element(Protocol):
    """One provider. Implementations are built once per process with their transport."""

    @property
    def key(self) -> str: ...

    @property
    def id(self) -> int: ...

    @property
    def name(self) -> str: ...

    @property
    def hub(self) -> str: ...

    def catalog_entry(self) -> dict[str, Any]:
        """The element object of `GET /elements` (spec §5.2)."""
        ...

    def metadata(self) -> dict[str, Any]:
        """`GET /elements/{keyOrId}/metadata` (spec §5.3)."""
        ...

    def configuration_definitions(self) -> Sequence[ConfigurationDefinition]: ...

    def deployment_configuration(self) -> Mapping[str, str]:
        """Element-level configuration values from the deployment settings (D30)."""
        ...

    def authorization_url(
        self, *, client_id: str, redirect_uri: str, scope: str | None, state: str | None
    ) -> str: ...

    async def exchange_code(self, app: OAuthApp, code: str) -> TokenGrant: ...

    async def refresh(self, app: OAuthApp, refresh_token: str) -> TokenGrant: ...

    async def identify(self, grant: TokenGrant) -> AccountIdentity:
        """Proves a new access token works and says whose it is (D18 step 3)."""
        ...

    async def call(
        self, request: ProviderRequest, *, access_token: str, mailbox: str
    ) -> ProviderResponse:
        """One API call; 2xx answers return, 401 raises `AccessTokenRejected`, the rest
        `ProviderFailure` (D79)."""
        ...

    def hub_resources(self) -> Sequence[HubResource]:
        """The element's hub resource table (spec §8.3)."""
        ...

    def hub_objects(self) -> Sequence[HubObject]:
        """The objects `GET /hubs/{hub}/objects` names, with their metadata fields (D39)."""
        ...

    def list_query_options(
        self, resource: HubResource, **query: Unpack[ListQuery]
    ) -> dict[str, str]:
        """Provider query options for a list's CEQL `where`, `orderBy`, `fields` and window;
        refusals are `BadRequest`s naming the term (spec §9.5)."""
        ...
