"""The `nextPage` token (D45, our variant): sealed, so clients cannot read, forge or replay it
elsewhere.

The payload `{"link", "skip", "pageSize"}` is the provider URL to read next, how many records
of that provider page were already returned, and the page size it was made for. It is sealed
with the deployment key ring (AES-256-GCM) and the associated data names the instance and a
fingerprint of the query (resource path, `where`, `orderBy`, `fields`, window):
a token taken to another instance or another query fails authentication and answers 400.
The sealed envelope is base64url again so the token is one URL-safe word.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

from openelements.kit.crypto import KeyRing, UnsealError
from openelements.kit.errors import BadRequest

__all__ = ["INVALID_TOKEN", "CursorSealer", "PageCursor", "query_fingerprint"]

INVALID_TOKEN = "Invalid nextPage token"


@dataclass(frozen=True, slots=True)
class PageCursor:
    link: str
    skip: int
    page_size: int


def query_fingerprint(parts: Iterable[str | None]) -> str:
    """A stable digest of what defines a list: the same query gives the same fingerprint."""
    text = json.dumps([part or "" for part in parts], separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class CursorSealer:
    def __init__(self, key_ring: KeyRing) -> None:
        self._key_ring = key_ring

    def seal(self, cursor: PageCursor, *, instance_id: int, fingerprint: str) -> str:
        payload = {"link": cursor.link, "skip": cursor.skip, "pageSize": cursor.page_size}
        plain = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        sealed = self._key_ring.seal(plain, aad=_aad(instance_id, fingerprint))
        return base64.urlsafe_b64encode(sealed.encode("ascii")).rstrip(b"=").decode("ascii")

    def open(self, token: str, *, instance_id: int, fingerprint: str) -> PageCursor:
        try:
            sealed = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
            plain = self._key_ring.open(sealed, aad=_aad(instance_id, fingerprint))
            payload = json.loads(plain)
            return PageCursor(
                link=_text(payload["link"]),
                skip=_count(payload["skip"]),
                page_size=_count(payload["pageSize"]),
            )
        except (UnsealError, binascii.Error, UnicodeError, ValueError, KeyError, TypeError):
            raise BadRequest(INVALID_TOKEN) from None


def _aad(instance_id: int, fingerprint: str) -> bytes:
    return f"hub-page:{instance_id}:{fingerprint}".encode("ascii")


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("link")
    return value


def _count(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise TypeError("count")
    return value
