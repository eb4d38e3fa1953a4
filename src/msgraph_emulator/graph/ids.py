"""Item identifiers, change keys and iCalendar UIDs.

Ids look like Exchange's: standard base64 (so they may hold `/`, `+` and `=` and clients must
percent-encode them). An occurrence id is derived from its series master's id and its original
start (G15), so the same occurrence has the same id in every response and can be decoded back.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from datetime import UTC, datetime

_ITEM_PREFIX = b"\x00\x03\x24\x00"
_OCCURRENCE_PREFIX = b"\x00\x03\x24\x07"
_ICAL_PREFIX = "040000008200E00074C5B7101A82E008"


def new_item_id() -> str:
    return base64.b64encode(_ITEM_PREFIX + secrets.token_bytes(29)).decode()


def new_change_key() -> str:
    return base64.b64encode(secrets.token_bytes(22)).decode()


def new_ical_uid() -> str:
    return f"{_ICAL_PREFIX}00000000{secrets.token_hex(24).upper()}"


def occurrence_ical_uid(master_uid: str, original_start: datetime) -> str:
    """iCalUId of one occurrence: the master's with the occurrence date in bytes 16-19."""
    day = original_start.astimezone(UTC)
    stamp = f"{day.year:04X}{day.month:02X}{day.day:02X}"
    cut = len(_ICAL_PREFIX)
    return master_uid[:cut] + stamp + master_uid[cut + 8 :]


def occurrence_id(master_id: str, original_start: datetime) -> str:
    raw = base64.b64decode(master_id)
    seconds = int(original_start.astimezone(UTC).timestamp())
    return base64.b64encode(_OCCURRENCE_PREFIX + raw + seconds.to_bytes(8, "big")).decode()


def is_well_formed(item_id: str) -> bool:
    """Shaped like a store id: standard base64 of at least 16 bytes (a name is not)."""
    try:
        return len(base64.b64decode(item_id, validate=True)) >= 16
    except (binascii.Error, ValueError):
        return False


def parse_occurrence_id(item_id: str) -> tuple[str, datetime] | None:
    """(master id, original start in UTC) when `item_id` names an occurrence, else None."""
    try:
        raw = base64.b64decode(item_id, validate=True)
    except (binascii.Error, ValueError):
        return None
    if not raw.startswith(_OCCURRENCE_PREFIX) or len(raw) < len(_OCCURRENCE_PREFIX) + 9:
        return None
    master = base64.b64encode(raw[len(_OCCURRENCE_PREFIX) : -8]).decode()
    seconds = int.from_bytes(raw[-8:], "big")
    return master, datetime.fromtimestamp(seconds, UTC)
