"""The OpenAPI document at `/elements/api-v2/openapi.json`.

Added generically, so every domain's routes get them without doing anything:
- the error body (spec §13.1) as the `4XX` and `5XX` answer of every operation, replacing
  FastAPI's 422 (we answer validation failures with 400, D80);
- the `Authorization` header scheme (`ElementsAuthorization`, spec §3.1). Operations that need
  credentials list it by depending on `authorization_header`
  (`Security(authorization_header)`).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.security import APIKeyHeader

from openelements.kit.error_responses import ErrorBody

__all__ = ["AUTHORIZATION_SCHEME", "authorization_header", "install_openapi"]

AUTHORIZATION_SCHEME = "ElementsAuthorization"
_AUTHORIZATION_DESCRIPTION = (
    "Comma-separated credentials: `User <user secret>, Organization <organization secret>`, "
    "plus `Element <instance token>` where an instance is addressed (spec §3)."
)
_HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")

authorization_header = APIKeyHeader(
    name="Authorization",
    scheme_name=AUTHORIZATION_SCHEME,
    description=_AUTHORIZATION_DESCRIPTION,
    auto_error=False,
)


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _build(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _build(app: FastAPI) -> dict[str, Any]:
    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
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
    return schema
