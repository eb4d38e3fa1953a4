"""OpenAPI path items for the hub resources (spec §8, §9).

The hub is served by one catch-all route (`endpoints.py`), which documents nothing by itself;
these path items are derived from each element's resource table instead, so the document
always lists exactly the resources that are routed. Error bodies and the 422 clean-up are added
to them by `kit.openapi` like to every other operation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from openelements.elements.base import Element, HubResource, ResourceKind
from openelements.hubs.paging import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from openelements.kit.openapi import AUTHORIZATION_SCHEME
from openelements.settings import API_BASE_PATH

__all__ = ["hub_paths"]

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_JSON_OBJECT: dict[str, Any] = {"type": "object", "additionalProperties": True}
_JSON_ARRAY: dict[str, Any] = {"type": "array", "items": _JSON_OBJECT}
_JSON_BODY = {"required": True, "content": {"application/json": {"schema": _JSON_OBJECT}}}
_HUB_PARAMETER: dict[str, Any] = {
    "name": "hub",
    "in": "path",
    "required": True,
    "description": "The hub key (`general`); any value routes the same way (D31).",
    "schema": {"type": "string"},
}
_LIST_QUERY: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("where", "CEQL filter (§9.2), translated to the provider's query", {"type": "string"}),
    ("orderBy", "Sort order: `field [asc|desc], ...` (§9.4)", {"type": "string"}),
    ("fields", "Comma-separated fields to return (§9.4)", {"type": "string"}),
    (
        "pageSize",
        "Records per page (§9.6)",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": DEFAULT_PAGE_SIZE},
    ),
    ("page", "1-based page number (§9.6)", {"type": "integer", "minimum": 1}),
    ("nextPage", "Cursor from `Elements-Next-Page-Token` (§9.6)", {"type": "string"}),
    ("returnCount", "`true` adds `Elements-Total-Count` (§9.6)", {"type": "boolean"}),
)
_WINDOW_QUERY: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("startDateTime", "Window start, unless `where` gives it (D38)", {"type": "string"}),
    ("endDateTime", "Window end, unless `where` gives it (D38)", {"type": "string"}),
)
_LIST_HEADERS = {
    name: {"schema": schema, "description": description}
    for name, schema, description in (
        ("Elements-Returned-Count", {"type": "integer"}, "Records in this page"),
        ("Elements-Next-Page-Token", {"type": "string"}, "Cursor of the next page, if any"),
        ("Elements-Total-Count", {"type": "integer"}, "With `returnCount=true`"),
    )
}


def hub_paths(elements: Iterable[Element]) -> dict[str, dict[str, Any]]:
    """`/elements/api-v2/hubs/{hub}/...` path items for every element's hub resources."""
    paths: dict[str, dict[str, Any]] = {}
    for element in elements:
        for resource in element.hub_resources():
            item = paths.setdefault(f"{API_BASE_PATH}/hubs/{{hub}}/{resource.path}", {})
            for method in sorted(resource.methods):
                item[method.lower()] = _operation(element, resource, method)
    return paths


def _operation(element: Element, resource: HubResource, method: str) -> dict[str, Any]:
    listing = resource.kind is ResourceKind.COLLECTION and method == "GET"
    operation: dict[str, Any] = {
        "tags": ["hubs"],
        "summary": f"{method} {resource.path} ({element.key})",
        "operationId": _operation_id(element, resource, method),
        "security": [{AUTHORIZATION_SCHEME: []}],
        "parameters": [*_path_parameters(resource), *_query_parameters(resource, listing)],
        "responses": {"200": _success(listing)},
    }
    if method in {"POST", "PATCH", "PUT"}:
        operation["requestBody"] = _JSON_BODY
    return operation


def _operation_id(element: Element, resource: HubResource, method: str) -> str:
    words = re.sub(r"[^0-9A-Za-z]+", "_", resource.path).strip("_")
    return f"hub_{element.key}_{method.lower()}_{words}"


def _path_parameters(resource: HubResource) -> list[dict[str, Any]]:
    names = _PLACEHOLDER.findall(resource.path)
    declared = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in names
    ]
    return [_HUB_PARAMETER, *declared]


def _query_parameters(resource: HubResource, listing: bool) -> list[dict[str, Any]]:
    if not listing:
        return []
    query = [*_LIST_QUERY, *(_WINDOW_QUERY if resource.window else ())]
    return [
        {"name": name, "in": "query", "required": False, "description": text, "schema": schema}
        for name, text, schema in query
    ]


def _success(listing: bool) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": "The provider's objects, transformed (§8.2)",
        "content": {"application/json": {"schema": _JSON_ARRAY if listing else _JSON_OBJECT}},
    }
    if listing:
        answer["headers"] = _LIST_HEADERS
    return answer
