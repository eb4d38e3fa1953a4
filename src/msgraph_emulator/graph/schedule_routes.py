"""`POST /me/calendar/getSchedule` (§3.7), computed deterministically from mailboxes (G14).

One `availabilityView` digit per interval: 0 free, 1 tentative, 2 busy, 3 oof,
4 workingElsewhere; where several events overlap an interval the strongest wins
(oof > busy > tentative > workingElsewhere > free).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from msgraph_emulator.graph.calendar_view import calendar_view
from msgraph_emulator.graph.context import GraphContext
from msgraph_emulator.graph.event_input import read_time
from msgraph_emulator.graph.items import Event
from msgraph_emulator.graph.problems import bad_request
from msgraph_emulator.graph.wire_time import format_wall

DIGITS = {
    "free": "0",
    "unknown": "0",
    "tentative": "1",
    "busy": "2",
    "oof": "3",
    "workingElsewhere": "4",
}
STRENGTH = ("free", "unknown", "workingElsewhere", "tentative", "busy", "oof")
WORK_DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday"]
MAX_INTERVALS = 10_000


def _availability(events: list[Event], *, start: datetime, end: datetime, step: timedelta) -> str:
    digits: list[str] = []
    slot = start
    while slot < end and len(digits) < MAX_INTERVALS:
        slot_end = min(slot + step, end)
        busy = [e.props["showAs"] for e in events if e.start < slot_end and e.end > slot]
        strongest = max(busy, key=STRENGTH.index, default="free")
        digits.append(DIGITS.get(strongest, "0"))
        slot = slot_end
    return "".join(digits)


def _item(ctx: GraphContext, event: Event) -> dict[str, Any]:
    zone, name = ctx.prefs.zone, ctx.prefs.zone_name
    private = event.props["sensitivity"] == "private"
    return {
        "isPrivate": private,
        "status": event.props["showAs"],
        "subject": "" if private else event.props["subject"],
        "location": "" if private else event.props["location"].get("displayName", ""),
        "start": {"dateTime": format_wall(event.start, zone), "timeZone": name},
        "end": {"dateTime": format_wall(event.end, zone), "timeZone": name},
    }


def _schedule(
    ctx: GraphContext, address: str, *, start: datetime, end: datetime, step: timedelta
) -> dict[str, Any]:
    user = ctx.emulator.directory.user_by_id_or_upn(address)
    if user is None:
        return {
            "scheduleId": address,
            "availabilityView": "",
            "scheduleItems": [],
            "error": {
                "message": "The user could not be found.",
                "responseCode": "ErrorMailRecipientNotFound",
            },
        }
    mailbox = ctx.emulator.ensure_mailbox(user)
    events = [
        e
        for e in calendar_view(mailbox, start=start, end=end, calendar_id=None)
        if not e.props.get("isCancelled")
    ]
    return {
        "scheduleId": address,
        "availabilityView": _availability(events, start=start, end=end, step=step),
        "scheduleItems": [_item(ctx, e) for e in events],
        "workingHours": {
            "daysOfWeek": WORK_DAYS,
            "startTime": "08:00:00.0000000",
            "endTime": "17:00:00.0000000",
            "timeZone": {"name": user.time_zone or "UTC"},
        },
    }


async def get_schedule(request: Request) -> Response:
    ctx = GraphContext.open(request, write=False)
    params = {key.casefold(): value for key, value in (await ctx.body()).items()}
    schedules = params.get("schedules")
    if (
        not isinstance(schedules, list)
        or not schedules
        or not all(isinstance(s, str) for s in schedules)
    ):
        raise bad_request("The 'schedules' parameter is required.", code="ErrorInvalidParameter")
    start, _ = read_time(params.get("starttime"))
    end, _ = read_time(params.get("endtime"))
    interval = params.get("availabilityviewinterval", 30)
    if isinstance(interval, bool) or not isinstance(interval, int) or not 5 <= interval <= 1440:
        raise bad_request(
            "availabilityViewInterval must be between 5 and 1440.", code="ErrorInvalidParameter"
        )
    if end <= start:
        raise bad_request(
            "The end time must be after the start time.", code="ErrorInvalidParameter"
        )
    step = timedelta(minutes=interval)
    value = [_schedule(ctx, s, start=start, end=end, step=step) for s in schedules]
    context = f"{ctx.origin}/v1.0/$metadata#Collection(microsoft.graph.scheduleInformation)"
    return ctx.answer({"@odata.context": context, "value": value})
