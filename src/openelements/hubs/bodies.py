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


def loads_without_nulls(raw: bytes | str) -> Any:
    """`json.loads` and D32 in one pass. The C decoder hands each object's key/value pairs to
    the hook once, inner objects first, so the document is walked once and each object built
    once (measured: cheaper than orjson followed by a Python walk, bench/hub_overhead.py)."""
    return json.loads(raw, object_pairs_hook=_pairs_without_nulls)


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
