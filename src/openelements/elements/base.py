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
from typing import Any, Protocol

from openelements.kit.errors import ElementsError

__all__ = [
    "AccessTokenRejected",
    "AccountIdentity",
    "AppCredentialsRejected",
    "ConfigurationDefinition",
    "Element",
    "GrantRefused",
    "NewTokenRejected",
    "OAuthApp",
    "OAuthFailure",
    "ProviderFailure",
    "ProviderRequest",
    "ProviderResponse",
    "ProviderUnavailable",
    "ReauthenticationRequired",
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
