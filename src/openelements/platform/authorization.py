"""The `Authorization` header of the platform API (spec §3.1, D05).

One header carries a comma-separated list of credentials, each a keyword, whitespace, then the
value, in any order:

    Authorization: User <secret>, Organization <secret>, Element <token>

Keywords are matched case-insensitively. A repeated keyword, an unknown keyword (``Bearer``
included: bearer tokens are for the session calls only, D03), an empty value or anything else
that does not parse is refused with a message naming the faulty part. Values are not checked
against a character class beyond "visible ASCII except comma": secrets carry ``+``, ``/`` and
``=``. Parsing is pure; turning the failure into a 401 is the caller's job.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

_WHITESPACE = re.compile(r"[ \t]+")
# Visible ASCII (0x21-0x7E) except the comma that separates credentials.
_VALUE = re.compile(r"[\x21-\x2b\x2d-\x7e]+")
# Only short alphabetic words are echoed back: anything else may be a secret sent without keyword.
_ECHOABLE_KEYWORD = re.compile(r"[A-Za-z]{1,20}")


class CredentialKind(enum.Enum):
    USER = "User"
    ORGANIZATION = "Organization"
    ELEMENT = "Element"


_KINDS_BY_KEYWORD = {kind.value.lower(): kind for kind in CredentialKind}


class MalformedAuthorization(ValueError):
    """The header could not be read; ``str(error)`` says which part and why."""


@dataclass(frozen=True, slots=True)
class Credentials:
    """The raw values of one parsed header; any of them may be absent."""

    user: str | None = None
    organization: str | None = None
    element: str | None = None

    def get(self, kind: CredentialKind) -> str | None:
        return {
            CredentialKind.USER: self.user,
            CredentialKind.ORGANIZATION: self.organization,
            CredentialKind.ELEMENT: self.element,
        }[kind]


def parse_authorization(header: str) -> Credentials:
    """Read ``header``; raise `MalformedAuthorization` on anything D05 refuses."""
    if not header.strip():
        raise MalformedAuthorization("Invalid Authorization header: the header is empty")
    found: dict[CredentialKind, str] = {}
    for position, part in enumerate(header.split(","), start=1):
        kind, value = _parse_credential(part.strip(" \t"), position=position)
        if kind in found:
            raise MalformedAuthorization(
                f"Invalid Authorization header: {kind.value} credential is given more than once"
            )
        found[kind] = value
    return Credentials(
        user=found.get(CredentialKind.USER),
        organization=found.get(CredentialKind.ORGANIZATION),
        element=found.get(CredentialKind.ELEMENT),
    )


def _parse_credential(part: str, *, position: int) -> tuple[CredentialKind, str]:
    if not part:
        raise MalformedAuthorization(
            f"Invalid Authorization header: credential {position} is empty"
            " (expected '<User|Organization|Element> <value>')"
        )
    pieces = _WHITESPACE.split(part, maxsplit=1)
    keyword = pieces[0]
    kind = _keyword_kind(keyword, position=position)
    value = pieces[1] if len(pieces) == 2 else ""
    if not value:
        raise MalformedAuthorization(
            f"Invalid Authorization header: {kind.value} credential has no value"
        )
    if not _VALUE.fullmatch(value):
        raise MalformedAuthorization(
            f"Invalid Authorization header: {kind.value} value must be one word of visible"
            " ASCII characters"
        )
    return kind, value


def _keyword_kind(keyword: str, *, position: int) -> CredentialKind:
    kind = _KINDS_BY_KEYWORD.get(keyword.lower())
    if kind is not None:
        return kind
    if keyword.lower() == "bearer":
        raise MalformedAuthorization(
            "Invalid Authorization header: Bearer tokens are accepted only by"
            " GET /authentication/secrets; use 'User <secret>, Organization <secret>'"
        )
    shown = f" '{keyword}'" if _ECHOABLE_KEYWORD.fullmatch(keyword) else ""
    raise MalformedAuthorization(
        f"Invalid Authorization header: unknown keyword{shown} in credential {position}"
        " (expected User, Organization or Element)"
    )
