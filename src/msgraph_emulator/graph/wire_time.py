"""Date and time on the wire: `dateTimeTimeZone` wall clocks and `DateTimeOffset` values.

Graph writes wall-clock times without offset and with 7 fractional digits
(`2026-04-15T09:00:00.0000000`) and DateTimeOffsets in UTC with `Z`. Input is more lenient:
fractions are optional (up to 7 digits) and an offset or `Z` may be present.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache

UNSET_TIME = "0001-01-01T00:00:00Z"

_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?"
    r"(Z|[+-]\d{2}:?\d{2})?$",
    re.IGNORECASE,
)


class WireTimeError(ValueError):
    pass


@lru_cache(maxsize=65536)
def format_wall(moment: datetime, zone: tzinfo) -> str:
    """The wall-clock time of `moment` in `zone`, 7 fractional digits, no offset."""
    local = moment.astimezone(zone)
    return local.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0"


@lru_cache(maxsize=65536)
def format_offset(moment: datetime) -> str:
    """A DateTimeOffset in UTC: `2026-03-03T10:00:50.7579581Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


def _parse(text: str) -> tuple[datetime, str | None]:
    match = _ISO.match(text.strip())
    if match is None:
        raise WireTimeError(f"Cannot parse date and time '{text}'")
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    micro = int((fraction or "0").ljust(7, "0")[:6])
    try:
        naive = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            micro,
        )
    except ValueError as exc:
        raise WireTimeError(f"Cannot parse date and time '{text}'") from exc
    return naive, offset


def _offset_zone(offset: str) -> tzinfo:
    if offset.upper() == "Z":
        return UTC
    digits = offset[1:].replace(":", "")
    delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return timezone(-delta if offset[0] == "-" else delta)


def parse_wall(text: str, zone: tzinfo) -> datetime:
    """An aware datetime from a wall-clock string read in `zone` (an explicit offset wins)."""
    naive, offset = _parse(text)
    if offset is not None:
        return naive.replace(tzinfo=_offset_zone(offset))
    return naive.replace(tzinfo=zone)


def parse_offset(text: str) -> datetime:
    """An aware UTC datetime from an ISO-8601 string; without an offset the value is UTC."""
    naive, offset = _parse(text)
    zone = UTC if offset is None else _offset_zone(offset)
    try:
        return naive.replace(tzinfo=zone).astimezone(UTC)
    except OverflowError as exc:
        raise WireTimeError(f"Cannot parse date and time '{text}'") from exc


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError as exc:
        raise WireTimeError(f"Cannot parse date '{text}'") from exc


def format_time_of_day(moment: time) -> str:
    return moment.strftime("%H:%M:%S.%f") + "0"
