"""The Microsoft identity platform v2.0 as a confidential client (microsoft-graph.md §15).

Authorization URL (D16: from the deployment's authority, parameter order and `+` for spaces as
the documented example, no PKCE), code redemption and refresh with HTTP Basic client
authentication (D30 `oauth.basic.header`). Refresh tokens rotate: every answer's new refresh
token replaces the stored one (§15.4); when an answer carries none, the old one stays usable.

Error answers map to the OAuth outcomes of `elements.base` (§19.11, D79):

    invalid_grant (any AADSTS code: 70008, 700082, 700084, 50173, 70043, 54005, ...),
    interaction_required                    -> ReauthenticationRequired
    invalid_client, unauthorized_client     -> AppCredentialsRejected
    5xx, temporarily_unavailable, no answer -> ProviderUnavailable
    anything else (invalid_request, invalid_scope, ...) -> GrantRefused
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote_plus, urlencode

from openelements.elements.base import (
    AppCredentialsRejected,
    GrantRefused,
    OAuthApp,
    OAuthFailure,
    ProviderUnavailable,
    ReauthenticationRequired,
    TokenGrant,
)
from openelements.kit.clock import Clock
from openelements.kit.http import HttpRequest, HttpResponse, Transport, TransportFailure

__all__ = ["MicrosoftIdentityClient", "first_line", "with_offline_access"]

REAUTHENTICATE_ERRORS = frozenset({"invalid_grant", "interaction_required"})
APP_CREDENTIAL_ERRORS = frozenset({"invalid_client", "unauthorized_client"})
OFFLINE_ACCESS = "offline_access"


def with_offline_access(scope: str) -> str:
    """Scopes as sent: space-separated, `offline_access` always present (a refresh token)."""
    names = scope.split()
    if OFFLINE_ACCESS not in names:
        names.append(OFFLINE_ACCESS)
    return " ".join(names)


def first_line(description: str | None) -> str | None:
    """The AADSTS line of `error_description`, without Trace ID, Correlation ID, Timestamp."""
    if not description:
        return None
    line = description.replace("\r\n", "\n").split("\n", 1)[0]
    for marker in (" Trace ID:", " Correlation ID:", " Timestamp:"):
        line = line.split(marker, 1)[0]
    return line.strip() or None


def _basic_credentials(app: OAuthApp) -> str:
    # RFC 6749 §2.3.1: id and secret are form-encoded before they are joined and base64-encoded.
    pair = f"{quote_plus(app.client_id)}:{quote_plus(app.client_secret)}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


class MicrosoftIdentityClient:
    def __init__(self, *, authority: str, transport: Transport, clock: Clock) -> None:
        self._authority = authority.rstrip("/")
        self._transport = transport
        self._clock = clock

    @property
    def authorize_endpoint(self) -> str:
        return f"{self._authority}/oauth2/v2.0/authorize"

    @property
    def token_endpoint(self) -> str:
        return f"{self._authority}/oauth2/v2.0/token"

    def authorization_url(
        self, *, client_id: str, redirect_uri: str, scope: str, state: str
    ) -> str:
        query = urlencode(
            [
                ("scope", with_offline_access(scope)),
                ("response_type", "code"),
                ("redirect_uri", redirect_uri),
                ("state", state),
                ("client_id", client_id),
            ]
        )
        return f"{self.authorize_endpoint}?{query}"

    async def exchange_code(self, app: OAuthApp, code: str) -> TokenGrant:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": app.redirect_uri,
            "scope": with_offline_access(app.scope),
        }
        return await self._token_request(app, form)

    async def refresh(self, app: OAuthApp, refresh_token: str) -> TokenGrant:
        form = {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "scope": with_offline_access(app.scope),
        }
        grant = await self._token_request(app, form)
        if grant.refresh_token is None:
            return TokenGrant(
                access_token=grant.access_token,
                refresh_token=refresh_token,
                expires_at=grant.expires_at,
                scopes=grant.scopes,
            )
        return grant

    async def _token_request(self, app: OAuthApp, form: Mapping[str, str]) -> TokenGrant:
        request = HttpRequest(
            method="POST",
            url=self.token_endpoint,
            headers={
                "Authorization": _basic_credentials(app),
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
            body=urlencode(form).encode(),
        )
        try:
            response = await self._transport.send(request)
        except TransportFailure as exc:
            raise ProviderUnavailable(None, code="unreachable") from exc
        if response.status == 200:
            return self._grant_from(response)
        raise _failure_from(response)

    def _grant_from(self, response: HttpResponse) -> TokenGrant:
        answer = _json_object(response)
        access_token = answer.get("access_token")
        if not isinstance(access_token, str) or not access_token:
            raise ProviderUnavailable("token answer without access_token", code="malformed")
        refresh_token = answer.get("refresh_token")
        expires_in = int(answer.get("expires_in") or 3599)
        return TokenGrant(
            access_token=access_token,
            refresh_token=refresh_token if isinstance(refresh_token, str) else None,
            expires_at=self._clock.now() + dt.timedelta(seconds=expires_in),
            scopes=frozenset(str(answer.get("scope") or "").split()),
        )


def _json_object(response: HttpResponse) -> dict[str, Any]:
    try:
        value = json.loads(response.body) if response.body else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _failure_from(response: HttpResponse) -> OAuthFailure:
    answer = _json_object(response)
    error = str(answer.get("error") or "")
    message = first_line(answer.get("error_description"))
    if response.status >= 500 or response.status == 429 or error == "temporarily_unavailable":
        return ProviderUnavailable(message, code=error or str(response.status))
    if error in REAUTHENTICATE_ERRORS:
        return ReauthenticationRequired(message, code=error)
    if error in APP_CREDENTIAL_ERRORS:
        return AppCredentialsRejected(message, code=error)
    return GrantRefused(message, code=error or str(response.status))
