"""`calendarView` (§8, G19) and `events/{id}/instances` (§4.2): windows over expanded series."""

from __future__ import annotations

from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response

from msgraph_emulator.graph.calendar_view import calendar_view, instances
from msgraph_emulator.graph.context import GraphContext
from msgraph_emulator.graph.event_routes import calendar_scope, event_at, render, scoped_calendar_id
from msgraph_emulator.graph.listing import collection
from msgraph_emulator.graph.problems import bad_request
from msgraph_emulator.graph.queryable import CALENDAR_VIEW_FIELDS
from msgraph_emulator.graph.shapes import CALENDAR_VIEW_UNSELECTABLE
from msgraph_emulator.graph.wire_time import WireTimeError, parse_offset

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


async def list_calendar_view(request: Request) -> Response:
    ctx = GraphContext.open(request, write=False)
    start, end = read_window(ctx)
    calendar_id = scoped_calendar_id(ctx, calendar_scope(request))
    found = calendar_view(ctx.mailbox, start=start, end=end, calendar_id=calendar_id)
    return collection(
        ctx,
        found,
        fields=CALENDAR_VIEW_FIELDS,
        render=render(ctx),
        tail="calendarView",
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
        unselectable=CALENDAR_VIEW_UNSELECTABLE,
    )
