"""JSON shapes of users, calendars, events and contacts, exactly as Graph writes them.

Shared by the Graph routes, delta and change notifications so every path renders the same
bytes. `RenderOptions` carries what depends on the request: the emulator's origin (G09), the
`Prefer: outlook.timezone` zone and the `outlook.body-content-type` preference.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, tzinfo
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from msgraph_emulator.graph import ids
from msgraph_emulator.graph.body_text import html_to_text, preview, text_to_html
from msgraph_emulator.graph.items import Calendar, Contact, Event
from msgraph_emulator.graph.wire_time import format_offset, format_wall

ALWAYS_SELECTED = ("@odata.etag", "id")
CALENDAR_VIEW_UNSELECTABLE = ("createdDateTime", "lastModifiedDateTime")
CALENDAR_HEX_COLORS = {
    "auto": "",
    "lightBlue": "#a6d1f5",
    "lightGreen": "#87d28e",
    "lightOrange": "#fcab73",
    "lightGray": "#c0c0c0",
    "lightYellow": "#f4d07a",
    "lightTeal": "#61d8d8",
    "lightPink": "#ee8fb9",
    "lightBrown": "#d7a16c",
    "lightRed": "#f89690",
    "maxColor": "",
}


@dataclass(frozen=True)
class RenderOptions:
    origin: str
    zone: tzinfo = UTC
    zone_name: str = "UTC"
    body_type: str | None = None


def context_url(origin: str, user_id: str, tail: str) -> str:
    return f"{origin}/v1.0/$metadata#users('{user_id}')/{tail}"


def etag(change_key: str) -> str:
    return f'W/"{change_key}"'


def _time(moment: Any, options: RenderOptions) -> dict[str, str]:
    return {"dateTime": format_wall(moment, options.zone), "timeZone": options.zone_name}


def _body(body: Mapping[str, str], wanted: str | None) -> dict[str, str]:
    kind, content = body["contentType"], body["content"]
    if wanted == "text" and kind == "html":
        return {"contentType": "text", "content": html_to_text(content)}
    if wanted == "html" and kind == "text":
        return {"contentType": "html", "content": text_to_html(content)}
    return {"contentType": kind, "content": content}


@lru_cache(maxsize=65536)
def web_link(origin: str, item_id: str) -> str:
    return f"{origin}/owa/?itemid={quote(item_id, safe='')}&exvsurl=1&path=/calendar/item"


def _online_meeting(event: Event, origin: str) -> dict[str, Any] | None:
    if not event.props.get("isOnlineMeeting"):
        return None
    join = f"{origin}/meetings/{quote(event.ical_uid, safe='')}"
    return {
        "joinUrl": join,
        "conferenceId": None,
        "tollNumber": None,
        "tollFreeNumbers": [],
        "phones": [],
        "quickDial": None,
    }


def render_event(event: Event, options: RenderOptions) -> dict[str, Any]:
    p = event.props
    body = p["body"]
    meeting = _online_meeting(event, options.origin)
    shape: dict[str, Any] = {
        "@odata.etag": etag(event.change_key),
        "id": event.id,
        "createdDateTime": format_offset(event.created),
        "lastModifiedDateTime": format_offset(event.last_modified),
        "changeKey": event.change_key,
        "categories": list(p["categories"]),
    }
    if event.transaction_id:
        shape["transactionId"] = event.transaction_id
    shape.update(
        {
            "originalStartTimeZone": event.start_zone,
            "originalEndTimeZone": event.end_zone,
            "iCalUId": event.ical_uid,
            "reminderMinutesBeforeStart": p["reminderMinutesBeforeStart"],
            "isReminderOn": p["isReminderOn"],
            "hasAttachments": False,
            "subject": p["subject"],
            "bodyPreview": preview(body["content"], body["contentType"]),
            "importance": p["importance"],
            "sensitivity": p["sensitivity"],
            "isAllDay": p["isAllDay"],
            "isCancelled": p["isCancelled"],
            "isOrganizer": p["isOrganizer"],
            "responseRequested": p["responseRequested"],
            "seriesMasterId": event.series_master_id,
            "showAs": p["showAs"],
            "type": event.type,
            "webLink": web_link(options.origin, event.id),
            "onlineMeetingUrl": meeting["joinUrl"] if meeting else None,
            "isOnlineMeeting": p["isOnlineMeeting"],
            "onlineMeetingProvider": p["onlineMeetingProvider"],
            "allowNewTimeProposals": p["allowNewTimeProposals"],
            "isDraft": p["isDraft"],
            "hideAttendees": p["hideAttendees"],
            "responseStatus": dict(p["responseStatus"]),
            "body": _body(body, options.body_type),
            "start": _time(event.start, options),
            "end": _time(event.end, options),
            "location": dict(p["location"]),
            "locations": [dict(item) for item in p["locations"]],
            "recurrence": event.recurrence.to_json() if event.recurrence else None,
            "attendees": [dict(a) for a in p["attendees"]],
            "organizer": dict(p["organizer"]),
            "onlineMeeting": meeting,
        }
    )
    if event.original_start is not None:
        shape["originalStart"] = format_offset(event.original_start).replace(".0000000Z", "Z")
    if event.is_master:
        shape["cancelledOccurrences"] = [
            ids.occurrence_id(event.id, s) for s in sorted(event.cancelled)
        ]
        shape["exceptionOccurrences"] = [event.exceptions[s] for s in sorted(event.exceptions)]
    return shape


def render_calendar(calendar: Calendar, *, owner_name: str, owner_address: str) -> dict[str, Any]:
    return {
        "id": calendar.id,
        "name": calendar.name,
        "color": calendar.color,
        "hexColor": CALENDAR_HEX_COLORS.get(calendar.color, ""),
        "isDefaultCalendar": calendar.is_default,
        "changeKey": calendar.change_key,
        "canShare": True,
        "canViewPrivateItems": True,
        "canEdit": True,
        "allowedOnlineMeetingProviders": ["teamsForBusiness"],
        "defaultOnlineMeetingProvider": "teamsForBusiness",
        "isTallyingResponses": True,
        "isRemovable": not calendar.is_default,
        "owner": {"name": owner_name, "address": owner_address},
    }


CONTACT_STRINGS = (
    "fileAs",
    "displayName",
    "givenName",
    "initials",
    "middleName",
    "nickName",
    "surname",
    "title",
    "yomiGivenName",
    "yomiSurname",
    "yomiCompanyName",
    "generation",
    "jobTitle",
    "companyName",
    "department",
    "officeLocation",
    "profession",
    "businessHomePage",
    "assistantName",
    "manager",
    "mobilePhone",
    "spouseName",
    "personalNotes",
    "birthday",
)
CONTACT_LISTS = (
    "categories",
    "imAddresses",
    "homePhones",
    "businessPhones",
    "children",
    "emailAddresses",
)
CONTACT_ADDRESSES = ("homeAddress", "businessAddress", "otherAddress")


def render_contact(contact: Contact) -> dict[str, Any]:
    p = contact.props
    shape: dict[str, Any] = {
        "@odata.etag": etag(contact.change_key),
        "id": contact.id,
        "createdDateTime": format_offset(contact.created),
        "lastModifiedDateTime": format_offset(contact.last_modified),
        "changeKey": contact.change_key,
        "parentFolderId": contact.folder_id,
    }
    for name in CONTACT_STRINGS:
        shape[name] = p.get(name, "" if name in ("fileAs", "displayName") else None)
    for name in CONTACT_LISTS:
        shape[name] = list(p.get(name) or [])
    for name in CONTACT_ADDRESSES:
        shape[name] = dict(p.get(name) or {})
    return shape


def render_user(user: Any) -> dict[str, Any]:
    """The default property set of a user (§15.10)."""
    display = str(getattr(user, "display_name", "") or "")
    return {
        "businessPhones": [],
        "displayName": display,
        "givenName": getattr(user, "given_name", None),
        "jobTitle": None,
        "mail": getattr(user, "mail", None),
        "mobilePhone": None,
        "officeLocation": None,
        "preferredLanguage": None,
        "surname": getattr(user, "surname", None),
        "userPrincipalName": getattr(user, "user_principal_name", None),
        "id": getattr(user, "id", None),
    }


def select_fields(shape: Mapping[str, Any], select: Iterable[str]) -> dict[str, Any]:
    """`$select`: `@odata.etag` and `id` always stay, then the named properties in shape order."""
    wanted = set(select) | set(ALWAYS_SELECTED)
    return {key: value for key, value in shape.items() if key in wanted}


EVENT_PROPERTIES = frozenset(
    {
        "id",
        "createdDateTime",
        "lastModifiedDateTime",
        "changeKey",
        "categories",
        "transactionId",
        "originalStartTimeZone",
        "originalEndTimeZone",
        "iCalUId",
        "reminderMinutesBeforeStart",
        "isReminderOn",
        "hasAttachments",
        "subject",
        "bodyPreview",
        "importance",
        "sensitivity",
        "isAllDay",
        "isCancelled",
        "isOrganizer",
        "responseRequested",
        "seriesMasterId",
        "showAs",
        "type",
        "webLink",
        "onlineMeetingUrl",
        "isOnlineMeeting",
        "onlineMeetingProvider",
        "allowNewTimeProposals",
        "isDraft",
        "hideAttendees",
        "responseStatus",
        "body",
        "start",
        "end",
        "location",
        "locations",
        "recurrence",
        "attendees",
        "organizer",
        "onlineMeeting",
        "originalStart",
        "cancelledOccurrences",
        "exceptionOccurrences",
        "attachments",
        "calendar",
        "extensions",
        "instances",
        "singleValueExtendedProperties",
        "multiValueExtendedProperties",
    }
)
CALENDAR_PROPERTIES = frozenset(
    {
        "id",
        "name",
        "color",
        "hexColor",
        "isDefaultCalendar",
        "changeKey",
        "canShare",
        "canViewPrivateItems",
        "canEdit",
        "allowedOnlineMeetingProviders",
        "defaultOnlineMeetingProvider",
        "isTallyingResponses",
        "isRemovable",
        "owner",
        "calendarPermissions",
        "calendarView",
        "events",
    }
)
CONTACT_PROPERTIES = frozenset(
    {
        "id",
        "createdDateTime",
        "lastModifiedDateTime",
        "changeKey",
        "parentFolderId",
        *CONTACT_STRINGS,
        *CONTACT_LISTS,
        *CONTACT_ADDRESSES,
        "photo",
        "extensions",
    }
)
SELECTABLE: dict[str, tuple[str, frozenset[str]]] = {
    "event": ("microsoft.graph.event", EVENT_PROPERTIES),
    "calendar": ("microsoft.graph.calendar", CALENDAR_PROPERTIES),
    "contact": ("microsoft.graph.contact", CONTACT_PROPERTIES),
}
