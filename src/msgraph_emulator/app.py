"""`create_app`: the emulator as one Starlette application.

    /v1.0/**          Graph (graph.routes(), then notifications and $batch routes)
    /{tenant}/...     identity platform v2.0
    /_emulator/**     control API (G41)

`EmulatorMiddleware` (auth.py) wraps everything: token checks, throttling, faults, Graph
headers and the request log.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount

from msgraph_emulator import batch, control, control_notifications, graph, notifications
from msgraph_emulator.auth import GRAPH_PREFIX, EmulatorMiddleware
from msgraph_emulator.control import ControlError, control_error_response
from msgraph_emulator.emulator import Emulator
from msgraph_emulator.errors import GraphError, graph_error_response
from msgraph_emulator.identity import routes as identity_routes
from msgraph_emulator.identity.errors import IdentityError, identity_error_response


def _is_graph(request: Request) -> bool:
    path = request.url.path
    return path == GRAPH_PREFIX or path.startswith(GRAPH_PREFIX + "/")


async def _graph_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, GraphError)
    return graph_error_response(request, exc)


async def _identity_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, IdentityError)
    emulator: Emulator = request.app.state.emulator
    return identity_error_response(
        exc,
        now=emulator.clock.now(),
        correlation_id=request.headers.get("client-request-id"),
        origin=emulator.origin_for(request.url.scheme),
    )


async def _control_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ControlError)
    return control_error_response(exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if _is_graph(request):
        if exc.status_code == 405:
            error = GraphError(
                405, "BadRequest", "The HTTP method is not allowed for this resource."
            )
        else:
            segment = request.url.path.rstrip("/").rsplit("/", 1)[-1]
            error = GraphError(
                400, "BadRequest", f"Resource not found for the segment '{segment}'."
            )
        return graph_error_response(request, error)
    return JSONResponse({"error": {"code": "notFound", "message": exc.detail}}, exc.status_code)


async def _server_error(request: Request, exc: Exception) -> Response:
    if _is_graph(request):
        error = GraphError(500, "generalException", "An internal server error occurred.")
        return graph_error_response(request, error)
    return JSONResponse({"error": "server_error", "error_description": str(exc)}, 500)


def create_app(*, emulator: Emulator | None = None) -> Starlette:
    emulator = emulator or Emulator()
    graph_routes = [
        *graph.routes(),
        *notifications.routes(),
        *batch.routes(),
    ]
    control_routes = [*control.routes(), *control_notifications.routes()]
    handlers: dict[Any, Callable[[Request, Exception], Any]] = {
        GraphError: _graph_error,
        IdentityError: _identity_error,
        ControlError: _control_error,
        HTTPException: _http_error,
        Exception: _server_error,
    }
    app = Starlette(
        routes=[
            Mount(GRAPH_PREFIX, routes=graph_routes),
            Mount("/_emulator", routes=control_routes),
            *identity_routes.routes(),
        ],
        middleware=[Middleware(EmulatorMiddleware, emulator=emulator)],
        exception_handlers=handlers,
    )
    app.state.emulator = emulator
    return app
