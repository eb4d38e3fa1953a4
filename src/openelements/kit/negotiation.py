"""Content negotiation for JSON routes (spec §2): app-wide dependencies.

- `require_json_body`: a route that takes a JSON body refuses a body of any other
  Content-Type with 415. Routes that read the raw request (bulk upload, inbound webhooks) or
  take forms declare no JSON body and are not checked.
- `require_acceptable_json`: an `Accept` header that rules out `application/json` answers 406,
  unless the endpoint negotiates for itself (`@negotiates_own_content`, e.g. bulk files, D63).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request, params

from openelements.kit.errors import NotAcceptable, UnsupportedMediaType

__all__ = [
    "accepts_json",
    "is_json_media_type",
    "negotiates_own_content",
    "require_acceptable_json",
    "require_json_body",
]

_OWN_NEGOTIATION = "__openelements_negotiates_own_content__"
F = TypeVar("F", bound=Callable[..., Any])


def negotiates_own_content(endpoint: F) -> F:
    """Mark an endpoint that checks `Accept` itself (it may answer non-JSON)."""
    setattr(endpoint, _OWN_NEGOTIATION, True)
    return endpoint


async def require_json_body(request: Request) -> None:
    body_field = getattr(request.scope.get("route"), "body_field", None)
    if body_field is None or isinstance(body_field.field_info, params.Form):
        return
    if not _has_body(request):
        return
    content_type = request.headers.get("content-type")
    if content_type is None or not is_json_media_type(content_type):
        raise UnsupportedMediaType(
            f"Content-Type must be application/json, not {content_type or 'missing'}"[:200]
        )


async def require_acceptable_json(request: Request) -> None:
    endpoint = getattr(request.scope.get("route"), "endpoint", None)
    if getattr(endpoint, _OWN_NEGOTIATION, False):
        return
    accept = request.headers.get("accept")
    if accept is not None and not accepts_json(accept):
        raise NotAcceptable("This resource is available as application/json only")


def is_json_media_type(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower() == "application/json"


def accepts_json(accept: str) -> bool:
    """Whether an Accept header admits `application/json` (q=0 excludes a range)."""
    if not accept.strip():
        return True
    for media_range in accept.split(","):
        kind, *parameters = (part.strip().lower() for part in media_range.split(";"))
        if kind in {"application/json", "application/*", "*/*"} and not _q_is_zero(parameters):
            return True
    return False


def _q_is_zero(parameters: list[str]) -> bool:
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip() == "q":
            try:
                return float(value) == 0.0
            except ValueError:
                return False
    return False


def _has_body(request: Request) -> bool:
    length = request.headers.get("content-length")
    if length is not None:
        return length.strip() not in {"", "0"}
    return "transfer-encoding" in request.headers
