"""`GET /{tenant}/oauth2/v2.0/authorize` and the sign-in steps posted to `/{tenant}/login`
(spec §15.2, G33).

Problems with the tenant, client or redirect URI answer a 400 error page (the redirect target
cannot be trusted); every later problem redirects to the app with `error=...`. With
`autoConsent` and a `login_hint` naming a user, the code comes back at once (302).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from msgraph_emulator.directory import User
from msgraph_emulator.identity.errors import IdentityError, missing_parameter
from msgraph_emulator.identity.forms import form_pairs
from msgraph_emulator.identity.grants import AuthorizationCode
from msgraph_emulator.identity.pages import hidden_fields, render
from msgraph_emulator.identity.scopes import parse_scopes
from msgraph_emulator.identity.signin import AuthorizeRequest, PendingSignIn
from msgraph_emulator.identity.tenant import emulator_of, unknown_tenant

if TYPE_CHECKING:
    from msgraph_emulator.emulator import Emulator

RESPONSE_MODES = frozenset({"query", "fragment", "form_post"})
PKCE_METHODS = frozenset({"S256", "plain"})
CANCELED = "the user canceled the authentication"


class RedirectError(Exception):
    """An error the app hears about through its redirect URI."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


def error_page(request: Request, error: IdentityError) -> Response:
    return render(
        "error.html",
        title="Sign in",
        status=error.status,
        code=str(error.aadsts),
        message=error.description,
        correlation_id=request.headers.get("client-request-id", ""),
    )


# --- building the authorization request ---------------------------------------------------


def _trusted_target(request: Request, params: dict[str, str]) -> tuple[str, str, str]:
    """(tenant, client id, redirect URI), or IdentityError for the error page."""
    emulator = emulator_of(request)
    tenant = str(request.path_params["tenant"])
    if not emulator.directory.knows_tenant(tenant):
        raise unknown_tenant(tenant)
    client_id = params.get("client_id")
    if not client_id:
        raise missing_parameter("client_id")
    app = emulator.directory.app(client_id)
    if app is None:
        raise IdentityError(
            "unauthorized_client",
            700016,
            f"Application with identifier '{client_id}' was not found in the directory '{tenant}'.",
        )
    redirect_uri = params.get("redirect_uri") or (app.redirect_uris[0] if app.redirect_uris else "")
    if redirect_uri not in app.redirect_uris:
        raise IdentityError(
            "invalid_request",
            50011,
            f"The redirect URI '{redirect_uri}' specified in the request does not match the "
            f"redirect URIs configured for the application '{client_id}'.",
        )
    return tenant, client_id, redirect_uri


def _authorize_request(request: Request, params: dict[str, str]) -> AuthorizeRequest:
    tenant, client_id, redirect_uri = _trusted_target(request, params)
    mode = params.get("response_mode") or "query"
    base = AuthorizeRequest(
        tenant=tenant,
        client_id=client_id,
        redirect_uri=redirect_uri,
        scopes=(),
        state=params.get("state"),
        response_mode=mode if mode in RESPONSE_MODES else "query",
        code_challenge=params.get("code_challenge") or None,
        code_challenge_method=None,
        nonce=params.get("nonce"),
        login_hint=params.get("login_hint") or None,
        prompt=params.get("prompt") or None,
    )
    # From here on the redirect URI is trusted: problems travel back through it.
    return _checked(request, base, params)


def _checked(request: Request, base: AuthorizeRequest, params: dict[str, str]) -> AuthorizeRequest:
    if params.get("response_mode") and params["response_mode"] not in RESPONSE_MODES:
        raise _Deferred(base, RedirectError("invalid_request", "Unsupported response_mode."))
    if params.get("response_type") != "code":
        raise _Deferred(
            base,
            RedirectError(
                "unsupported_response_type",
                "AADSTS700054: The response_type must be 'code' for this application.",
            ),
        )
    method = params.get("code_challenge_method") or ("plain" if base.code_challenge else None)
    if method is not None and (method not in PKCE_METHODS or not base.code_challenge):
        raise _Deferred(
            base,
            RedirectError("invalid_request", "AADSTS501491: Invalid code_challenge_method."),
        )
    scope = params.get("scope", "")
    if not scope.strip():
        raise _Deferred(
            base,
            RedirectError(
                "invalid_request",
                "AADSTS900144: The request body must contain the following parameter: 'scope'.",
            ),
        )
    try:
        parsed = parse_scopes(scope)
    except IdentityError as exc:
        raise _Deferred(
            base, RedirectError(exc.error, f"AADSTS{exc.aadsts}: {exc.description}")
        ) from exc
    app = emulator_of(request).directory.app(base.client_id)
    assert app is not None
    graph = app.delegated_permissions if parsed.default else parsed.graph
    return AuthorizeRequest(
        **{
            **base.__dict__,
            "scopes": (*graph, *sorted(parsed.oidc)),
            "code_challenge_method": method,
        }
    )


class _Deferred(Exception):
    def __init__(self, target: AuthorizeRequest, error: RedirectError) -> None:
        super().__init__(error.description)
        self.target = target
        self.error = error


# --- answers ------------------------------------------------------------------------------


def redirect_to_app(target: AuthorizeRequest, values: dict[str, str]) -> Response:
    if target.state is not None:
        values = {**values, "state": target.state}
    if target.response_mode == "form_post":
        return render(
            "form_post.html",
            title="Working...",
            action=target.redirect_uri,
            fields_html=hidden_fields(values),
        )
    if target.response_mode == "fragment":
        return RedirectResponse(f"{target.redirect_uri}#{urlencode(values)}", status_code=302)
    joiner = "&" if "?" in target.redirect_uri else "?"
    return RedirectResponse(f"{target.redirect_uri}{joiner}{urlencode(values)}", status_code=302)


def redirect_error(target: AuthorizeRequest, error: RedirectError) -> Response:
    return redirect_to_app(target, {"error": error.error, "error_description": error.description})


def redirect_with_code(emulator: Emulator, target: AuthorizeRequest, user: User) -> Response:
    if user.refuse_consent:
        return redirect_error(target, RedirectError("access_denied", CANCELED))
    now = emulator.clock.now()
    code = AuthorizationCode(
        client_id=target.client_id,
        redirect_uri=target.redirect_uri,
        scopes=target.scopes,
        user_id=user.id,
        code_challenge=target.code_challenge,
        code_challenge_method=target.code_challenge_method,
        nonce=target.nonce,
        expires_at=now + timedelta(seconds=emulator.settings.authorization_code_lifetime_seconds),
    )
    value = emulator.directory.grants.issue_code(code, now=now)
    return redirect_to_app(target, {"code": value})


def username_page(request: Request, ctx: str, *, username: str = "", error: str = "") -> Response:
    return render(
        "username.html",
        title="Sign in to your account",
        action=login_action(request),
        ctx=ctx,
        username=username,
        error=error,
    )


def login_action(request: Request) -> str:
    return f"/{request.path_params['tenant']}/login"


# --- the endpoint -------------------------------------------------------------------------


async def authorize_endpoint(request: Request) -> Response:
    params = dict(request.query_params)
    if request.method == "POST":
        params |= dict(await form_pairs(request))
    try:
        target = _authorize_request(request, params)
    except IdentityError as exc:
        return error_page(request, exc)
    except _Deferred as deferred:
        return redirect_error(deferred.target, deferred.error)
    return _start_sign_in(request, target)


def _start_sign_in(request: Request, target: AuthorizeRequest) -> Response:
    emulator = emulator_of(request)
    hinted = emulator.directory.user_by_id_or_upn(target.login_hint) if target.login_hint else None
    if emulator.settings.auto_consent and hinted is not None:  # G33
        return redirect_with_code(emulator, target, hinted)
    if target.prompt == "none":
        return redirect_error(
            target,
            RedirectError(
                "login_required",
                "AADSTS50058: A silent sign-in request was sent but no user is signed in.",
            ),
        )
    now = emulator.clock.now()
    pending = PendingSignIn(
        request=target,
        expires_at=now + timedelta(seconds=emulator.settings.authorization_code_lifetime_seconds),
    )
    ctx = emulator.sign_ins.start(pending, now=now)
    return username_page(request, ctx, username=target.login_hint or "")
