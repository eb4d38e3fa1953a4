"""Graph's error envelope (spec §13.1).

    GraphError(status, code, message)        raised anywhere under /v1.0
      -> graph_error_response(request, err)  one JSON envelope, rendered in one place

`innerError.date` carries no `Z` and no fraction; `request-id` / `client-request-id` are the
ids the request middleware gave this request (`request.state`).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

GRAPH_JSON_CONTENT_TYPE = (
    "application/json;odata.metadata=minimal;odata.streaming=true;"
    "IEEE754Compatible=false;charset=utf-8"
)


class GraphError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers: dict[str, str] = dict(headers or {})


def inner_error_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def error_envelope(
    *, code: str, message: str, date: datetime, request_id: str, client_request_id: str
) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": inner_error_date(date),
                "request-id": request_id,
                "client-request-id": client_request_id,
            },
        }
    }


def request_ids(request: Request) -> tuple[str, str]:
    """(request-id, client-request-id) of this request, as the middleware assigned them."""
    state = request.scope.setdefault("state", {})
    request_id = state.setdefault("request_id", str(uuid.uuid4()))
    client_request_id = state.setdefault(
        "client_request_id", request.headers.get("client-request-id") or request_id
    )
    return str(request_id), str(client_request_id)


def _now(request: Request) -> datetime:
    app = request.scope.get("app")
    emulator = getattr(getattr(app, "state", None), "emulator", None)
    if emulator is not None:
        moment: datetime = emulator.clock.now()
        return moment
    return datetime.now(UTC)


def graph_error_response(request: Request, error: GraphError) -> Response:
    request_id, client_request_id = request_ids(request)
    body = error_envelope(
        code=error.code,
        message=error.message,
        date=_now(request),
        request_id=request_id,
        client_request_id=client_request_id,
    )
    return Response(
        json.dumps(body),
        status_code=error.status,
        headers=error.headers,
        media_type=GRAPH_JSON_CONTENT_TYPE,
    )
