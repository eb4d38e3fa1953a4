"""Hub bodies: null filtering of answers (D32) and cleaning of request bodies.

Request bodies are forwarded in the provider's own shape (D33), with one change: the keys the
provider owns (the resource's read-only fields) and `@odata.*` annotations are dropped, so an
object read from the hub can be sent back as it is (PATCH with a full object) instead of being
refused. (D33 forwarded `@odata.*` as is; dropping them keeps Graph from rejecting a stale
`@odata.etag` or `@odata.context` in a body. `If-Match` is the way to send an etag.)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openelements.kit.errors import BadRequest

__all__ = ["drop_nulls", "writable_body"]

ODATA_PREFIX = "@odata."


def drop_nulls(value: Any) -> Any:
    """D32: remove `null`-valued keys of every object at any depth; keep `null` array items."""
    if isinstance(value, dict):
        return {key: drop_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [drop_nulls(item) for item in value]
    return value


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
