"""Identifiers: the current request id, and integer object ids taken from paths."""

from __future__ import annotations

import re
from contextvars import ContextVar

from openelements.kit.errors import NotFound

__all__ = ["REQUEST_ID_PATTERN", "current_request_id", "parse_object_id", "request_id_var"]

REQUEST_ID_PATTERN = re.compile(r"[0-9a-f]{24}")
MAX_OBJECT_ID = 2**63 - 1

request_id_var: ContextVar[str | None] = ContextVar("openelements_request_id", default=None)


def current_request_id() -> str | None:
    """The id of the HTTP request being served in this context, if any."""
    return request_id_var.get()


def parse_object_id(text: str, *, kind: str) -> int:
    """A platform object id (a positive integer, spec §2); anything else cannot exist: 404."""
    if text.isascii() and text.isdigit() and 0 < int(text) <= MAX_OBJECT_ID:
        return int(text)
    raise NotFound(f"No {kind} with id {text[:64]!r}")
