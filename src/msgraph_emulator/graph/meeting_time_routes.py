"""`POST /me/findMeetingTimes` (§3.7), computed deterministically from mailboxes (G14).

Candidates start every 30 minutes inside the requested time slots (by default the next two
days), inside working hours (Monday to Friday, 08:00 to 17:00 in the organizer's zone) unless
`activityDomain` is `personal` or `unrestricted`. Each attendee scores 100 when free, 49 when
unknown (not a mailbox here) and 0 otherwise; a candidate's confidence is the average.
Suggestions are ordered by confidence, then time.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta, tzinfo
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from msgraph_emulator.graph.calendar_view import calendar_view
from msgraph_emulator.graph.context import GraphContext
from msgraph_emulator.graph.event_input import read_time
from msgraph_emulator.graph.mailbox import Mailbox
from msgraph_emulator.graph.problems import bad_request
from msgraph_emulator.graph.wire_time import format_wall
from msgraph_emulator.graph.zones import resolve_zone

STEP = timedelta(minutes=30)
DEFAULT_SPAN = timedelta(days=2)
WORK_START, WORK_END = time(8), time(17)
SCORES = {"free": 100.0, "unknown": 49.0}
DEFAULT_MAX_CANDIDATES = 5
_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$", re.IGNORECASE)


def parse_duration(text: Any) -> timedelta:
    match = _DURATION.match(str(text or "PT30M"))
    if match is None or not any(match.groups()):
        raise bad_request(
            f"Invalid value '{text}' for meetingDuration.", code="ErrorInvalidParameter"
        )
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def _availability(mailbox: Mailbox | None, start: datetime, end: datetime) -> str:
    if mailbox is None:
        return "unknown"
    shown = [
        e.props["showAs"]
        for e in calendar_view(mailbox, start=start, end=end, calendar_id=None)
        if e.start < end and e.end > start and e.props["showAs"] not in ("free", "unknown")
    ]
    for status in ("oof", "busy", "tentative", "workingElsewhere"):
        if status in shown:
            return status
    return "free"


def _in_working_hours(start: datetime, end: datetime, zone: tzinfo) -> bool:
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    return (
        local_start.weekday() < 5
        and local_start.date() == local_end.date()
        and local_start.time() >= WORK_START
        and local_end.time() <= WORK_END
    )


def _slots(ctx: GraphContext, constraint: dict[str, Any]) -> list[tuple[datetime, datetime]]:
    given = constraint.get("timeslots") or []
    if not isinstance(given, list):
        raise bad_request("timeSlots must be a list.", code="ErrorInvalidParameter")
    slots = []
    for slot in given:
        if not isinstance(slot, dict):
            raise bad_request(
                "Each time slot needs a start and an end.", code="ErrorInvalidParameter"
            )
        folded = {str(k).lower(): v for k, v in slot.items()}
        slots.append((read_time(folded.get("start"))[0], read_time(folded.get("end"))[0]))
    if not slots:
        now = ctx.emulator.clock.now().replace(second=0, microsecond=0)
        first = now + timedelta(minutes=(30 - now.minute % 30) % 30)
        slots.append((first, first + DEFAULT_SPAN))
    return slots


def _candidates(
    slots: list[tuple[datetime, datetime]], *, duration: timedelta, zone: tzinfo | None
) -> list[tuple[datetime, datetime]]:
    found: list[tuple[datetime, datetime]] = []
    for slot_start, slot_end in slots:
        start = slot_start
        while start + duration <= slot_end and len(found) < 2000:
            end = start + duration
            if zone is None or _in_working_hours(start, end, zone):
                found.append((start, end))
            start += STEP
    return found


def _attendees(
    ctx: GraphContext, params: dict[str, Any]
) -> list[tuple[dict[str, Any], Mailbox | None]]:
    listed = params.get("attendees") or []
    if not isinstance(listed, list):
        raise bad_request("attendees must be a list.", code="ErrorInvalidParameter")
    found = []
    for attendee in listed:
        if not isinstance(attendee, dict) or not isinstance(attendee.get("emailAddress"), dict):
            raise bad_request("Each attendee needs an emailAddress.", code="ErrorInvalidParameter")
        address = str(attendee["emailAddress"].get("address") or "")
        user = ctx.emulator.directory.user_by_id_or_upn(address) if address else None
        mailbox = ctx.emulator.ensure_mailbox(user) if user else None
        found.append(
            (
                {
                    "type": (attendee or {}).get("type", "required"),
                    "emailAddress": {"address": address},
                },
                mailbox,
            )
        )
    return found


def _suggestion(
    ctx: GraphContext,
    start: datetime,
    end: datetime,
    people: list[tuple[dict[str, Any], Mailbox | None]],
    organizer: str,
) -> dict[str, Any]:
    availability = [(who, _availability(box, start, end)) for who, box in people]
    scores = [SCORES.get(status, 0.0) for _, status in availability] + (
        [SCORES.get(organizer, 0.0)] if organizer else []
    )
    zone, name = ctx.prefs.zone, ctx.prefs.zone_name
    return {
        "confidence": round(sum(scores) / len(scores), 2) if scores else 100.0,
        "organizerAvailability": organizer or "free",
        "suggestionReason": "",
        "attendeeAvailability": [
            {"attendee": who, "availability": status} for who, status in availability
        ],
        "locations": [],
        "meetingTimeSlot": {
            "start": {"dateTime": format_wall(start, zone), "timeZone": name},
            "end": {"dateTime": format_wall(end, zone), "timeZone": name},
        },
    }


async def find_meeting_times(request: Request) -> Response:
    ctx = GraphContext.open(request, write=False)
    params = {str(k).lower(): v for k, v in (await ctx.body()).items()}
    given = params.get("timeconstraint") or {}
    if not isinstance(given, dict):
        raise bad_request("timeConstraint must be an object.", code="ErrorInvalidParameter")
    constraint = {str(k).lower(): v for k, v in given.items()}
    domain = str(constraint.get("activitydomain") or "work").lower()
    zone = (
        None
        if domain in ("personal", "unrestricted")
        else (resolve_zone(ctx.user.time_zone or "UTC") or resolve_zone("UTC"))
    )
    duration = parse_duration(params.get("meetingduration"))
    people = _attendees(ctx, params)
    minimum = float(params.get("minimumattendeepercentage") or 50)
    limit = int(params.get("maxcandidates") or DEFAULT_MAX_CANDIDATES)
    optional_organizer = bool(params.get("isorganizeroptional"))
    suggestions = []
    for start, end in _candidates(_slots(ctx, constraint), duration=duration, zone=zone):
        organizer = "" if optional_organizer else _availability(ctx.mailbox, start, end)
        if organizer not in ("", "free"):
            continue
        suggestion = _suggestion(ctx, start, end, people, organizer)
        if suggestion["confidence"] >= minimum:
            suggestions.append((-suggestion["confidence"], start, suggestion))
    suggestions.sort(key=lambda item: (item[0], item[1]))
    chosen = [s for _, _, s in suggestions[:limit]]
    for order, suggestion in enumerate(chosen, start=1):
        suggestion["order"] = order
    context = f"{ctx.origin}/v1.0/$metadata#microsoft.graph.meetingTimeSuggestionsResult"
    return ctx.answer(
        {
            "@odata.context": context,
            "emptySuggestionsReason": "" if chosen else "AttendeesUnavailable",
            "meetingTimeSuggestions": chosen,
        }
    )
