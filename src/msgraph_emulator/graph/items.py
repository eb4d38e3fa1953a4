"""The stored items of a mailbox: calendars, events (singles, series masters, exceptions), contacts.

`props` holds the client-settable properties already normalized to their wire spelling; the
fields beside it are what the service computes or indexes on. Times are aware UTC datetimes.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from msgraph_emulator.graph.recurrence import Recurrence


@dataclass
class Calendar:
    id: str
    name: str
    color: str
    is_default: bool
    change_key: str
    seq: int
    created: datetime
    last_modified: datetime


@dataclass
class Event:
    id: str
    calendar_id: str
    type: str
    start: datetime
    end: datetime
    start_zone: str
    end_zone: str
    props: dict[str, Any]
    created: datetime
    last_modified: datetime
    change_key: str
    ical_uid: str
    seq: int
    transaction_id: str | None = None
    recurrence: Recurrence | None = None
    series_master_id: str | None = None
    original_start: datetime | None = None
    exceptions: dict[datetime, str] = field(default_factory=dict)
    cancelled: set[datetime] = field(default_factory=set)

    @property
    def is_master(self) -> bool:
        return self.type == "seriesMaster"

    @property
    def duration_seconds(self) -> float:
        return (self.end - self.start).total_seconds()

    def clone_props(self) -> dict[str, Any]:
        return copy.deepcopy(self.props)


@dataclass
class Contact:
    id: str
    folder_id: str
    props: dict[str, Any]
    created: datetime
    last_modified: datetime
    change_key: str
    seq: int


@dataclass(frozen=True)
class Tombstone:
    """What remains of a deleted item, for delta (`@removed`)."""

    id: str
    kind: str
    calendar_id: str | None
    seq: int
    at: datetime
    start: datetime | None = None
    end: datetime | None = None
    # A series master as it was before it was deleted or reshaped: delta expands it in its
    # window to send `@removed` for occurrences a client holds that no longer exist.
    series: Event | None = None
