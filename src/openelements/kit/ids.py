"""Identifiers: the current request id, and integer object ids taken from paths."""

from __future__ import annotations

import re
from contextvars import ContextVar

from openelements.kit.errors import NotFound

__all__ = [
    "REQUEST_ID_PATTERN",
    "current_request_id",
    "object_id_or_none",
    "parse_object_id",
    "request_id_var",
]

REQUEST_ID_PATTERN = re.compile(r"[0-9a-f]{24}")
MAX_OBJECT_ID = 2**63 - 1
_MAX_OBJECT_ID_DIGITS = len(str(MAX_OBJECT_ID))

request_id_var: ContextVar[str | None] = ContextVar("openelements_request_id", default=None)


def current_request_id() -> str | None:
    """The id of the HTTP request being served in this context, if any."""
    return request_id_var.get()


def object_id_or_none(text: str) -> int | None:
    """``text`` as a platform object id (a positive integer, spec §2), or None if it is not one.

    The digit count is checked before `int`: Python refuses to convert more than 4300 digits
    (ValueError), and no id has more than 19 once leading zeros are dropped.
    """
    if not (text.isascii() and text.isdigit()):
        return None
    if len(text.lstrip("0")) > _MAX_OBJECT_ID_DIGITS:
        return None
    value = int(text)
    return value if 0 < value <= MAX_OBJECT_ID else None


def parse_object_id(text: str, *, kind: str) -> int:
    """A platform object id; anything else cannot exist: 404."""
    value = object_id_or_none(text)
    if value is None:
        raise NotFound(f"No {kind} with id {text[:64]!r}")
    return value
