"""`/me/calendars`, `/me/calendar` (§2.2, G04, G05, G31)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from msgraph_emulator.graph.context import GraphContext
from msgraph_emulator.graph.event_input import enum_value
from msgraph_emulator.graph.items import Calendar
from msgraph_emulator.graph.listing import collection, entity
from msgraph_emulator.graph.mailbox import DuplicateCalendarName
from msgraph_emulator.graph.problems import RequestProblem, bad_request, wrong_type
from msgraph_emulator.graph.queryable import CALENDAR_FIELDS
from msgraph_emulator.graph.shapes import CALENDAR_HEX_COLORS, CALENDAR_PROPERTIES, render_calendar

COLORS = tuple(CALENDAR_HEX_COLORS)
FOLDER_EXISTS = "A folder with the specified name already exists."
DEFAULT_UNDELETABLE = "The default calendar cannot be deleted."


def _render(ctx: GraphContext, calendar: Calendar) -> dict[str, Any]:
    return render_calendar(
        calendar, owner_name=ctx.mailbox.owner_name, owner_address=ctx.mailbox.owner_address
    )


def _calendar_id(request: Request) -> str | None:
    value = request.path_params.get("calendar")
    return str(value) if value is not None else None


def _fields(body: dict[str, Any], *, creating: bool) -> tuple[str | None, str | None]:
    name = body.get("name")
    if name is not None and not isinstance(name, str):
        raise wrong_type(name, "Edm.String")
    if creating and not (name or "").strip():
        raise bad_request("The calendar name is required.", code="ErrorInvalidRequest")
    color = body.get("color")
    if color is not None:
        color = enum_value(color, COLORS, enum_name="calendarColor")
    return name, color


def _duplicate() -> RequestProblem:
    return RequestProblem(409, "ErrorFolderExists", FOLDER_EXISTS)  # G05


async def list_calendars(request: Request) -> Response:
    ctx = GraphContext.open(request, write=False)
    calendars = list(ctx.mailbox.calendars.values())
    return collection(
        ctx,
        calendars,
        fields=CALENDAR_FIELDS,
        render=lambda c: _render(ctx, c),
        tail="calendars",
        kind="calendar",
    )


async def get_calendar(request: Request) -> Response:
    ctx = GraphContext.open(request, write=False)
    calendar = ctx.calendar(_calendar_id(request))
    return entity(ctx, _render(ctx, calendar), tail="calendars", kind="calendar")


async def create_calendar(request: Request) -> Response:
    ctx = GraphContext.open(request, write=True)
    name, color = _fields(await ctx.body(names=CALENDAR_PROPERTIES), creating=True)
    ctx.mailbox.unique_calendar_names = ctx.emulator.settings.refuse_duplicate_calendar_names
    try:
        calendar = ctx.mailbox.create_calendar(name or "", color=color or "auto")
    except DuplicateCalendarName as exc:
        raise _duplicate() from exc
    return entity(ctx, _render(ctx, calendar), tail="calendars", kind="calendar", status=201)


async def update_calendar(request: Request) -> Response:
    ctx = GraphContext.open(request, write=True)
    calendar = ctx.calendar(_calendar_id(request))
    ctx.check_if_match(calendar.change_key)
    name, color = _fields(await ctx.body(names=CALENDAR_PROPERTIES), creating=False)
    ctx.mailbox.unique_calendar_names = ctx.emulator.settings.refuse_duplicate_calendar_names
    try:
        ctx.mailbox.update_calendar(calendar, name=name, color=color)
    except DuplicateCalendarName as exc:
        raise _duplicate() from exc
    return entity(ctx, _render(ctx, calendar), tail="calendars", kind="calendar")


async def delete_calendar(request: Request) -> Response:
    ctx = GraphContext.open(request, write=True)
    calendar = ctx.calendar(_calendar_id(request))
    ctx.check_if_match(calendar.change_key)
    if calendar.is_default:
        raise bad_request(DEFAULT_UNDELETABLE, code="ErrorInvalidRequest")  # G05
    ctx.mailbox.delete_calendar(calendar)
    return ctx.empty(204)
