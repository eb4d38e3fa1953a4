"""One user's mailbox: calendars, events and contacts, with change tracking for delta.

Every write bumps the mailbox-wide `seq`, stamps the item with it, leaves a `Tombstone` when the
item goes, and calls each of `listeners` with a `ChangeEvent` (the Graph routes bind
`listeners` to `emulator.change_listeners`). Series follow G15: occurrences are computed, an
edited occurrence becomes a stored `exception`, a deleted one is listed in `cancelled`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from msgraph_emulator.changes import ChangeEvent, ChangeType, ItemKind
from msgraph_emulator.graph import ids
from msgraph_emulator.graph.items import Calendar, Contact, Event, Tombstone
from msgraph_emulator.graph.recurrence import Recurrence, occurrence_starts, series_start
from msgraph_emulator.graph.zones import resolve_zone

DEFAULT_CALENDAR_NAME = "Calendar"
CONTACTS_FOLDER_ID = "contacts"
# Tombstones kept per mailbox. Older ones are forgotten and `tombstone_horizon` remembers up
# to which `seq` that happened: delta tokens from before it can no longer be answered
# truthfully and expire, as Graph's do when its sync state cache drops them (§9).
MAX_TOMBSTONES = 10_000


class MailboxClock(Protocol):
    def now(self) -> datetime: ...


class MailboxOwner(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def display_name(self) -> str: ...
    @property
    def user_principal_name(self) -> str: ...


class DuplicateCalendarName(ValueError):
    pass


@dataclass
class EventDraft:
    """A validated create or update: only the fields the request named are set."""

    props: dict[str, Any] = field(default_factory=dict)
    start: datetime | None = None
    start_zone: str | None = None
    end: datetime | None = None
    end_zone: str | None = None
    recurrence: Recurrence | None = None
    recurrence_given: bool = False
    transaction_id: str | None = None


@dataclass
class Mailbox:
    user_id: str
    owner_name: str
    owner_address: str
    clock: MailboxClock
    seq: int = 0
    calendars: dict[str, Calendar] = field(default_factory=dict)
    events: dict[str, Event] = field(default_factory=dict)
    contacts: dict[str, Contact] = field(default_factory=dict)
    tombstones: dict[str, Tombstone] = field(default_factory=dict)
    tombstone_horizon: int = 0  # deletions with seq <= this may have been forgotten
    transactions: dict[str, str] = field(default_factory=dict)
    listeners: list[Callable[[ChangeEvent], None]] = field(default_factory=list)
    unique_calendar_names: bool = True  # G05, switchable through the emulator settings

    @classmethod
    def create(cls, *, user: MailboxOwner, clock: MailboxClock) -> Mailbox:
        address = getattr(user, "mail", None) or user.user_principal_name
        mailbox = cls(user.id, user.display_name, address, clock)
        mailbox.create_calendar(DEFAULT_CALENDAR_NAME, is_default=True)
        return mailbox

    def to_json(self) -> dict[str, Any]:
        """Everything but `clock` and `listeners` (the emulator binds those)."""
        from msgraph_emulator.graph.mailbox_json import mailbox_to_json

        return mailbox_to_json(self)

    @classmethod
    def from_json(cls, data: dict[str, Any], *, clock: MailboxClock) -> Mailbox:
        from msgraph_emulator.graph.mailbox_json import mailbox_from_json

        return mailbox_from_json(data, clock=clock)

    # -- change tracking -------------------------------------------------------------------

    def _stamp(self) -> tuple[int, datetime]:
        self.seq += 1
        return self.seq, self.clock.now()

    def _emit(
        self, kind: ItemKind, change: ChangeType, item_id: str, calendar_id: str | None, seq: int
    ) -> None:
        event = ChangeEvent(self.user_id, kind, change, item_id, calendar_id, seq, self.clock.now())
        for listener in list(self.listeners):
            listener(event)

    def _bury(
        self,
        *,
        item_id: str,
        kind: ItemKind,
        calendar_id: str | None,
        start: datetime | None = None,
        end: datetime | None = None,
        series: Event | None = None,
    ) -> None:
        seq, now = self._stamp()
        self._keep(Tombstone(item_id, kind, calendar_id, seq, now, start, end, series))
        self._emit(kind, "deleted", item_id, calendar_id, seq)

    def _keep(self, stone: Tombstone) -> None:
        self.tombstones.pop(stone.id, None)  # re-inserted: the dict stays in burial order
        self.tombstones[stone.id] = stone
        while len(self.tombstones) > MAX_TOMBSTONES:
            oldest = self.tombstones.pop(next(iter(self.tombstones)))
            self.tombstone_horizon = max(self.tombstone_horizon, oldest.seq)

    def _keep_series_shape(self, before: Event, seq: int) -> None:
        """A reshaped series loses the occurrences of its old shape; remember that shape
        (under its own key, without a change event: the master was updated, not deleted)."""
        key = f"{before.id}@{seq}"
        self._keep(
            Tombstone(key, "series", before.calendar_id, seq, self.clock.now(), series=before)
        )

    # -- calendars -------------------------------------------------------------------------

    @property
    def default_calendar(self) -> Calendar:
        return next(c for c in self.calendars.values() if c.is_default)

    def _check_name(self, name: str, *, except_id: str | None = None) -> None:
        if not self.unique_calendar_names:
            return
        folded = name.casefold()
        if any(c.name.casefold() == folded and c.id != except_id for c in self.calendars.values()):
            raise DuplicateCalendarName(name)

    def create_calendar(
        self, name: str, *, color: str = "auto", is_default: bool = False
    ) -> Calendar:
        self._check_name(name)
        seq, now = self._stamp()
        calendar = Calendar(
            ids.new_item_id(), name, color, is_default, ids.new_change_key(), seq, now, now
        )
        self.calendars[calendar.id] = calendar
        self._emit("calendar", "created", calendar.id, calendar.id, seq)
        return calendar

    def update_calendar(
        self, calendar: Calendar, *, name: str | None = None, color: str | None = None
    ) -> Calendar:
        if name is not None:
            self._check_name(name, except_id=calendar.id)
            calendar.name = name
        if color is not None:
            calendar.color = color
        calendar.seq, calendar.last_modified = self._stamp()
        calendar.change_key = ids.new_change_key()
        self._emit("calendar", "updated", calendar.id, calendar.id, calendar.seq)
        return calendar

    def delete_calendar(self, calendar: Calendar) -> None:
        for event in [e for e in self.events.values() if e.calendar_id == calendar.id]:
            if event.id in self.events:  # a master already took its exceptions with it
                self._remove_event(event)
        del self.calendars[calendar.id]
        self._bury(item_id=calendar.id, kind="calendar", calendar_id=calendar.id)

    # -- events ----------------------------------------------------------------------------

    def events_in(self, calendar_id: str | None) -> Iterator[Event]:
        for event in self.events.values():
            if calendar_id is None or event.calendar_id == calendar_id:
                yield event

    def create_event(self, calendar_id: str, draft: EventDraft, *, props: dict[str, Any]) -> Event:
        """Store a new single event or series master; `props` are the complete defaults."""
        if draft.start is None or draft.end is None:
            raise ValueError("a new event needs a start and an end")
        seq, now = self._stamp()
        props.update(draft.props)
        event = Event(
            id=ids.new_item_id(),
            calendar_id=calendar_id,
            type="seriesMaster" if draft.recurrence else "singleInstance",
            start=draft.start,
            end=draft.end,
            start_zone=draft.start_zone or "UTC",
            end_zone=draft.end_zone or "UTC",
            props=props,
            created=now,
            last_modified=now,
            change_key=ids.new_change_key(),
            ical_uid=ids.new_ical_uid(),
            seq=seq,
            transaction_id=draft.transaction_id,
            recurrence=draft.recurrence,
        )
        self.events[event.id] = event
        if draft.transaction_id:
            self.transactions[draft.transaction_id] = event.id
        self._emit("event", "created", event.id, calendar_id, seq)
        return event

    def update_event(self, event: Event, draft: EventDraft) -> Event:
        reshaped = draft.start is not None or draft.end is not None or draft.recurrence_given
        before = replace(event) if reshaped and event.is_master else None
        _apply(event, draft)
        if event.series_master_id is None:
            event.type = "seriesMaster" if event.recurrence else "singleInstance"
        event.seq, event.last_modified = self._stamp()
        if before is not None:
            self._keep_series_shape(before, event.seq)
        event.change_key = ids.new_change_key()
        if reshaped and event.is_master:
            self._drop_stale_exceptions(event)
        elif reshaped and event.exceptions:
            self._drop_all_exceptions(event)
        self._emit("event", "updated", event.id, event.calendar_id, event.seq)
        return event

    def delete_event(self, event: Event) -> None:
        master = self.events.get(event.series_master_id or "")
        if master is not None and event.original_start is not None:
            self.cancel_occurrence(master, event.original_start)
            return
        self._remove_event(event)

    def _remove_event(self, event: Event) -> None:
        self._drop_all_exceptions(event)
        self.events.pop(event.id, None)
        if event.transaction_id:
            self.transactions.pop(event.transaction_id, None)
        self._bury(
            item_id=event.id,
            kind="event",
            calendar_id=event.calendar_id,
            start=event.start,
            end=event.end,
            series=event if event.is_master else None,
        )

    # -- series ----------------------------------------------------------------------------

    def series_dtstart(self, master: Event) -> datetime:
        assert master.recurrence is not None
        named = master.recurrence.range.recurrence_time_zone
        zone = (named and resolve_zone(named)) or resolve_zone(master.start_zone) or UTC
        local = master.start.astimezone(zone)
        return series_start(master.recurrence, start_time=local.time(), zone=zone)

    def occurrence_starts(self, master: Event, *, start: datetime, end: datetime) -> list[datetime]:
        """Original starts (UTC) of the master's occurrences overlapping the window."""
        assert master.recurrence is not None
        return occurrence_starts(
            master.recurrence,
            dtstart=self.series_dtstart(master),
            window_start=start,
            window_end=end,
            duration=master.end - master.start,
        )

    def is_occurrence(self, master: Event, original_start: datetime) -> bool:
        found = self.occurrence_starts(
            master, start=original_start, end=original_start + timedelta(seconds=1)
        )
        return original_start in found

    def occurrence(self, master: Event, original_start: datetime) -> Event:
        """The computed (unmodified) occurrence of `master` that starts at `original_start`."""
        assert master.recurrence is not None
        return Event(
            id=ids.occurrence_id(master.id, original_start),
            calendar_id=master.calendar_id,
            type="occurrence",
            start=original_start,
            end=original_start + (master.end - master.start),
            start_zone=master.start_zone,
            end_zone=master.end_zone,
            props=master.props,
            created=master.created,
            last_modified=master.last_modified,
            change_key=master.change_key,
            ical_uid=ids.occurrence_ical_uid(master.ical_uid, original_start),
            seq=master.seq,
            series_master_id=master.id,
            original_start=original_start,
        )

    def find_event(self, item_id: str) -> Event | None:
        """A stored event, or the occurrence an occurrence id names (None when cancelled)."""
        event = self.events.get(item_id)
        if event is not None:
            return event
        parsed = ids.parse_occurrence_id(item_id)
        if parsed is None:
            return None
        master = self.events.get(parsed[0])
        if master is None or not master.is_master:
            return None
        original = parsed[1]
        if original in master.cancelled:
            return None
        if original in master.exceptions:
            return self.events.get(master.exceptions[original])
        return self.occurrence(master, original) if self.is_occurrence(master, original) else None

    def edit_occurrence(self, occurrence: Event, draft: EventDraft) -> Event:
        """PATCH on an occurrence id: store it as an `exception` (G15)."""
        master = self.events[occurrence.series_master_id or ""]
        assert occurrence.original_start is not None
        seq, now = self._stamp()
        exception = Event(
            id=occurrence.id,
            calendar_id=master.calendar_id,
            type="exception",
            start=occurrence.start,
            end=occurrence.end,
            start_zone=occurrence.start_zone,
            end_zone=occurrence.end_zone,
            props=master.clone_props(),
            created=now,
            last_modified=now,
            change_key=ids.new_change_key(),
            ical_uid=occurrence.ical_uid,
            seq=seq,
            series_master_id=master.id,
            original_start=occurrence.original_start,
        )
        draft.recurrence_given = False
        _apply(exception, draft)
        self.events[exception.id] = exception
        master.exceptions[occurrence.original_start] = exception.id
        self._emit("event", "updated", exception.id, exception.calendar_id, seq)
        return exception

    def cancel_occurrence(self, master: Event, original_start: datetime) -> None:
        exception_id = master.exceptions.pop(original_start, None)
        exception = self.events.pop(exception_id, None) if exception_id else None
        master.cancelled.add(original_start)
        master.seq, master.last_modified = self._stamp()
        master.change_key = ids.new_change_key()
        occurrence_key = exception_id or ids.occurrence_id(master.id, original_start)
        start = exception.start if exception else original_start
        end = exception.end if exception else original_start + (master.end - master.start)
        self._bury(
            item_id=occurrence_key,
            kind="event",
            calendar_id=master.calendar_id,
            start=start,
            end=end,
        )
        self._emit("event", "updated", master.id, master.calendar_id, master.seq)

    def _drop_stale_exceptions(self, master: Event) -> None:
        master.cancelled = {s for s in master.cancelled if self.is_occurrence(master, s)}
        for original, exception_id in list(master.exceptions.items()):
            if not self.is_occurrence(master, original):
                self._drop_exception(master, original, exception_id)

    def _drop_all_exceptions(self, master: Event) -> None:
        for original, exception_id in list(master.exceptions.items()):
            self._drop_exception(master, original, exception_id)
        master.cancelled.clear()

    def _drop_exception(self, master: Event, original: datetime, exception_id: str) -> None:
        master.exceptions.pop(original, None)
        exception = self.events.pop(exception_id, None)
        if exception is not None:
            self._bury(
                item_id=exception.id,
                kind="event",
                calendar_id=exception.calendar_id,
                start=exception.start,
                end=exception.end,
            )

    # -- contacts --------------------------------------------------------------------------

    def create_contact(self, props: dict[str, Any]) -> Contact:
        seq, now = self._stamp()
        contact = Contact(
            ids.new_item_id(), CONTACTS_FOLDER_ID, props, now, now, ids.new_change_key(), seq
        )
        self.contacts[contact.id] = contact
        self._emit("contact", "created", contact.id, None, seq)
        return contact

    def update_contact(self, contact: Contact, props: dict[str, Any]) -> Contact:
        contact.props.update(props)
        contact.seq, contact.last_modified = self._stamp()
        contact.change_key = ids.new_change_key()
        self._emit("contact", "updated", contact.id, None, contact.seq)
        return contact

    def delete_contact(self, contact: Contact) -> None:
        del self.contacts[contact.id]
        self._bury(item_id=contact.id, kind="contact", calendar_id=None)


def _apply(event: Event, draft: EventDraft) -> None:
    event.props.update(draft.props)
    if draft.start is not None:
        event.start = draft.start
        event.start_zone = draft.start_zone or event.start_zone
    if draft.end is not None:
        event.end = draft.end
        event.end_zone = draft.end_zone or event.end_zone
    if draft.recurrence_given:
        event.recurrence = draft.recurrence
