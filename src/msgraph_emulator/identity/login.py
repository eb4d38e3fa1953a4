"""`POST /{tenant}/login`: the steps of the sign-in page (G33): username, password, consent."""

from __future__ import annotations

import hmac

from starlette.requests import Request
from starlette.responses import Response

from msgraph_emulator.identity.authorize import (
    CANCELED,
    RedirectError,
    error_page,
    login_action,
    redirect_error,
    redirect_with_code,
    username_page,
)
from msgraph_emulator.identity.errors import IdentityError
from msgraph_emulator.identity.forms import form_pairs
from msgraph_emulator.identity.pages import render, scope_items
from msgraph_emulator.identity.signin import PendingSignIn
from msgraph_emulator.identity.tenant import emulator_of

UNKNOWN_USER = (
    "This username may be incorrect. Make sure you typed it correctly. "
    "Otherwise, contact your admin."
)
WRONG_PASSWORD = "Your account or password is incorrect."


def flow_expired() -> IdentityError:
    return IdentityError(
        "invalid_request", 50089, "Flow token expired: authentication failed. Sign in again."
    )


async def login_endpoint(request: Request) -> Response:
    form = dict(await form_pairs(request))
    emulator = emulator_of(request)
    ctx = form.get("ctx", "")
    pending = emulator.sign_ins.find(ctx, now=emulator.clock.now())
    if pending is None:
        return error_page(request, flow_expired())
    if form.get("action") == "cancel":
        emulator.sign_ins.finish(ctx)
        return redirect_error(pending.request, RedirectError("access_denied", CANCELED))
    step = form.get("step")
    if step == "username":
        return _username_step(request, ctx, pending, form.get("loginfmt", "").strip())
    if step == "password":
        return _password_step(request, ctx, pending, form.get("passwd", ""))
    if step == "consent" and pending.user_id is not None and form.get("action") == "accept":
        return _finish(request, ctx, pending)
    return error_page(request, flow_expired())


def _username_step(request: Request, ctx: str, pending: PendingSignIn, username: str) -> Response:
    user = emulator_of(request).directory.user_by_id_or_upn(username) if username else None
    if user is None:
        return username_page(request, ctx, username=username, error=UNKNOWN_USER)
    pending.username = user.user_principal_name
    return _password_page(request, ctx, pending, error="")


def _password_page(request: Request, ctx: str, pending: PendingSignIn, *, error: str) -> Response:
    return render(
        "password.html",
        title="Sign in to your account",
        action=login_action(request),
        ctx=ctx,
        username=pending.username or "",
        error=error,
    )


def _password_step(request: Request, ctx: str, pending: PendingSignIn, password: str) -> Response:
    emulator = emulator_of(request)
    user = emulator.directory.user_by_id_or_upn(pending.username or "")
    if user is None:
        return username_page(request, ctx, error=UNKNOWN_USER)
    if user.password is None or not hmac.compare_digest(password.encode(), user.password.encode()):
        return _password_page(request, ctx, pending, error=WRONG_PASSWORD)
    pending.user_id = user.id
    if emulator.settings.auto_consent or user.refuse_consent:
        return _finish(request, ctx, pending)
    return render(
        "consent.html",
        title="Permissions requested",
        action=login_action(request),
        ctx=ctx,
        username=user.user_principal_name,
        client_id=pending.request.client_id,
        scopes_html=scope_items(pending.request.scopes),
    )


def _finish(request: Request, ctx: str, pending: PendingSignIn) -> Response:
    emulator = emulator_of(request)
    emulator.sign_ins.finish(ctx)
    user = emulator.directory.users.get(pending.user_id or "")
    if user is None:
        return error_page(request, flow_expired())
    return redirect_with_code(emulator, pending.request, user)
