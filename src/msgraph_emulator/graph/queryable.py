"""Which fields `$filter` and `$orderby` accept per resource (G16, `cloud-elements-api.md` D43)."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from msgraph_emulator.graph.items import Calendar, Contact, Event
from msgraph_emulator.graph.odata_filter import BOOLEAN, DATETIME, STRING, TEXT_TIME, Field
from msgraph_emulator.graph.wire_time import format_wall


def _prop(name: str) -> Any:
    return lambda event: event.props.get(name)


def _organizer_address(event: Event) -> Any:
    return event.props.get("organizer", {}).get("emailAddress", {}).get("address")


CALENDAR_VIEW_FIELDS: dict[str, Field[Event]] = {
    "id": Field(STRING, lambda e: e.id),
    "subject": Field(STRING, _prop("subject")),
    "start/dateTime": Field(TEXT_TIME, lambda e: format_wall(e.start, UTC)),
    "end/dateTime": Field(TEXT_TIME, lambda e: format_wall(e.end, UTC)),
    "isAllDay": Field(BOOLEAN, _prop("isAllDay")),
    "isCancelled": Field(BOOLEAN, _prop("isCancelled")),
    "isOrganizer": Field(BOOLEAN, _prop("isOrganizer")),
    "isOnlineMeeting": Field(BOOLEAN, _prop("isOnlineMeeting")),
    "showAs": Field(STRING, _prop("showAs")),
    "importance": Field(STRING, _prop("importance")),
    "sensitivity": Field(STRING, _prop("sensitivity")),
    "type": Field(STRING, lambda e: e.type),
    "seriesMasterId": Field(STRING, lambda e: e.series_master_id),
    "iCalUId": Field(STRING, lambda e: e.ical_uid),
    "organizer/emailAddress/address": Field(STRING, _organizer_address),
}

EVENT_FIELDS: dict[str, Field[Event]] = {
    **CALENDAR_VIEW_FIELDS,
    "createdDateTime": Field(DATETIME, lambda e: e.created),
    "lastModifiedDateTime": Field(DATETIME, lambda e: e.last_modified),
}

CALENDAR_FIELDS: dict[str, Field[Calendar]] = {
    "name": Field(STRING, lambda c: c.name),
    "color": Field(STRING, lambda c: c.color),
    "isDefaultCalendar": Field(BOOLEAN, lambda c: c.is_default),
    "canEdit": Field(BOOLEAN, lambda c: True),
    "canShare": Field(BOOLEAN, lambda c: True),
}


def _contact(name: str) -> Any:
    return lambda contact: contact.props.get(name)


def _first_email(contact: Contact) -> Any:
    emails = contact.props.get("emailAddresses") or []
    return emails[0].get("address") if emails else None


CONTACT_FIELDS: dict[str, Field[Contact]] = {
    "id": Field(STRING, lambda c: c.id),
    **{
        name: Field(STRING, _contact(name))
        for name in (
            "displayName",
            "givenName",
            "surname",
            "companyName",
            "jobTitle",
            "department",
            "fileAs",
            "mobilePhone",
        )
    },
    "emailAddresses/address": Field(STRING, _first_email),
    "createdDateTime": Field(DATETIME, lambda c: c.created),
    "lastModifiedDateTime": Field(DATETIME, lambda c: c.last_modified),
}
