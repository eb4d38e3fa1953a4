"""`calendarView` (§8, G19) and `events/{id}/instances` (§4.2): windows over expanded series."""

from __future__ import annotations

import re
from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response

from msgraph_emulator.graph.calendar_view import calendar_view, instances
from msgraph_emulator.graph.context import GraphContext
from msgraph_emulator.graph.event_routes import calendar_scope, event_at, render, scoped_calendar_id
from msgraph_emulator.graph.items import Event
from msgraph_emulator.graph.listing import collection
from msgraph_emulator.graph.problems import RequestProblem, bad_request
from msgraph_emulator.graph.queryable import CALENDAR_VIEW_FIELDS
from msgraph_emulator.graph.shapes import CALENDAR_VIEW_UNSELECTABLE
from msgraph_emulator.graph.wire_time import WireTimeError, parse_offset

QUIRK_MESSAGE = "An internal server error occurred. The operation failed."
_SPACES = re.compile(r"\s+")
WINDOW_REQUIRED = (
    "This request requires a time window specified by the query string parameters "
    "StartDateTime and EndDateTime."
)


def read_window(ctx: GraphContext) -> tuple[datetime, datetime]:
    """`startDateTime`/`endDateTime`, any case, offsets honoured, UTC without one (§8)."""
    start = ctx.query.plain.get("startdatetime")
    end = ctx.query.plain.get("enddatetime")
    if not start or not end:
        raise bad_request(WINDOW_REQUIRED, code="ErrorInvalidParameter")
    try:
        return parse_offset(start), parse_offset(end)
    except WireTimeError as exc:
        raise bad_request(str(exc), code="ErrorInvalidParameter") from exc


def _subject_filter_quirk(ctx: GraphContext, found: list[Event]) -> None:
    """§5 Quirk, off by default: the real service fails `contains`/`startswith` on `subject`
    with a 500 when any event of the window has no subject."""
    if not ctx.emulator.settings.calendar_view_subject_filter_quirk:
        return
    text = _SPACES.sub("", ctx.query.options.get("$filter", "")).lower()
    if ("contains(subject," in text or "startswith(subject," in text) and any(
        not event.props.get("subject") for event in found
    ):
        raise RequestProblem(500, "ErrorInternalServerError", QUIRK_MESSAGE)


async def list_calendar_view(request: Request) -> Response:
    ctx = GraphContext.open(request, write=False)
    start, end = read_window(ctx)
    calendar_id = scoped_calendar_id(ctx, calendar_scope(request))
    found = calendar_view(ctx.mailbox, start=start, end=end, calendar_id=calendar_id)
    _subject_filter_quirk(ctx, found)
    return collection(
        ctx,
        found,
        fields=CALENDAR_VIEW_FIELDS,
        render=render(ctx),
        tail="calendarView",
        kind="event",
        unselectable=CALENDAR_VIEW_UNSELECTABLE,
    )


async def list_instances(request: Request) -> Response:
    ctx = GraphContext.open(request, write=False)
    master = event_at(ctx, request)
    start, end = read_window(ctx)
    found = instances(ctx.mailbox, master, start=start, end=end) if master.is_master else []
    return collection(
        ctx,
        found,
        fields=CALENDAR_VIEW_FIELDS,
        render=render(ctx),
        tail=f"events('{master.id}')/instances",
        kind="event",
        unselectable=CALENDAR_VIEW_UNSELECTABLE,
    )
