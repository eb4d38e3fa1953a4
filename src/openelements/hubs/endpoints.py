"""Hub routes (spec §8.1, D31): `/hubs/{hub}/{resource...}` and the root aliases `/{resource...}`.

Included after every other router so platform routes win. The root alias only matches a path
whose first segment names an element resource and is not reserved (`RootAliasRoute`), so a
platform path with a wrong method still gets the platform's own 404/405.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute
from starlette.routing import Match
from starlette.types import Scope

from openelements.container import Container, get_container
from openelements.elements.base import Element
from openelements.hubs.access import AccessCache, HubInstance, resolve_hub_instance
from openelements.hubs.cursor import CursorSealer
from openelements.hubs.grants import GrantCache, InstanceFetch
from openelements.hubs.objects import object_metadata, objects_listing
from openelements.hubs.routing import RESERVED_SEGMENTS, hub_segments, is_known_path
from openelements.hubs.service import HubAnswer, HubCall, encode_json
from openelements.kit.error_responses import JSON_MEDIA_TYPE
from openelements.kit.errors import BadRequest, NotFound, UnsupportedMediaType
from openelements.platform.auth import get_credentials, password_hashing, runtime_of
from openelements.settings import API_BASE_PATH

__all__ = ["HubRuntime", "RootAliasRoute", "alias_router", "hub_runtime", "router"]

METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE"]
ASYNC_REQUEST_HEADER = "elements-async-request"
BODY_METHODS = frozenset({"POST", "PATCH", "PUT"})


class RootAliasRoute(APIRoute):
    """The root alias `/{resource...}` (D31): it matches only when the first segment is a
    resource of some element and not a reserved platform segment, so routes added anywhere
    else (before or after this router) are never shadowed."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        if match is Match.NONE:
            return match, child
        first = str(child.get("path_params", {}).get("resource_path", "")).split("/", 1)[0]
        if first in RESERVED_SEGMENTS or first not in _first_segments(scope):
            return Match.NONE, {}
        return match, child


def _first_segments(scope: Scope) -> frozenset[str]:
    state = scope["app"].state
    container = getattr(state, "container", None)
    if not isinstance(container, Container):
        return frozenset()
    return hub_runtime(state, container).first_segments


class HubRuntime:
    """Per-process hub state: the access cache, the cursor sealer, the known first segments."""

    def __init__(self, container: Container) -> None:
        self.access = AccessCache()
        self.grants = GrantCache()
        self.cursors = CursorSealer(container.key_ring)
        firsts = {r.segments[0] for e in container.outbound.elements for r in e.hub_resources()}
        self.first_segments = frozenset({*firsts, "objects"})


def hub_runtime(app_state: Any, container: Container) -> HubRuntime:
    runtime = getattr(app_state, "hub_runtime", None)
    if not isinstance(runtime, HubRuntime):
        runtime = HubRuntime(container)
        app_state.hub_runtime = runtime
    return runtime


# Two routers: `/hubs/{hub}/...` can be included early (no platform route lives under a hub
# key, and each platform route passed costs a match on every hub call), while the root aliases
# must come last so they never shadow anything.
router = APIRouter(tags=["hubs"])
alias_router = APIRouter(tags=["hubs"])


async def hub_call(request: Request) -> Response:
    """The hot path takes no FastAPI dependencies: plain-function dependencies would each cost
    a worker-thread round trip per request."""
    container = get_container(request)
    hubs = hub_runtime(request.app.state, container)
    segments = hub_segments(_raw_path(request), base_path=API_BASE_PATH)
    _require_known(container, request.method, segments)
    if (request.headers.get(ASYNC_REQUEST_HEADER) or "").strip().lower() == "true":
        raise BadRequest("Asynchronous requests are not supported")  # D40
    instance = await _hub_instance(request, container, hubs)
    element = container.outbound.elements.get(instance.element_key)
    if segments[0] == "objects":
        answer = _objects(request, element, segments, instance)
    else:
        _require_json_content(request)
        answer = await _provider_call(request, container, hubs, element, instance, segments)
    return Response(answer.body, media_type=JSON_MEDIA_TYPE, headers=answer.headers)


async def _hub_instance(request: Request, container: Container, hubs: HubRuntime) -> HubInstance:
    """The caller's instance, from the access cache or one shared lookup per header value.

    A cached entry was stored only after this exact single header value was parsed and
    resolved, so a hit skips the parsing; a missing, repeated or malformed header never hits."""
    values = request.headers.getlist("authorization")
    key = AccessCache.key_of(values[0]) if len(values) == 1 else ""
    cached = hubs.access.get(key) if key else None
    if cached is not None:
        return cached
    credentials = get_credentials(request)  # the 401s: only one well-formed header gets here

    async def resolve() -> HubInstance:
        platform = runtime_of(container, passwords=password_hashing(request))
        resolved = await resolve_hub_instance(container, runtime=platform, credentials=credentials)
        hubs.access.put(key, resolved)
        return resolved

    return await hubs.access.loads.run(key, resolve)


def _require_json_content(request: Request) -> None:
    """Spec §2: a request body must be JSON (a charset parameter is allowed)."""
    kind = request.headers.get("content-type")
    if kind is None or request.method not in BODY_METHODS:
        return
    if kind.split(";", 1)[0].strip().lower() != "application/json":
        raise UnsupportedMediaType("Request bodies must be application/json")


async def _provider_call(
    request: Request,
    container: Container,
    hubs: HubRuntime,
    element: Element,
    instance: HubInstance,
    segments: list[str],
) -> HubAnswer:
    fetch = InstanceFetch(
        instance_id=instance.instance_id,
        calls=container.instances.calls,
        elements=container.outbound.elements,
        grants=hubs.grants,
        clock=container.clock,
    )
    call = HubCall(
        element=element,
        instance=instance,
        fetch=fetch,
        cursors=hubs.cursors,
        clock=container.clock,
    )
    return await call.run(
        method=request.method,
        segments=segments,
        query=request.query_params,
        body=await request.body() if request.method in BODY_METHODS else b"",
        if_match=request.headers.get("if-match"),
    )


def _objects(
    request: Request, element: Element, segments: list[str], instance: HubInstance
) -> HubAnswer:
    document: object
    if len(segments) == 1:
        document = objects_listing(element, version=request.headers.get("elements-version"))
    else:
        document = object_metadata(element, segments)
    headers = {"Elements-Element-Instance-Id": str(instance.instance_id)}
    return HubAnswer(body=encode_json(document), headers=headers)


def _require_known(container: Container, method: str, segments: list[str]) -> None:
    """An unknown path answers 404 before any credential is looked at (D04)."""
    if segments[0] == "objects" and 1 <= len(segments) <= 3:
        return
    if not any(is_known_path(e.hub_resources(), segments) for e in container.outbound.elements):
        path = "/".join(segments)[:200]
        raise NotFound(f"Not implemented by openelements: {method} /hubs/general/{path}")


def _raw_path(request: Request) -> str:
    raw = request.scope.get("raw_path")
    if isinstance(raw, bytes) and raw:
        return raw.decode("latin-1").split("?", 1)[0]
    return quote(request.scope["path"])


router.add_api_route(
    "/hubs/{hub}/{resource_path:path}", hub_call, methods=METHODS, include_in_schema=False
)
alias_router.add_api_route(
    "/{resource_path:path}",
    hub_call,
    methods=METHODS,
    include_in_schema=False,
    route_class_override=RootAliasRoute,
)
