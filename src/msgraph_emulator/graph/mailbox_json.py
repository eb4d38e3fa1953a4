"""A mailbox as plain JSON for the state file, and back (`Mailbox.to_json` / `from_json`).

Datetimes travel as ISO-8601 with offset; a recurrence travels in its Graph JSON form.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any

from msgraph_emulator.graph.items import Calendar, Contact, Event, Tombstone
from msgraph_emulator.graph.recurrence import parse_recurrence

if TYPE_CHECKING:
    from msgraph_emulator.graph.mailbox import Mailbox, MailboxClock

FORMAT_VERSION = 1


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text is not None else None


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def calendar_to_json(calendar: Calendar) -> dict[str, Any]:
    data = asdict(calendar)
    data.update(created=_time(calendar.created), last_modified=_time(calendar.last_modified))
    return data


def calendar_from_json(data: dict[str, Any]) -> Calendar:
    return Calendar(
        **{**data, "created": _at(data["created"]), "last_modified": _at(data["last_modified"])}
    )


def event_to_json(event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "calendar_id": event.calendar_id,
        "type": event.type,
        "start": _time(event.start),
        "end": _time(event.end),
        "start_zone": event.start_zone,
        "end_zone": event.end_zone,
        "props": event.props,
        "created": _time(event.created),
        "last_modified": _time(event.last_modified),
        "change_key": event.change_key,
        "ical_uid": event.ical_uid,
        "seq": event.seq,
        "transaction_id": event.transaction_id,
        "recurrence": event.recurrence.to_json() if event.recurrence else None,
        "series_master_id": event.series_master_id,
        "original_start": _time(event.original_start),
        "exceptions": [[_time(start), item] for start, item in event.exceptions.items()],
        "cancelled": [_time(start) for start in sorted(event.cancelled)],
    }


def event_from_json(data: dict[str, Any]) -> Event:
    return Event(
        id=data["id"],
        calendar_id=data["calendar_id"],
        type=data["type"],
        start=_at(data["start"]),
        end=_at(data["end"]),
        start_zone=data["start_zone"],
        end_zone=data["end_zone"],
        props=data["props"],
        created=_at(data["created"]),
        last_modified=_at(data["last_modified"]),
        change_key=data["change_key"],
        ical_uid=data["ical_uid"],
        seq=data["seq"],
        transaction_id=data.get("transaction_id"),
        recurrence=parse_recurrence(data.get("recurrence")),
        series_master_id=data.get("series_master_id"),
        original_start=_parse(data.get("original_start")),
        exceptions={_at(start): item for start, item in data.get("exceptions", [])},
        cancelled={_at(start) for start in data.get("cancelled", [])},
    )


def contact_to_json(contact: Contact) -> dict[str, Any]:
    data = asdict(contact)
    data.update(created=_time(contact.created), last_modified=_time(contact.last_modified))
    return data


def contact_from_json(data: dict[str, Any]) -> Contact:
    return Contact(
        **{**data, "created": _at(data["created"]), "last_modified": _at(data["last_modified"])}
    )


def tombstone_to_json(stone: Tombstone) -> dict[str, Any]:
    data = {item.name: getattr(stone, item.name) for item in fields(stone)}
    data.update(at=_time(stone.at), start=_time(stone.start), end=_time(stone.end))
    data["series"] = event_to_json(stone.series) if stone.series is not None else None
    return data


def tombstone_from_json(data: dict[str, Any]) -> Tombstone:
    return Tombstone(
        **{
            **data,
            "at": _at(data["at"]),
            "start": _parse(data.get("start")),
            "end": _parse(data.get("end")),
            "series": event_from_json(data["series"]) if data.get("series") else None,
        }
    )


def mailbox_to_json(mailbox: Mailbox) -> dict[str, Any]:
    return {
        "version": FORMAT_VERSION,
        "userId": mailbox.user_id,
        "ownerName": mailbox.owner_name,
        "ownerAddress": mailbox.owner_address,
        "seq": mailbox.seq,
        "calendars": [calendar_to_json(c) for c in mailbox.calendars.values()],
        "events": [event_to_json(e) for e in mailbox.events.values()],
        "contacts": [contact_to_json(c) for c in mailbox.contacts.values()],
        "tombstones": [tombstone_to_json(t) for t in mailbox.tombstones.values()],
        "tombstoneHorizon": mailbox.tombstone_horizon,
        "transactions": dict(mailbox.transactions),
    }


def mailbox_from_json(data: dict[str, Any], *, clock: MailboxClock) -> Mailbox:
    from msgraph_emulator.graph.mailbox import Mailbox

    mailbox = Mailbox(
        data["userId"], data["ownerName"], data["ownerAddress"], clock, seq=int(data["seq"])
    )
    mailbox.calendars = {c["id"]: calendar_from_json(c) for c in data["calendars"]}
    mailbox.events = {e["id"]: event_from_json(e) for e in data["events"]}
    mailbox.contacts = {c["id"]: contact_from_json(c) for c in data["contacts"]}
    stones = sorted((tombstone_from_json(t) for t in data["tombstones"]), key=lambda t: t.seq)
    mailbox.tombstones = {t.id: t for t in stones}
    mailbox.tombstone_horizon = int(data.get("tombstoneHorizon", 0))
    mailbox.transactions = dict(data.get("transactions", {}))
    return mailbox
