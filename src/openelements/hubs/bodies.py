"""Hub bodies: null filtering of answers (D32) and cleaning of request bodies.

Request bodies are forwarded in the provider's own shape (D33), with one change: the keys the
provider owns (the resource's read-only fields) and `@odata.*` annotations are dropped, so an
object read from the hub can be sent back as it is (PATCH with a full object) instead of being
refused. (D33 forwarded `@odata.*` as is; dropping them keeps Graph from rejecting a stale
`@odata.etag` or `@odata.context` in a body. `If-Match` is the way to send an etag.)
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import orjson

from openelements.kit.errors import BadRequest

__all__ = ["drop_nulls", "loads_without_nulls", "writable_body"]

ODATA_PREFIX = "@odata."


_CONTAINERS = (dict, list)


def drop_nulls(value: Any) -> Any:
    """D32: remove `null`-valued keys of every object at any depth; keep `null` array items.
    Recurses only into containers: scalars, most of a Graph document, cost no call."""
    if type(value) is dict:
        return {
            key: drop_nulls(item) if type(item) in _CONTAINERS else item
            for key, item in value.items()
            if item is not None
        }
    if type(value) is list:
        return [drop_nulls(item) if type(item) in _CONTAINERS else item for item in value]
    return value


def _pairs_without_nulls(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    return {key: value for key, value in pairs if value is not None}


def _strip_nulls(value: Any) -> Any:
    """D32 in place on a freshly decoded document (nobody else holds it): null-valued keys are
    deleted, nothing is rebuilt, only containers are descended into."""
    if type(value) is dict:
        nulls: list[str] | None = None
        for key, item in value.items():
            if item is None:
                if nulls is None:
                    nulls = []
                nulls.append(key)
            elif type(item) in _CONTAINERS:
                _strip_nulls(item)
        for key in nulls or ():
            del value[key]
    elif type(value) is list:
        for item in value:
            if type(item) in _CONTAINERS:
                _strip_nulls(item)
    return value


def loads_without_nulls(raw: bytes | str) -> Any:
    """Decode a provider answer with D32 applied. orjson decodes, then the nulls are deleted in
    place (measured on a 50-event page: 0.32 ms against 0.52 ms for the stdlib decoder with a
    pairs hook, which builds every object twice). A document orjson refuses but the stdlib reads
    (NaN, Infinity) goes through the stdlib as before. An integer beyond 64 bits becomes a float,
    as it already did with filtering off (`orjson.loads`); the stdlib's exact integer could not
    be encoded again anyway (`orjson.dumps` refuses it: that answer was a 500)."""
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw, object_pairs_hook=_pairs_without_nulls)
    return _strip_nulls(document)


def writable_body(body: Any, *, read_only: Iterable[str]) -> dict[str, Any]:
    """The object to forward: a JSON object without read-only keys and `@odata.*` annotations."""
    if not isinstance(body, dict):
        raise BadRequest("Invalid request body: expected a JSON object")
    dropped = set(read_only)
    return {
        key: value
        for key, value in body.items()
        if key not in dropped and not key.startswith(ODATA_PREFIX)
    }
