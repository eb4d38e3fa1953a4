"""The one place errors become HTTP responses (spec §13, D01, D80).

Every non-2xx answer is `{"requestId", "message"[, "providerMessage"]}` with
`Content-Type: application/json;charset=UTF-8` and `Elements-Request-Id` equal to `requestId`.
`install_error_handlers` covers `ElementsError`, request validation (400, D80) and the
router's own 404/405 and body-parsing failures; `UnhandledErrorMiddleware`
(`kit.middleware`) turns anything else into a 500 that leaks nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from openelements.kit.crypto import new_request_id
from openelements.kit.errors import ElementsError

__all__ = [
    "JSON_MEDIA_TYPE",
    "REQUEST_ID_HEADER",
    "ElementsJSONResponse",
    "ErrorBody",
    "error_response",
    "install_error_handlers",
    "request_id_of",
    "validation_message",
]

log = structlog.get_logger(__name__)

JSON_MEDIA_TYPE = "application/json;charset=UTF-8"
REQUEST_ID_HEADER = "Elements-Request-Id"
_MAX_ECHOED_PATH = 200


class ElementsJSONResponse(JSONResponse):
    """JSON with the documented content type (spec §2)."""

    media_type = JSON_MEDIA_TYPE


class ErrorBody(BaseModel):
    """The error body of spec §13.1."""

    model_config = ConfigDict(populate_by_name=True)

    request_id: str = Field(alias="requestId", examples=["53dbca9430045c016b46566c"])
    message: str
    provider_message: str | None = Field(default=None, alias="providerMessage")


def request_id_of(scope: Scope) -> str:
    """The id `RequestContextMiddleware` gave this request (a fresh one outside it)."""
    state = scope.setdefault("state", {})
    request_id = state.get("request_id")
    if not isinstance(request_id, str):
        request_id = new_request_id()
        state["request_id"] = request_id
    return request_id


def error_response(
    *,
    status: int,
    message: str,
    request_id: str,
    provider_message: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> ElementsJSONResponse:
    body: dict[str, str] = {"requestId": request_id, "message": message}
    if provider_message is not None:
        body["providerMessage"] = provider_message
    return ElementsJSONResponse(
        body, status_code=status, headers={**(headers or {}), REQUEST_ID_HEADER: request_id}
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ElementsError, _on_elements_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _on_validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)  # type: ignore[arg-type]


async def _on_elements_error(request: Request, exc: ElementsError) -> ElementsJSONResponse:
    if exc.status >= 500:
        log.error(
            "request_failed", status=exc.status, error=type(exc).__name__, message=exc.message
        )
    return error_response(
        status=exc.status,
        message=exc.message,
        provider_message=exc.provider_message,
        request_id=request_id_of(request.scope),
        headers=exc.headers(),
    )


async def _on_validation_error(
    request: Request, exc: RequestValidationError
) -> ElementsJSONResponse:
    return error_response(
        status=400,
        message=validation_message(exc.errors()),
        request_id=request_id_of(request.scope),
    )


async def _on_http_exception(request: Request, exc: StarletteHTTPException) -> ElementsJSONResponse:
    return error_response(
        status=exc.status_code,
        message=_http_exception_message(request, exc),
        request_id=request_id_of(request.scope),
        headers=exc.headers,
    )


def _http_exception_message(request: Request, exc: StarletteHTTPException) -> str:
    default = _reason(exc.status_code)
    if exc.detail and exc.detail != default:
        return str(exc.detail)
    path = request.url.path[:_MAX_ECHOED_PATH]
    if exc.status_code == 404:
        return f"No resource at {request.method} {path}"
    if exc.status_code == 405:
        return f"Method {request.method} is not allowed on {path}"
    return default


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def validation_message(errors: Sequence[Any]) -> str:
    """One message listing every problem (D80), e.g. `Invalid request body: name: required`.

    Only locations and rule descriptions are used, never the offending input (it may be a
    secret).
    """
    problems: list[str] = []
    sources: set[str] = set()
    for error in errors:
        loc = tuple(error.get("loc", ()))
        source = str(loc[0]) if loc else "body"
        sources.add(source)
        path = _format_location(loc[1:]) or source
        problems.append(f"{path}: {_describe(error)}")
    prefix = f"Invalid request {next(iter(sources))}" if len(sources) == 1 else "Invalid request"
    if prefix == "Invalid request query":
        prefix = "Invalid query parameters"
    return f"{prefix}: {'; '.join(problems)}"


def _format_location(parts: Sequence[Any]) -> str:
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _describe(error: Mapping[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "missing":
        return "required"
    if kind == "json_invalid":
        reason = (error.get("ctx") or {}).get("error", "")
        return f"malformed JSON ({reason})" if reason else "malformed JSON"
    message = str(error.get("msg", "invalid value"))
    return message[:1].lower() + message[1:]
