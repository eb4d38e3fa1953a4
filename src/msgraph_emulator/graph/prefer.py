"""`Prefer` request headers (§7): time zone, body content type, page size, immutable ids.

Several preferences may arrive comma-separated or in repeated headers. Each one honoured is
echoed in `Preference-Applied`; an unknown zone name is ignored (UTC, no echo, G18).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, tzinfo

from msgraph_emulator.graph.zones import resolve_zone

_ITEM = re.compile(r'\s*([A-Za-z.\-]+)\s*(?:=\s*("(?:[^"\\]|\\.)*"|[^,]*))?\s*(?:,|$)')


@dataclass
class Preferences:
    zone: tzinfo = UTC
    zone_name: str = "UTC"
    body_type: str | None = None
    max_page_size: int | None = None
    applied: list[str] = field(default_factory=list)

    def applied_header(self) -> dict[str, str]:
        return {"Preference-Applied": ", ".join(self.applied)} if self.applied else {}


def _items(values: Iterable[str]) -> Iterable[tuple[str, str]]:
    for value in values:
        for match in _ITEM.finditer(value):
            if match.group(1):
                yield match.group(1).lower(), (match.group(2) or "").strip().strip('"')


def read_preferences(values: Iterable[str]) -> Preferences:
    prefs = Preferences()
    for name, value in _items(values):
        if name == "outlook.timezone":
            zone = resolve_zone(value)
            if zone is not None:
                prefs.zone, prefs.zone_name = zone, value
                prefs.applied.append(f'outlook.timezone="{value}"')
        elif name == "outlook.body-content-type" and value.lower() in ("text", "html"):
            prefs.body_type = value.lower()
            prefs.applied.append(f'outlook.body-content-type="{prefs.body_type}"')
        elif name == "odata.maxpagesize" and value.isdigit() and int(value) > 0:
            prefs.max_page_size = int(value)
        elif name == "idtype" and value.lower() == "immutableid":
            prefs.applied.append('IdType="ImmutableId"')
    return prefs
