"""Reading `application/x-www-form-urlencoded` bodies sent to the identity endpoints."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request

from msgraph_emulator.identity.errors import IdentityError


def malformed_request() -> IdentityError:
    return IdentityError(
        "invalid_request", 9002313, "Invalid request. Request is malformed or invalid."
    )


async def form_pairs(request: Request) -> list[tuple[str, str]]:
    """The body's name/value pairs in order; a body that is not UTF-8 is a malformed request
    (400), never a server error."""
    try:
        text = (await request.body()).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise malformed_request() from exc
    return parse_qsl(text, keep_blank_values=True)
