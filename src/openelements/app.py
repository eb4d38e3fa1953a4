"""`create_app(settings)`: the gateway as an ASGI app.

Routes live under `API_BASE_PATH` (`/elements/api-v2`); `/metrics` (Prometheus) and `/health`
sit at the app root, outside the API and its OpenAPI document.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from prometheus_client import CollectorRegistry
from sqlalchemy import text
from starlette.middleware.cors import CORSMiddleware

from openelements import __version__
from openelements.container import Container, ContainerDep
from openelements.elements import endpoints as elements_endpoints
from openelements.elements import hub_catalog
from openelements.hubs import endpoints as hubs_endpoints
from openelements.hubs.openapi import hub_paths
from openelements.instances import endpoints as instances_endpoints
from openelements.kit.clock import Clock
from openelements.kit.error_responses import ElementsJSONResponse, install_error_handlers
from openelements.kit.metrics import HttpMetrics, metrics_endpoint
from openelements.kit.middleware import (
    BodySizeLimitMiddleware,
    RequestContextMiddleware,
    UnhandledErrorMiddleware,
)
from openelements.kit.negotiation import require_acceptable_json, require_json_body
from openelements.kit.openapi import install_openapi
from openelements.platform import endpoints as platform_endpoints
from openelements.settings import API_BASE_PATH, Settings

__all__ = ["EXPOSED_HEADERS", "create_app"]

EXPOSED_HEADERS = (
    "Elements-Returned-Count",
    "Elements-Total-Count",
    "Elements-Request-Id",
    "Elements-Next-Page-Token",
    "Elements-Trace-Id",
    "Elements-Error",
    "Content-Disposition",
)


def create_app(
    settings: Settings, *, start_worker: bool = True, clock: Clock | None = None
) -> FastAPI:
    registry = CollectorRegistry()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        container = Container.build(
            settings, clock=clock, metrics_registry=registry, start_worker=start_worker
        )
        app.state.container = container
        try:
            await container.jobs.start(worker=container.start_worker)
            yield
        finally:
            await container.jobs.stop()  # drains running jobs up to the shutdown grace
            await container.aclose()

    app = FastAPI(
        title="openelements",
        version=__version__,
        description="Cloud Elements platform API v2 for Microsoft Graph calendars",
        lifespan=lifespan,
        openapi_url=f"{API_BASE_PATH}/openapi.json",
        docs_url=f"{API_BASE_PATH}/docs",
        redoc_url=None,
        default_response_class=ElementsJSONResponse,
        dependencies=[Depends(require_json_body), Depends(require_acceptable_json)],
    )
    install_error_handlers(app)
    install_openapi(app, extra_paths=lambda: _hub_paths(app))
    app.include_router(_api_router())
    app.add_route("/metrics", metrics_endpoint(registry), include_in_schema=False)
    app.add_api_route("/health", _health, include_in_schema=False)
    _add_middleware(app, settings, HttpMetrics(registry))
    return app


def _hub_paths(app: FastAPI) -> dict[str, dict[str, Any]]:
    container = getattr(app.state, "container", None)  # built by the lifespan
    return hub_paths(container.outbound.elements) if isinstance(container, Container) else {}


def _api_router() -> APIRouter:
    """Everything under /elements/api-v2. Each domain adds one line:
    `api.include_router(<domain>.endpoints.router)`."""
    api = APIRouter(prefix=API_BASE_PATH)
    api.add_api_route("", _api_root, include_in_schema=False)
    api.include_router(elements_endpoints.router)
    api.include_router(hub_catalog.router)  # before the hub calls: `/hubs/{key}/elements`
    api.include_router(hubs_endpoints.router)  # early: every route before it is tried per call
    api.include_router(instances_endpoints.router)
    api.include_router(platform_endpoints.router)
    api.include_router(hubs_endpoints.alias_router)  # last: root aliases must not shadow others
    return api


def _add_middleware(app: FastAPI, settings: Settings, metrics: HttpMetrics) -> None:
    # add_middleware puts each new one outermost: this reads inside-out (see kit.middleware).
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(UnhandledErrorMiddleware)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["*"],
        allow_headers=["*"],
        expose_headers=list(EXPOSED_HEADERS),
    )
    app.add_middleware(RequestContextMiddleware, metrics=metrics)


async def _api_root() -> dict[str, str]:
    """What the base path itself answers: where the API description is."""
    return {
        "name": "openelements",
        "version": __version__,
        "openapi": f"{API_BASE_PATH}/openapi.json",
    }


async def _health(container: ContainerDep) -> dict[str, str]:
    async with container.database.read_session() as session:
        await session.execute(text("SELECT 1"))
    return {"status": "ok"}
