"""The OpenAPI document at `/elements/api-v2/openapi.json`.

Added generically, so every domain's routes get them without doing anything:
- the error body (spec §13.1) as the `4XX` and `5XX` answer of every operation, replacing
  FastAPI's 422 (we answer validation failures with 400, D80);
- the `Authorization` header scheme (`ElementsAuthorization`, spec §3.1), listed as the
  `security` of every operation whose dependencies include one marked
  `@requires_authorization` (the domain's credential dependency), or `authorization_header`;
- path items that no FastAPI route declares (`extra_paths`: the hub's catch-all route serves
  resources read from the elements' tables), which get the error bodies too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.security import APIKeyHeader

from openelements.kit.error_responses import ErrorBody

__all__ = [
    "AUTHORIZATION_SCHEME",
    "authorization_header",
    "install_openapi",
    "requires_authorization",
]

AUTHORIZATION_SCHEME = "ElementsAuthorization"
_AUTHORIZATION_DESCRIPTION = (
    "Comma-separated credentials: `User <user secret>, Organization <organization secret>`, "
    "plus `Element <instance token>` where an instance is addressed (spec §3)."
)
_HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")
_REQUIRES_AUTHORIZATION = "__openelements_requires_authorization__"
F = TypeVar("F", bound=Callable[..., Any])

authorization_header = APIKeyHeader(
    name="Authorization",
    scheme_name=AUTHORIZATION_SCHEME,
    description=_AUTHORIZATION_DESCRIPTION,
    auto_error=False,
)


def requires_authorization(dependency: F) -> F:
    """Mark a dependency that reads the `Authorization` header: operations using it (directly
    or through other dependencies) document the `ElementsAuthorization` scheme."""
    setattr(dependency, _REQUIRES_AUTHORIZATION, True)
    return dependency


ExtraPaths = Callable[[], Mapping[str, dict[str, Any]]]


def install_openapi(app: FastAPI, *, extra_paths: ExtraPaths | None = None) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _build(app, extra_paths() if extra_paths else {})
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _build(app: FastAPI, extra_paths: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    schema.setdefault("paths", {}).update(extra_paths)
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["ErrorBody"] = ErrorBody.model_json_schema(by_alias=True)
    components.setdefault("securitySchemes", {})[AUTHORIZATION_SCHEME] = {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": _AUTHORIZATION_DESCRIPTION,
    }
    error = {
        "description": "Error (spec §13)",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
    }
    for path_item in schema.get("paths", {}).values():
        for method, operation in path_item.items():
            if method in _HTTP_METHODS:
                responses = operation.setdefault("responses", {})
                responses.pop("422", None)
                responses.setdefault("4XX", error)
                responses.setdefault("5XX", error)
    for name in _FASTAPI_VALIDATION_SCHEMAS:
        schemas.pop(name, None)
    _add_security(app, schema.get("paths", {}))
    return schema


def _add_security(app: FastAPI, paths: dict[str, Any]) -> None:
    # iter_route_contexts expands included routers with their own dependencies applied.
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute):
            continue
        if not _needs_authorization(route.dependant):
            continue
        for method in route.methods or ():
            operation = paths.get(route.path_format or "", {}).get(method.lower())
            if operation is not None:
                operation["security"] = [{AUTHORIZATION_SCHEME: []}]


def _needs_authorization(dependant: Dependant) -> bool:
    return any(
        getattr(dep.call, _REQUIRES_AUTHORIZATION, False) or dep.call is authorization_header
        for dep in _walk(dependant)
    )


def _walk(dependant: Dependant) -> Iterator[Dependant]:
    for dependency in dependant.dependencies:
        yield dependency
        yield from _walk(dependency)
