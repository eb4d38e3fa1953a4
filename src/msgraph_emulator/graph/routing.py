"""A small segment router for the Graph mailbox routes.

Matching works on the path's raw segments, each percent-decoded on its own, so an id holding an
encoded `/` (`%2F`) stays one segment (Starlette's own routes see the decoded path). Literal
segments match in any case. Every mailbox route exists under `/me` and `/users/{user}`; the
`{user}` value lands in `path_params["user"]` for `auth.user_for`. Delta paths are left to the
delta routes mounted after these.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from starlette.datastructures import URLPath
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import Receive, Scope, Send

from msgraph_emulator.errors import GraphError
from msgraph_emulator.graph.problems import RequestProblem

Handler = Callable[[Request], Awaitable[Response]]
RESERVED_IDS = frozenset({"delta", "delta()", "microsoft.graph.delta"})


@dataclass(frozen=True)
class Endpoint:
    method: str
    pattern: tuple[str, ...]
    handler: Handler


def get_route_path(scope: Scope) -> str:
    """The path below the mount (what Starlette's own routes match against)."""
    path = str(scope["path"])
    root = str(scope.get("root_path", ""))
    return path[len(root) :] if root and path.startswith(root) else path


def path_segments(scope: Scope) -> list[str]:
    """The decoded segments after the mount, keeping encoded slashes inside their segment."""
    route_path = get_route_path(scope)
    raw = scope.get("raw_path")
    if isinstance(raw, bytes | bytearray):
        raw_text = bytes(raw).decode("latin-1")
        root = str(scope.get("root_path", ""))
        raw_segments = raw_text.split("/")[1:]
        mount_depth = len([s for s in root.split("/") if s])
        tail = raw_segments[mount_depth:]
        if "/" + "/".join(unquote(s) for s in tail) == route_path:
            return [unquote(s) for s in tail]
    return route_path.split("/")[1:]


def _match(pattern: tuple[str, ...], segments: list[str]) -> dict[str, str] | None:
    if len(pattern) != len(segments):
        return None
    params: dict[str, str] = {}
    for expected, actual in zip(pattern, segments, strict=True):
        if expected.startswith("{"):
            if not actual or actual.lower() in RESERVED_IDS:
                return None
            params[expected[1:-1]] = actual
        elif expected.lower() != actual.lower():
            return None
    return params


def _strip_calendar_group(tail: list[str]) -> list[str]:
    """`calendarGroups/{g}/calendars/...` addresses the same calendars (one group here)."""
    if len(tail) > 2 and tail[0].lower() == "calendargroups" and tail[2].lower() == "calendars":
        return tail[2:]
    return tail


class GraphRouter(BaseRoute):
    def __init__(self, endpoints: list[Endpoint]) -> None:
        self.endpoints = endpoints

    def _find(self, scope: Scope) -> tuple[list[tuple[Endpoint, dict[str, str]]], dict[str, str]]:
        segments = path_segments(scope)
        if segments and segments[0].lower() == "me":
            base: dict[str, str] = {}
            tail = segments[1:]
        elif len(segments) >= 2 and segments[0].lower() == "users" and segments[1]:
            base = {"user": segments[1]}
            tail = segments[2:]
        else:
            return [], {}
        tail = _strip_calendar_group(tail)
        found = []
        for endpoint in self.endpoints:
            params = _match(endpoint.pattern, tail)
            if params is not None:
                found.append((endpoint, params))
        return found, base

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http":
            return Match.NONE, {}
        found, base = self._find(scope)
        for endpoint, params in found:
            if endpoint.method == scope["method"]:
                child = {"endpoint": endpoint.handler, "path_params": {**base, **params}}
                return Match.FULL, child
        if found:
            return Match.PARTIAL, {"endpoint": None, "path_params": base}
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = scope.get("endpoint")
        request = Request(scope, receive)
        if handler is None or not inspect.iscoroutinefunction(handler):
            raise GraphError(405, "BadRequest", "The HTTP method is not allowed for this resource.")
        try:
            response = await handler(request)
        except RequestProblem as problem:
            raise GraphError(problem.status, problem.code, problem.message) from problem
        await response(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        raise NoMatchFound(name, path_params)
