"""`POST /{tenant}/oauth2/v2.0/token`: authorization_code (PKCE S256/plain), refresh_token
(rotation, G35) and client_credentials (§15.3-§15.5), with the errors of §15.6 (G37)."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from msgraph_emulator.directory import App, User
from msgraph_emulator.identity.client_auth import authenticate_client
from msgraph_emulator.identity.discovery import id_token_issuer
from msgraph_emulator.identity.errors import IdentityError, missing_parameter
from msgraph_emulator.identity.forms import form_pairs
from msgraph_emulator.identity.grants import AuthorizationCode, RefreshGrant
from msgraph_emulator.identity.jwt import b64url_encode
from msgraph_emulator.identity.scopes import (
    DEFAULT_SCOPE,
    GRAPH_RESOURCE_PREFIXES,
    OIDC_SCOPES,
    ScopeRequest,
    answer_scope,
    parse_scopes,
)
from msgraph_emulator.identity.tenant import SPECIFIC_TENANT_REQUIRED, emulator_of, known_tenant
from msgraph_emulator.identity.tokens import mint_access_token, mint_id_token

if TYPE_CHECKING:
    from msgraph_emulator.emulator import Emulator

NO_STORE = {"Cache-Control": "no-store, no-cache", "Pragma": "no-cache"}


def malformed_grant() -> IdentityError:
    return IdentityError(
        "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid."
    )


def invalid_grant() -> IdentityError:
    return IdentityError("invalid_grant", 70000, "Provided grant is invalid or malformed.")


async def read_form(request: Request) -> dict[str, str]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise IdentityError(
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'grant_type'.",
        )
    form: dict[str, str] = {}
    for key, value in await form_pairs(request):
        form.setdefault(key, value)
    return form


@dataclass(frozen=True)
class TokenRequest:
    emulator: Emulator
    tenant: str
    app: App
    form: dict[str, str]
    origin: str  # as the client reached the emulator (http or https listener)

    def required(self, name: str) -> str:
        value = self.form.get(name)
        if not value:
            raise missing_parameter(name)
        return value


async def token_endpoint(request: Request) -> Response:
    tenant = known_tenant(request)
    form = await read_form(request)
    grant_type = form.get("grant_type")
    request.state.grant_type = grant_type
    if not grant_type:
        raise missing_parameter("grant_type")
    grant = _GRANTS.get(grant_type)
    if grant is None:
        raise IdentityError(
            "unsupported_grant_type",
            70003,
            f"The app requested an unsupported grant type '{grant_type}'.",
        )
    emulator = emulator_of(request)
    app = authenticate_client(
        emulator.directory, form, authorization=request.headers.get("authorization"), tenant=tenant
    )
    origin = emulator.origin_for(request.url.scheme)
    call = TokenRequest(emulator=emulator, tenant=tenant, app=app, form=form, origin=origin)
    body, user = grant(call)
    if user is not None:
        request.state.log_user = user.user_principal_name
    emulator.directory_changed()
    return JSONResponse(body, headers=NO_STORE)


# --- authorization_code -------------------------------------------------------------------


def _redeem_code(call: TokenRequest) -> tuple[dict[str, Any], User | None]:
    code_value = call.required("code")
    redirect_uri = call.required("redirect_uri")
    now = call.emulator.clock.now()
    code = call.emulator.directory.grants.find_code(code_value)
    if code is None or code.client_id != call.app.client_id:
        raise malformed_grant()
    if code.redeemed:
        raise IdentityError(
            "invalid_grant",
            54005,
            "OAuth2 Authorization code was already redeemed, please retry with a new valid "
            "code or use an existing refresh token.",
        )
    if code.expires_at <= now:
        raise IdentityError(
            "invalid_grant",
            70008,
            "The provided authorization code or refresh token has expired due to inactivity. "
            "Send a new interactive authorization request for this user and resource.",
        )
    if redirect_uri != code.redirect_uri:
        raise IdentityError(
            "invalid_request",
            50011,
            f"The redirect URI '{redirect_uri}' specified in the request does not match the "
            "redirect URI used in the authorization request.",
        )
    _check_pkce(code, call.form.get("code_verifier"))
    user = call.emulator.directory.users.get(code.user_id)
    if user is None:
        raise invalid_grant()
    code.redeemed = True
    oidc = frozenset(s for s in code.scopes if s in OIDC_SCOPES)
    graph = tuple(s for s in code.scopes if s not in OIDC_SCOPES)
    body = _user_tokens(call, user=user, graph=graph, oidc=oidc, consented=code.scopes)
    if "openid" in oidc:
        body["id_token"] = _id_token(call, user, nonce=code.nonce)
    return body, user


def _check_pkce(code: AuthorizationCode, verifier: str | None) -> None:
    if code.code_challenge is None:
        return
    if not verifier:
        raise missing_parameter("code_verifier")
    if code.code_challenge_method == "S256":
        computed = b64url_encode(hashlib.sha256(verifier.encode("ascii", "replace")).digest())
    else:
        computed = verifier
    if not hmac.compare_digest(computed.encode(), code.code_challenge.encode()):
        raise IdentityError(
            "invalid_grant",
            501481,
            "The Code_Verifier does not match the code_challenge supplied in the "
            "authorization request.",
        )


# --- refresh_token ------------------------------------------------------------------------


def _refresh(call: TokenRequest) -> tuple[dict[str, Any], User | None]:
    presented = call.required("refresh_token")
    directory = call.emulator.directory
    grant = directory.grants.find_refresh(presented)
    if grant is None:
        raise malformed_grant()
    _check_refresh_grant(call, grant)
    user = directory.users.get(grant.user_id)
    if user is None:
        raise invalid_grant()
    requested = parse_scopes(call.form.get("scope", ""))
    graph = _refresh_scopes(call, grant, requested)
    grant.used = True
    oidc = requested.oidc | {"offline_access"}
    body = _user_tokens(call, user=user, graph=graph, oidc=oidc, consented=grant.scopes)
    if "openid" in requested.oidc:
        body["id_token"] = _id_token(call, user, nonce=None)
    return body, user


def _check_refresh_grant(call: TokenRequest, grant: RefreshGrant) -> None:
    settings = call.emulator.settings
    now = call.emulator.clock.now()
    if grant.client_id != call.app.client_id:
        raise invalid_grant()
    if grant.revoked:  # G35
        raise IdentityError(
            "invalid_grant",
            50173,
            "The provided grant has expired due to it being revoked, a fresh auth token is "
            "needed. The user might have changed or reset their password.",
        )
    inactive = now - grant.issued_at
    if inactive >= timedelta(seconds=settings.refresh_token_inactivity_seconds):
        raise IdentityError(
            "invalid_grant",
            700082,
            f"The refresh token has expired due to inactivity. The token was issued on "
            f"{grant.issued_at.isoformat()} and was inactive for {inactive}.",
        )
    if settings.strict_refresh_rotation and grant.used:  # G35 strict switch
        raise invalid_grant()


def _refresh_scopes(
    call: TokenRequest, grant: RefreshGrant, requested: ScopeRequest
) -> tuple[str, ...]:
    consented = tuple(s for s in grant.scopes if s not in OIDC_SCOPES)
    if requested.default or not requested.graph:
        return consented
    missing = [s for s in requested.graph if s not in consented]
    if missing:
        raise IdentityError(
            "invalid_grant",
            65001,
            f"The user or administrator has not consented to use the application with ID "
            f"'{call.app.client_id}'. Send an interactive authorization request for this user "
            "and resource.",
        )
    return requested.graph


# --- client_credentials -------------------------------------------------------------------


def _client_credentials(call: TokenRequest) -> tuple[dict[str, Any], User | None]:
    if call.tenant.casefold() in SPECIFIC_TENANT_REQUIRED:
        raise IdentityError(
            "invalid_request",
            9001023,
            "The grant type isn't supported over the /common or /consumers endpoints. "
            "Please use a tenant-specific endpoint.",
        )
    if call.app.client_secret is None:
        raise IdentityError(
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: "
            "'client_assertion' or 'client_secret'.",
            status=401,
        )
    scope = call.required("scope").strip()
    if not any(scope.casefold() == p + DEFAULT_SCOPE for p in GRAPH_RESOURCE_PREFIXES):
        raise IdentityError(
            "invalid_scope",
            1002012,
            f"The provided value for scope {scope} is not valid. Client credential flows must "
            "have a scope value with /.default suffixed to the resource identifier "
            "(application ID URI).",
        )
    token = mint_access_token(
        call.emulator.directory,
        now=call.emulator.clock.now(),
        lifetime_seconds=call.emulator.settings.access_token_lifetime_seconds,
        client_id=call.app.client_id,
        user=None,
        roles=call.app.application_permissions,
    )
    body = {
        "token_type": "Bearer",
        "expires_in": token.expires_in,
        "ext_expires_in": token.expires_in,
        "access_token": token.value,
    }
    return body, None


# --- shared -------------------------------------------------------------------------------


def _user_tokens(
    call: TokenRequest,
    *,
    user: User,
    graph: tuple[str, ...],
    oidc: frozenset[str],
    consented: tuple[str, ...],
) -> dict[str, Any]:
    emulator = call.emulator
    now = emulator.clock.now()
    token = mint_access_token(
        emulator.directory,
        now=now,
        lifetime_seconds=emulator.settings.access_token_lifetime_seconds,
        client_id=call.app.client_id,
        user=user,
        scopes=graph,
    )
    body: dict[str, Any] = {
        "token_type": "Bearer",
        "scope": answer_scope(graph, oidc),
        "expires_in": token.expires_in,
        "ext_expires_in": token.expires_in,
        "access_token": token.value,
    }
    if "offline_access" in oidc and "offline_access" in consented:
        grant = RefreshGrant(
            user_id=user.id, client_id=call.app.client_id, scopes=consented, issued_at=now
        )
        inactivity = timedelta(seconds=emulator.settings.refresh_token_inactivity_seconds)
        body["refresh_token"] = emulator.directory.grants.issue_refresh(
            grant, inactivity=inactivity
        )
    if call.form.get("client_info") == "1":  # G34: msal builds its account id from it
        info = {"uid": user.id, "utid": emulator.directory.tenant_id}
        body["client_info"] = b64url_encode(json.dumps(info).encode())
    return body


def _id_token(call: TokenRequest, user: User, *, nonce: str | None) -> str:
    emulator = call.emulator
    return mint_id_token(
        emulator.directory,
        now=emulator.clock.now(),
        lifetime_seconds=emulator.settings.access_token_lifetime_seconds,
        client_id=call.app.client_id,
        issuer=id_token_issuer(call.origin, tenant_id=emulator.directory.tenant_id),
        user=user,
        nonce=nonce,
    )


_GRANTS = {
    "authorization_code": _redeem_code,
    "refresh_token": _refresh,
    "client_credentials": _client_credentials,
}
