"""A tiny Graph-like app behind the real middleware, so the front door is tested without the
Graph data layer."""

from __future__ import annotations

from datetime import UTC, datetime

import anyio
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from msgraph_emulator.auth import EmulatorMiddleware, principal_of, require_scope, user_for
from msgraph_emulator.clock import Clock
from msgraph_emulator.emulator import Emulator
from msgraph_emulator.errors import GraphError, graph_error_response
from msgraph_emulator.identity.jwt import SigningKey

UPN = "dana@acme.example"
OTHER_UPN = "lee@acme.example"


async def _read(request: Request) -> Response:
    require_scope(request, write=False)
    return JSONResponse({"user": user_for(request).user_principal_name})


async def _write(request: Request) -> Response:
    require_scope(request, write=True)
    return JSONResponse({"user": user_for(request).user_principal_name}, 201)


async def _profile(request: Request) -> Response:
    require_scope(request, write=False, resource="user")
    return JSONResponse({"user": user_for(request).user_principal_name})


async def _app_id(request: Request) -> Response:
    return JSONResponse({"appId": principal_of(request).app_id})


async def _boom(request: Request) -> Response:
    raise RuntimeError("handler failed")


class Gate:
    """Holds `/slow` requests until released (concurrency tests)."""

    def __init__(self) -> None:
        self.entered = 0
        self.release = anyio.Event()

    async def slow(self, request: Request) -> Response:
        self.entered += 1
        await self.release.wait()
        return JSONResponse({})


async def _graph_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, GraphError)
    return graph_error_response(request, exc)


def probe_app(emulator: Emulator, gate: Gate | None = None) -> Starlette:
    gate = gate or Gate()
    graph = [
        Route("/me/probe", _read, methods=["GET"]),
        Route("/me/probe", _write, methods=["POST"]),
        Route("/me", _profile, methods=["GET"]),
        Route("/users/{user}/probe", _read, methods=["GET"]),
        Route("/me/slow", gate.slow, methods=["GET"]),
        Route("/subscriptions", _app_id, methods=["GET"]),
        Route("/me/boom", _boom, methods=["GET"]),
    ]
    app = Starlette(
        routes=[Mount("/v1.0", routes=graph)],
        middleware=[Middleware(EmulatorMiddleware, emulator=emulator)],
        exception_handlers={GraphError: _graph_error},
    )
    app.state.emulator = emulator
    return app


def seeded_emulator(signing_key: SigningKey) -> Emulator:
    emulator = Emulator(signing_key=signing_key, clock=Clock(datetime(2026, 3, 3, 10, tzinfo=UTC)))
    emulator.create_user(user_principal_name=UPN, display_name="Dana Swope")
    emulator.create_user(user_principal_name=OTHER_UPN, display_name="Lee Park")
    return emulator


def bearer(
    emulator: Emulator, upn: str = UPN, scopes: tuple[str, ...] | None = None
) -> dict[str, str]:
    user = emulator.directory.user_by_id_or_upn(upn)
    assert user is not None
    token = (
        emulator.issue_user_token(user, scopes=scopes)
        if scopes is not None
        else emulator.issue_user_token(user)
    )
    return {"Authorization": f"Bearer {token.value}"}
