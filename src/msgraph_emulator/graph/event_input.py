"""Request bodies of event creates and updates → validated `EventDraft`s.

Enum values are accepted in any case and stored in Graph's spelling (§3.2); `@odata.*`
annotations and read-only properties are ignored (§3.3); times are read as wall clocks in the
zone named next to them (Windows or IANA names, G06).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, time, tzinfo
from typing import Any

from msgraph_emulator.graph.body_text import wrap_html
from msgraph_emulator.graph.mailbox import EventDraft
from msgraph_emulator.graph.problems import RequestProblem, bad_request, wrong_type
from msgraph_emulator.graph.recurrence import RecurrenceError, parse_recurrence
from msgraph_emulator.graph.wire_time import UNSET_TIME, WireTimeError, parse_wall
from msgraph_emulator.graph.zones import resolve_zone

SHOW_AS = ("unknown", "free", "tentative", "busy", "oof", "workingElsewhere")
SENSITIVITY = ("normal", "personal", "private", "confidential")
IMPORTANCE = ("low", "normal", "high")
CONTENT_TYPES = ("text", "html")
RESPONSES = ("none", "organizer", "tentativelyAccepted", "accepted", "declined", "notResponded")
ATTENDEE_TYPES = ("required", "optional", "resource")
LOCATION_TYPES = (
    "default",
    "conferenceRoom",
    "homeAddress",
    "businessAddress",
    "geoCoordinates",
    "streetAddress",
    "hotel",
    "restaurant",
    "localBusiness",
    "postalAddress",
)
UNIQUE_ID_TYPES = ("unknown", "locationStore", "directory", "private", "bing")
MEETING_PROVIDERS = ("unknown", "skypeForBusiness", "skypeForConsumer", "teamsForBusiness")

_ENUMS: dict[str, tuple[str, ...]] = {
    "showAs": SHOW_AS,
    "sensitivity": SENSITIVITY,
    "importance": IMPORTANCE,
    "onlineMeetingProvider": MEETING_PROVIDERS,
}
FIRST_YEAR, LAST_YEAR = 1601, 4500
_BOOLEANS = (
    "isAllDay",
    "isReminderOn",
    "responseRequested",
    "allowNewTimeProposals",
    "hideAttendees",
    "isOnlineMeeting",
    "isDraft",
)


def enum_value(value: Any, allowed: tuple[str, ...], *, enum_name: str) -> str:
    """`value` in Graph's spelling; input is matched in any case (§3.2)."""
    if not isinstance(value, str):
        raise wrong_type(value, f"microsoft.graph.{enum_name}")
    for option in allowed:
        if option.casefold() == value.casefold():
            return option
    raise bad_request(f"Requested value '{value}' was not found.", code="RequestBodyRead")


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise wrong_type(value, "Edm.String")
    return value


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise wrong_type(value, "Edm.Boolean")
    return value


def _email(value: Any) -> dict[str, Any]:
    data = value if isinstance(value, Mapping) else {}
    return {"name": data.get("name") or data.get("address") or "", "address": data.get("address")}


def normalize_body(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise wrong_type(value, "microsoft.graph.itemBody")
    kind = enum_value(value.get("contentType") or "text", CONTENT_TYPES, enum_name="bodyType")
    content = _string(value.get("content") or "")
    return {"contentType": kind, "content": wrap_html(content) if kind == "html" else content}


def normalize_location(value: Any, *, unique_id_type: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise wrong_type(value, "microsoft.graph.location")
    name = _string(value.get("displayName") or "")
    kind = enum_value(
        value.get("locationType") or "default", LOCATION_TYPES, enum_name="locationType"
    )
    location: dict[str, Any] = {"displayName": name, "locationType": kind}
    if unique_id_type == "private" and name:
        location["uniqueId"] = name
    location["uniqueIdType"] = unique_id_type if name else "unknown"
    for extra in ("address", "coordinates", "locationEmailAddress", "locationUri"):
        if value.get(extra) is not None:
            location[extra] = value[extra]
    return location


def normalize_attendee(value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise wrong_type(value, "microsoft.graph.attendee")
    given = value.get("status")
    status: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
    response = enum_value(status.get("response") or "none", RESPONSES, enum_name="responseType")
    return {
        "type": enum_value(
            value.get("type") or "required", ATTENDEE_TYPES, enum_name="attendeeType"
        ),
        "status": {"response": response, "time": status.get("time") or UNSET_TIME},
        "emailAddress": _email(value.get("emailAddress")),
    }


def _set_locations(props: dict[str, Any], body: Mapping[str, Any]) -> None:
    if "location" in body and body["location"] is not None:
        location = normalize_location(body["location"], unique_id_type="private")
        props["location"] = location
        props["locations"] = (
            [normalize_location(body["location"], unique_id_type="unknown")]
            if location["displayName"]
            else []
        )
    elif isinstance(body.get("locations"), list):
        items = [normalize_location(item, unique_id_type="unknown") for item in body["locations"]]
        names = "; ".join(item["displayName"] for item in items if item["displayName"])
        props["locations"] = items
        props["location"] = normalize_location({"displayName": names}, unique_id_type="private")


def _simple_props(body: Mapping[str, Any]) -> dict[str, Any]:
    props: dict[str, Any] = {}
    if "subject" in body:
        props["subject"] = _string(body["subject"] or "")
    if body.get("body") is not None:
        props["body"] = normalize_body(body["body"])
    if "categories" in body:
        categories = body["categories"] or []
        if not isinstance(categories, list):
            raise wrong_type(categories, "Collection(Edm.String)")
        props["categories"] = [_string(c) for c in categories]
    for name, allowed in _ENUMS.items():
        if body.get(name) is not None:
            props[name] = enum_value(body[name], allowed, enum_name=name)
    for name in _BOOLEANS:
        if body.get(name) is not None:
            props[name] = _boolean(body[name])
    if body.get("reminderMinutesBeforeStart") is not None:
        minutes = body["reminderMinutesBeforeStart"]
        if isinstance(minutes, bool) or not isinstance(minutes, int):
            raise wrong_type(minutes, "Edm.Int32")
        props["reminderMinutesBeforeStart"] = minutes
    if "attendees" in body:
        attendees = body["attendees"] or []
        if not isinstance(attendees, list):
            raise wrong_type(attendees, "Collection(microsoft.graph.attendee)")
        props["attendees"] = [normalize_attendee(a) for a in attendees]
    _set_locations(props, body)
    return props


def unsupported_zone(name: str) -> RequestProblem:
    return RequestProblem(
        400,
        "TimeZoneNotSupportedException",
        f"A valid TimeZone value must be specified. The following TimeZone value is not "
        f"supported: '{name}'.",
    )


def read_time(value: Any) -> tuple[datetime, str]:
    """A `dateTimeTimeZone` → (aware UTC datetime, zone name as given)."""
    if not isinstance(value, Mapping):
        raise wrong_type(value, "microsoft.graph.dateTimeTimeZone")
    zone_name = str(value.get("timeZone") or "UTC")
    zone = resolve_zone(zone_name)
    if zone is None:
        raise unsupported_zone(zone_name)
    try:
        moment = parse_wall(_string(value.get("dateTime")), zone)
    except WireTimeError as exc:
        raise wrong_type(value.get("dateTime"), "Edm.DateTimeOffset") from exc
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:  # Outlook's own calendar range
        raise wrong_type(value.get("dateTime"), "Edm.DateTimeOffset")
    return moment.astimezone(UTC), zone_name


def read_draft(body: Any, *, creating: bool) -> EventDraft:
    if not isinstance(body, Mapping):
        raise bad_request("Empty Payload. JSON content expected.")
    draft = EventDraft(props=_simple_props(body))
    if body.get("start") is not None:
        draft.start, draft.start_zone = read_time(body["start"])
    if body.get("end") is not None:
        draft.end, draft.end_zone = read_time(body["end"])
    if "recurrence" in body:
        try:
            draft.recurrence = parse_recurrence(body["recurrence"])
        except RecurrenceError as exc:
            raise bad_request(str(exc), code="ErrorInvalidRequest") from exc
        named = draft.recurrence.range.recurrence_time_zone if draft.recurrence else ""
        if named and resolve_zone(named) is None:
            raise unsupported_zone(named)
        draft.recurrence_given = True
    if creating and isinstance(body.get("transactionId"), str):
        draft.transaction_id = body["transactionId"]
    if creating and (draft.start is None or draft.end is None):
        raise bad_request("An event needs both 'start' and 'end'.", code="ErrorInvalidRequest")
    return draft


def check_times(*, start: datetime, end: datetime, start_zone: str, is_all_day: bool) -> None:
    """The final start/end of an event must be ordered, and midnights when it is all-day."""
    if end < start:
        raise bad_request(
            "The end time of the event is before its start time.", code="ErrorInvalidRequest"
        )
    if is_all_day:
        zone: tzinfo | None = resolve_zone(start_zone)
        for moment in (start, end):
            if moment.astimezone(zone).time() != time(0):
                raise bad_request(
                    "Start and end of an all-day event must be midnight in its time zone.",
                    code="ErrorInvalidRequest",
                )
        if end == start:
            raise bad_request(
                "An all-day event must last at least one day.", code="ErrorInvalidRequest"
            )


def default_event_props(*, owner_name: str, owner_address: str) -> dict[str, Any]:
    """The settable properties of a new event before the request's own values apply."""
    return {
        "categories": [],
        "subject": "",
        "body": {"contentType": "html", "content": ""},
        "importance": "normal",
        "sensitivity": "normal",
        "showAs": "busy",
        "isAllDay": False,
        "isCancelled": False,
        "isOrganizer": True,
        "isReminderOn": True,
        "reminderMinutesBeforeStart": 15,
        "responseRequested": True,
        "allowNewTimeProposals": True,
        "hideAttendees": False,
        "isOnlineMeeting": False,
        "isDraft": False,
        "onlineMeetingProvider": "unknown",
        "location": {
            "displayName": "",
            "locationType": "default",
            "uniqueIdType": "unknown",
            "address": {},
            "coordinates": {},
        },
        "locations": [],
        "attendees": [],
        "organizer": {"emailAddress": {"name": owner_name, "address": owner_address}},
        "responseStatus": {"response": "organizer", "time": UNSET_TIME},
    }
