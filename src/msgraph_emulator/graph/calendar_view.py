"""Calendar views: the single events, occurrences and exceptions overlapping a window (§8).

Series masters are expanded inside the window only (never iterated open-ended); cancelled
occurrences are left out and edited ones come from their stored exception. The overlap rule is
G19: `start < windowEnd and end > windowStart`, and a zero-length event at `windowStart` counts.
Delta (E3) reuses `calendar_view` so both see the same occurrences with the same ids (G15).
"""

from __future__ import annotations

from datetime import datetime
from typing import TypeAlias

from msgraph_emulator.graph.items import Event
from msgraph_emulator.graph.mailbox import Mailbox

Occurrence: TypeAlias = Event


def overlaps(
    start: datetime, end: datetime, *, window_start: datetime, window_end: datetime
) -> bool:
    return start < window_end and (end > window_start or start == window_start)


def _series_occurrences(
    mailbox: Mailbox, master: Event, *, start: datetime, end: datetime
) -> list[Occurrence]:
    return [
        mailbox.occurrence(master, original)
        for original in mailbox.occurrence_starts(master, start=start, end=end)
        if original not in master.cancelled and original not in master.exceptions
    ]


def calendar_view(
    mailbox: Mailbox, *, start: datetime, end: datetime, calendar_id: str | None
) -> list[Occurrence]:
    """Everything a calendar (or the whole mailbox) shows in [start, end), by start then id."""
    found: list[Occurrence] = []
    for event in mailbox.events_in(calendar_id):
        if event.is_master:
            found.extend(_series_occurrences(mailbox, event, start=start, end=end))
        elif overlaps(event.start, event.end, window_start=start, window_end=end):
            found.append(event)
    found.sort(key=lambda item: (item.start, item.id))
    return found


def instances(
    mailbox: Mailbox, master: Event, *, start: datetime, end: datetime
) -> list[Occurrence]:
    """The occurrences and exceptions of one series in the window (cancelled ones left out)."""
    found = _series_occurrences(mailbox, master, start=start, end=end)
    for exception_id in master.exceptions.values():
        exception = mailbox.events.get(exception_id)
        if exception and overlaps(
            exception.start, exception.end, window_start=start, window_end=end
        ):
            found.append(exception)
    found.sort(key=lambda item: (item.start, item.id))
    return found
