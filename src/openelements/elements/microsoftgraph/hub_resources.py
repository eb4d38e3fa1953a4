"""The `microsoftgraph` hub resource table (spec §8.3, D35-D39) and its objects (§8.6).

Declarative on purpose: each row is a hub path, its kind and the Graph path per method. The
hubs domain routes, pages and answers from these rows; nothing here performs a call.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from openelements.elements.base import HubObject, HubResource, ResourceKind
from openelements.elements.microsoftgraph.ceql_odata import GraphCollection

__all__ = ["HUB_OBJECTS", "HUB_RESOURCES", "LIST_COLLECTIONS"]

# Properties Graph computes; a body read from Graph and sent back (PATCH with a full object)
# must not carry them, so the hub drops them instead of refusing the request.
_EVENT_READ_ONLY = frozenset(
    {
        "id", "createdDateTime", "lastModifiedDateTime", "changeKey", "iCalUId", "uid",
        "webLink", "type", "seriesMasterId", "originalStart", "originalStartTimeZone",
        "originalEndTimeZone", "isCancelled", "isOrganizer", "responseStatus", "organizer",
        "hasAttachments", "bodyPreview", "onlineMeetingUrl", "occurrenceId", "calendar",
        "cancelledOccurrences", "exceptionOccurrences", "instances",
    }
)  # fmt: skip
_CALENDAR_READ_ONLY = frozenset(
    {
        "id", "changeKey", "canEdit", "canShare", "canViewPrivateItems", "isDefaultCalendar",
        "isRemovable", "isTallyingResponses", "owner", "allowedOnlineMeetingProviders",
        "defaultOnlineMeetingProvider",
    }
)  # fmt: skip
_CONTACT_READ_ONLY = frozenset(
    {"id", "createdDateTime", "lastModifiedDateTime", "changeKey", "parentFolderId"}
)

_EVENT_ACTIONS = {  # hub name → Graph action (spec microsoft-graph.md §3.5)
    "accept": "accept",
    "decline": "decline",
    "tentatively-accept": "tentativelyAccept",
    "cancel": "cancel",
    "forward": "forward",
}


def _collection(
    path: str, vendor: str, object_name: str, read_only: frozenset[str], *, window: bool = False
) -> HubResource:
    paths = {"GET": vendor} if window else {"GET": vendor, "POST": vendor}
    return HubResource(
        path=path,
        kind=ResourceKind.COLLECTION,
        vendor_paths=paths,
        object_name=object_name,
        window=window,
        read_only_fields=read_only,
    )


def _item(
    path: str, vendor: str, object_name: str, read_only: frozenset[str], *, delete: str = ""
) -> HubResource:
    return HubResource(
        path=path,
        kind=ResourceKind.ITEM,
        vendor_paths={"GET": vendor, "PATCH": vendor, "DELETE": delete or vendor},
        object_name=object_name,
        read_only_fields=read_only,
    )


def _event_actions() -> list[HubResource]:
    return [
        HubResource(
            path=f"events/{{eventId}}/{hub_name}",
            kind=ResourceKind.ACTION,
            vendor_paths={"POST": f"me/events/{{eventId}}/{graph_name}"},
            object_name="events",
        )
        for hub_name, graph_name in _EVENT_ACTIONS.items()
    ]


HUB_RESOURCES: tuple[HubResource, ...] = (
    HubResource(
        path="ping",
        kind=ResourceKind.PING,
        vendor_paths={"GET": "me/calendar"},
        vendor_query=MappingProxyType({"$select": "id"}),  # D39
    ),
    _collection("calendars", "me/calendars", "calendars", _CALENDAR_READ_ONLY),
    _item("calendars/{calendarId}", "me/calendars/{calendarId}", "calendars", _CALENDAR_READ_ONLY),
    _collection(
        "calendars/{calendarId}/events",
        "me/calendars/{calendarId}/events",
        "events",
        _EVENT_READ_ONLY,
    ),
    _item(
        "calendars/{calendarId}/events/{eventId}",
        "me/calendars/{calendarId}/events/{eventId}",
        "events",
        _EVENT_READ_ONLY,
        delete="me/events/{eventId}",  # D36
    ),
    _collection(
        "calendars/{calendarId}/calendar-view",
        "me/calendars/{calendarId}/calendarView",
        "events",
        _EVENT_READ_ONLY,
        window=True,
    ),  # D38
    _collection("events", "me/events", "events", _EVENT_READ_ONLY),  # D37
    _item("events/{eventId}", "me/events/{eventId}", "events", _EVENT_READ_ONLY),
    _collection(
        "events/{eventId}/instances",
        "me/events/{eventId}/instances",
        "events",
        _EVENT_READ_ONLY,
        window=True,
    ),
    *_event_actions(),
    _collection("calendar-view", "me/calendarView", "events", _EVENT_READ_ONLY, window=True),  # D38
    HubResource(
        path="schedule",
        kind=ResourceKind.ACTION,
        vendor_paths={"POST": "me/calendar/getSchedule"},
        list_answer=True,
    ),
    _collection("contacts", "me/contacts", "contacts", _CONTACT_READ_ONLY),  # D35
    _item("contacts/{contactId}", "me/contacts/{contactId}", "contacts", _CONTACT_READ_ONLY),
)

LIST_COLLECTIONS: Mapping[str, GraphCollection] = MappingProxyType(
    {
        "calendars": GraphCollection.CALENDARS,
        "calendars/{calendarId}/events": GraphCollection.EVENTS,
        "events": GraphCollection.EVENTS,
        "calendars/{calendarId}/calendar-view": GraphCollection.CALENDAR_VIEW,
        "calendar-view": GraphCollection.CALENDAR_VIEW,
        "events/{eventId}/instances": GraphCollection.CALENDAR_VIEW,
        "contacts": GraphCollection.CONTACTS,
    }
)


def _field(
    path: str, kind: str, *, read_only: bool = False, required: bool = False, mask: str = ""
) -> dict[str, Any]:
    return {
        "vendorPath": path,
        "type": kind,
        "mask": mask,
        "vendorDisplayName": path,
        "vendorReadOnly": read_only,
        "vendorRequired": required,
    }


_DATE_MASK = "yyyy-MM-dd'T'HH:mm:ssZ"  # spec §8.4

_CALENDAR_FIELDS = (
    _field("id", "string", read_only=True),
    _field("name", "string", required=True),
    _field("color", "string"),
    _field("hexColor", "string"),
    _field("changeKey", "string", read_only=True),
    _field("isDefaultCalendar", "boolean", read_only=True),
    _field("canEdit", "boolean", read_only=True),
    _field("canShare", "boolean", read_only=True),
    _field("canViewPrivateItems", "boolean", read_only=True),
    _field("owner.name", "string", read_only=True),
    _field("owner.address", "string", read_only=True),
)
_EVENT_FIELDS = (
    _field("id", "string", read_only=True),
    _field("subject", "string"),
    _field("body.contentType", "string"),
    _field("body.content", "string"),
    _field("bodyPreview", "string", read_only=True),
    _field("start.dateTime", "date", mask=_DATE_MASK, required=True),
    _field("start.timeZone", "string", required=True),
    _field("end.dateTime", "date", mask=_DATE_MASK, required=True),
    _field("end.timeZone", "string", required=True),
    _field("location.displayName", "string"),
    _field("attendees", "array"),
    _field("organizer.emailAddress.name", "string", read_only=True),
    _field("organizer.emailAddress.address", "string", read_only=True),
    _field("categories", "array"),
    _field("isAllDay", "boolean"),
    _field("isCancelled", "boolean", read_only=True),
    _field("showAs", "string"),
    _field("importance", "string"),
    _field("sensitivity", "string"),
    _field("recurrence", "object"),
    _field("type", "string", read_only=True),
    _field("seriesMasterId", "string", read_only=True),
    _field("createdDateTime", "date", read_only=True, mask=_DATE_MASK),
    _field("lastModifiedDateTime", "date", read_only=True, mask=_DATE_MASK),
)
_CONTACT_FIELDS = (
    _field("id", "string", read_only=True),
    _field("givenName", "string"),
    _field("surname", "string"),
    _field("displayName", "string"),
    _field("emailAddresses", "array"),
    _field("businessPhones", "array"),
    _field("mobilePhone", "string"),
    _field("companyName", "string"),
    _field("jobTitle", "string"),
    _field("createdDateTime", "date", read_only=True, mask=_DATE_MASK),
    _field("lastModifiedDateTime", "date", read_only=True, mask=_DATE_MASK),
)

HUB_OBJECTS: tuple[HubObject, ...] = (  # D39 (contacts per D35)
    HubObject(name="calendars", vendor_name="calendars", type="vendor", fields=_CALENDAR_FIELDS),
    HubObject(name="events", vendor_name="events", type="vendor", fields=_EVENT_FIELDS),
    HubObject(name="contacts", vendor_name="contacts", type="vendor", fields=_CONTACT_FIELDS),
)
