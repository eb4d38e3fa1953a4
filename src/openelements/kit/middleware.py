"""Pure-ASGI middleware for every request: request id, access log and metrics, the last-resort
500, and the body size limit (413).

Order in `create_app`, outermost first: RequestContext → CORS → UnhandledError → BodySizeLimit →
FastAPI's exception handling → routes. RequestContext is outermost so even CORS preflight
answers carry `Elements-Request-Id` (D01); UnhandledError sits inside CORS so a 500 still
carries the CORS headers a browser needs to read it.
"""

from __future__ import annotations

import time

import structlog
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from openelements.kit.crypto import new_request_id
from openelements.kit.error_responses import REQUEST_ID_HEADER, error_response, request_id_of
from openelements.kit.ids import request_id_var
from openelements.kit.metrics import HttpMetrics

__all__ = ["BodySizeLimitMiddleware", "RequestContextMiddleware", "UnhandledErrorMiddleware"]

log = structlog.get_logger("openelements.http")
access_log = structlog.get_logger("openelements.access")

UNMATCHED_ROUTE = "<unmatched>"


class RequestContextMiddleware:
    """Gives each request its id (header, logs, context var), logs it and counts it."""

    def __init__(self, app: ASGIApp, *, metrics: HttpMetrics | None = None) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = new_request_id()
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers[REQUEST_ID_HEADER] = request_id
            await send(message)

        token = request_id_var.set(request_id)
        # Tokens, not `bound_contextvars`: that one copies every bound variable per request.
        log_tokens = structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._record(scope, status, time.perf_counter() - started)
            structlog.contextvars.reset_contextvars(**log_tokens)
            request_id_var.reset(token)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        route = getattr(scope.get("route"), "path", UNMATCHED_ROUTE)
        method = scope["method"]
        access_log.info(
            "request",
            method=method,
            path=scope["path"],
            route=route,
            status=status,
            duration_ms=round(seconds * 1000, 2),
        )
        if self.metrics is not None:
            self.metrics.observe(method=method, route=route, status=status, seconds=seconds)


class UnhandledErrorMiddleware:
    """Any exception nothing else handled becomes a 500 with a generic message; the details go
    to the log only."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            log.exception("unhandled_error", path=scope["path"])
            if started:
                raise
            response = error_response(
                status=500, message="Internal server error", request_id=request_id_of(scope)
            )
            await response(scope, receive, send)


class BodySizeLimitMiddleware:
    """Refuses request bodies over `max_bytes` with 413: at once when Content-Length says so,
    otherwise as soon as the streamed body crosses the limit."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            response = error_response(
                status=413, message=self._message(), request_id=request_id_of(scope)
            )
            await response(scope, receive, send)
            return
        await self.app(scope, self._limited(receive), send)

    def _limited(self, receive: Receive) -> Receive:
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # An HTTPException passes through FastAPI's body reading untouched and
                    # reaches the error handlers (kit.error_responses) as a 413.
                    raise StarletteHTTPException(413, detail=self._message())
            return message

        return limited_receive

    def _message(self) -> str:
        return f"Request body is larger than the limit of {self.max_bytes} bytes"


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
