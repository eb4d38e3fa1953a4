"""kit/middleware: the request context's id is bound to log lines for the request only."""

from __future__ import annotations

from typing import Any

import pytest
import structlog
from starlette.types import Message, Receive, Scope, Send

from openelements.kit.error_responses import REQUEST_ID_HEADER
from openelements.kit.ids import request_id_var
from openelements.kit.middleware import RequestContextMiddleware


@pytest.mark.anyio
async def test_the_request_id_is_bound_during_the_request_and_the_outer_binding_restored() -> None:
    seen: dict[str, Any] = {}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.update(structlog.contextvars.get_contextvars(), var=request_id_var.get(None))
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    scope: Scope = {"type": "http", "method": "GET", "path": "/x", "headers": []}
    structlog.contextvars.bind_contextvars(request_id="outer")
    try:
        await RequestContextMiddleware(app)(scope, receive, send)
        after = structlog.contextvars.get_contextvars()
    finally:
        structlog.contextvars.clear_contextvars()
    request_id = dict(sent[0]["headers"])[REQUEST_ID_HEADER.lower().encode()].decode()
    assert seen["request_id"] == seen["var"] == request_id != "outer"
    assert after == {"request_id": "outer"}
