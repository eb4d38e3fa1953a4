"""The control API under `/_emulator` (G41): no authentication, loopback only."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from msgraph_emulator.directory import DuplicateUserError
from msgraph_emulator.emulator import Emulator
from msgraph_emulator.faults import FaultSpecError


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def control_error_response(error: ControlError) -> JSONResponse:
    code = {400: "badRequest", 404: "notFound", 409: "conflict"}.get(error.status, "error")
    return JSONResponse({"error": {"code": code, "message": error.message}}, error.status)


def _emulator(request: Request) -> Emulator:
    emulator: Emulator = request.app.state.emulator
    return emulator


async def _json_object(request: Request, *, required: bool = True) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        if required:
            raise ControlError(400, "a JSON object body is required")
        return {}
    try:
        document = json.loads(raw)
    except ValueError as exc:
        raise ControlError(400, "the body is not JSON") from exc
    if not isinstance(document, dict):
        raise ControlError(400, "the body must be a JSON object")
    return document


def _string(document: dict[str, Any], key: str) -> str:
    value = document.get(key)
    if not isinstance(value, str) or not value:
        raise ControlError(400, f"{key} must be a non-empty string")
    return value


def _optional_string(document: dict[str, Any], key: str) -> str | None:
    return None if document.get(key) is None else _string(document, key)


async def create_app(request: Request) -> Response:
    document = await _json_object(request)
    client_id = _string(document, "clientId")
    secret = _optional_string(document, "clientSecret")
    uris = document.get("redirectUris", [])
    if not isinstance(uris, list) or not all(isinstance(u, str) for u in uris):
        raise ControlError(400, "redirectUris must be a list of strings")
    app = _emulator(request).register_app(
        client_id=client_id, client_secret=secret, redirect_uris=list(uris)
    )
    _emulator(request).directory_changed()
    body = {"clientId": app.client_id, "redirectUris": app.redirect_uris}
    return JSONResponse(body, 201)


async def create_user(request: Request) -> Response:
    document = await _json_object(request)
    upn = _string(document, "userPrincipalName")
    display_name = _optional_string(document, "displayName") or upn.split("@")[0]
    emulator = _emulator(request)
    try:
        user = emulator.create_user(
            user_principal_name=upn,
            display_name=display_name,
            password=_optional_string(document, "password"),
            time_zone=_optional_string(document, "timeZone"),
            user_id=_optional_string(document, "id"),
        )
    except DuplicateUserError as exc:
        raise ControlError(409, str(exc)) from exc
    user.refuse_consent = bool(document.get("refuseConsent", False))
    emulator.directory_changed()
    body = {
        "id": user.id,
        "userPrincipalName": user.user_principal_name,
        "displayName": user.display_name,
        "mail": user.mail,
        "timeZone": user.time_zone,
    }
    return JSONResponse(body, 201)


async def issue_user_token(request: Request) -> Response:
    emulator = _emulator(request)
    upn = request.path_params["upn"]
    user = emulator.directory.user_by_id_or_upn(upn)
    if user is None:
        raise ControlError(404, f"no user {upn}")
    document = await _json_object(request, required=False)
    scopes = document.get("scopes")
    if scopes is not None and not (
        isinstance(scopes, list) and all(isinstance(s, str) for s in scopes)
    ):
        raise ControlError(400, "scopes must be a list of strings")
    token = (
        emulator.issue_user_token(user, scopes=tuple(scopes))
        if scopes is not None
        else emulator.issue_user_token(user)
    )
    emulator.directory_changed()
    body = {"access_token": token.value, "token_type": "Bearer", "expires_in": token.expires_in}
    return JSONResponse(body)


async def get_settings(request: Request) -> Response:
    return JSONResponse(_emulator(request).settings.to_json())


async def put_settings(request: Request) -> Response:
    emulator = _emulator(request)
    try:
        emulator.settings.update_from_json(await _json_object(request))
    except ValueError as exc:
        raise ControlError(400, str(exc)) from exc
    return JSONResponse(emulator.settings.to_json())


async def add_fault(request: Request) -> Response:
    try:
        fault = _emulator(request).faults.add_from_json(await _json_object(request))
    except FaultSpecError as exc:
        raise ControlError(400, str(exc)) from exc
    return JSONResponse(fault.to_json(), 201)


async def list_faults(request: Request) -> Response:
    return JSONResponse([fault.to_json() for fault in _emulator(request).faults.active()])


async def clear_faults(request: Request) -> Response:
    _emulator(request).faults.clear()
    return Response(status_code=204)


async def _user_id_from(request: Request) -> str | None:
    document = await _json_object(request, required=False)
    upn = _optional_string(document, "userPrincipalName")
    if upn is None:
        return None
    user = _emulator(request).directory.user_by_id_or_upn(upn)
    if user is None:
        raise ControlError(404, f"no user {upn}")
    return user.id


async def expire_tokens(request: Request) -> Response:
    emulator = _emulator(request)
    user_id = await _user_id_from(request)
    ended = emulator.directory.grants.expire_access(now=emulator.clock.now(), user_id=user_id)
    emulator.directory_changed()
    return JSONResponse({"expired": ended})


async def revoke_tokens(request: Request) -> Response:
    emulator = _emulator(request)
    user_id = await _user_id_from(request)
    revoked = emulator.directory.grants.revoke_refresh(user_id=user_id)
    emulator.directory_changed()
    return JSONResponse({"revoked": revoked})


async def list_requests(request: Request) -> Response:
    raw = request.query_params.get("since", "0")
    try:
        since = int(raw)
    except ValueError as exc:
        raise ControlError(400, "since must be a whole number") from exc
    entries = _emulator(request).request_log.since(since)
    return JSONResponse([entry.to_json() for entry in entries])


async def reset(request: Request) -> Response:
    _emulator(request).reset()
    return Response(status_code=204)


def routes() -> list[BaseRoute]:
    """Relative to the `/_emulator` mount."""
    return [
        Route("/apps", create_app, methods=["POST"]),
        Route("/users", create_user, methods=["POST"]),
        Route("/users/{upn}/token", issue_user_token, methods=["POST"]),
        Route("/settings", get_settings, methods=["GET"]),
        Route("/settings", put_settings, methods=["PUT"]),
        Route("/faults", add_fault, methods=["POST"]),
        Route("/faults", list_faults, methods=["GET"]),
        Route("/faults", clear_faults, methods=["DELETE"]),
        Route("/tokens/expire", expire_tokens, methods=["POST"]),
        Route("/tokens/revoke", revoke_tokens, methods=["POST"]),
        Route("/requests", list_requests, methods=["GET"]),
        Route("/reset", reset, methods=["POST"]),
    ]
