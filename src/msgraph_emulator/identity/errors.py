"""Identity platform error answers (spec §15.6, G36, G37): `error`, an `error_description`
starting `AADSTSnnn:` with trace, correlation and timestamp lines, `error_codes`, `timestamp`,
`trace_id`, `correlation_id`, `error_uri`."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from starlette.responses import JSONResponse


class IdentityError(Exception):
    def __init__(self, error: str, aadsts: int, description: str, *, status: int = 400) -> None:
        super().__init__(f"{error} AADSTS{aadsts}: {description}")
        self.error = error
        self.aadsts = aadsts
        self.description = description
        self.status = status


def invalid_client(aadsts: int, description: str) -> IdentityError:
    return IdentityError("invalid_client", aadsts, description, status=401)  # G36


def missing_parameter(name: str) -> IdentityError:
    return IdentityError(
        "invalid_request",
        900144,
        f"The request body must contain the following parameter: '{name}'.",
    )


def identity_error_body(
    error: IdentityError, *, now: datetime, correlation_id: str | None, origin: str
) -> dict[str, Any]:
    trace_id = str(uuid.uuid4())
    correlation = correlation_id or str(uuid.uuid4())
    stamp = now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    description = (
        f"AADSTS{error.aadsts}: {error.description}\r\nTrace ID: {trace_id}\r\n"
        f"Correlation ID: {correlation}\r\nTimestamp: {stamp}"
    )
    return {
        "error": error.error,
        "error_description": description,
        "error_codes": [error.aadsts],
        "timestamp": stamp,
        "trace_id": trace_id,
        "correlation_id": correlation,
        "error_uri": f"{origin}/error?code={error.aadsts}",
    }


def identity_error_response(
    error: IdentityError, *, now: datetime, correlation_id: str | None, origin: str
) -> JSONResponse:
    body = identity_error_body(error, now=now, correlation_id=correlation_id, origin=origin)
    return JSONResponse(
        body, status_code=error.status, headers={"Cache-Control": "no-store, no-cache"}
    )
