"""Events under `/me/events`, `/me/calendar/events`, `/me/calendars/{id}/events` (§3.4).

Create 201 (a repeated `transactionId` answers the existing event, G08), update 200 with the
event, delete 204 (G10), `If-Match` (G31). An occurrence id is PATCHed into an exception and
DELETEd into a cancellation (G15). Any event of the mailbox is reachable through any of these
paths (G11).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from msgraph_emulator.graph.context import GraphContext
from msgraph_emulator.graph.event_input import check_times, default_event_props, read_draft
from msgraph_emulator.graph.items import Event
from msgraph_emulator.graph.listing import collection, entity
from msgraph_emulator.graph.mailbox import EventDraft
from msgraph_emulator.graph.queryable import EVENT_FIELDS
from msgraph_emulator.graph.shapes import EVENT_PROPERTIES, render_event


def calendar_scope(request: Request) -> str | None:
    """The calendar a path names: `calendars/{id}`, the default for `calendar/`, else None."""
    if "calendar" in request.path_params:
        return str(request.path_params["calendar"])
    segments = [s.lower() for s in request.url.path.split("/")]
    return "" if "calendar" in segments else None


def scoped_calendar_id(ctx: GraphContext, scope: str | None) -> str | None:
    if scope is None:
        return None
    return ctx.calendar(scope or None).id


def render(ctx: GraphContext) -> Any:
    options = ctx.render_options()
    return lambda event: render_event(event, options)


async def list_events(request: Request) -> Response:
    ctx = GraphContext.open(request, write=False)
    calendar_id = scoped_calendar_id(ctx, calendar_scope(request))
    events = [e for e in ctx.mailbox.events_in(calendar_id) if e.series_master_id is None]
    return collection(
        ctx, events, fields=EVENT_FIELDS, render=render(ctx), tail="events", kind="event"
    )


async def create_event(request: Request) -> Response:
    ctx = GraphContext.open(request, write=True)
    calendar_id = scoped_calendar_id(ctx, calendar_scope(request)) or ctx.calendar(None).id
    draft = read_draft(await ctx.body(names=EVENT_PROPERTIES), creating=True)
    existing = ctx.mailbox.transactions.get(draft.transaction_id or "")
    if existing is not None and existing in ctx.mailbox.events:  # G08
        return entity(
            ctx, render(ctx)(ctx.mailbox.events[existing]), tail="events", kind="event", status=201
        )
    props = default_event_props(
        owner_name=ctx.mailbox.owner_name, owner_address=ctx.mailbox.owner_address
    )
    assert draft.start is not None
    assert draft.end is not None
    check_times(
        start=draft.start,
        end=draft.end,
        start_zone=draft.start_zone or "UTC",
        is_all_day=bool(draft.props.get("isAllDay", False)),
    )
    event = ctx.mailbox.create_event(calendar_id, draft, props=props)
    return entity(ctx, render(ctx)(event), tail="events", kind="event", status=201)


def event_at(ctx: GraphContext, request: Request) -> Event:
    scope = calendar_scope(request)
    return ctx.event(str(request.path_params["event"]), calendar_id=scoped_calendar_id(ctx, scope))


async def get_event(request: Request) -> Response:
    ctx = GraphContext.open(request, write=False)
    return entity(ctx, render(ctx)(event_at(ctx, request)), tail="events", kind="event")


def _check_update(event: Event, draft: EventDraft) -> None:
    start = draft.start or event.start
    end = draft.end or event.end
    is_all_day = bool(draft.props.get("isAllDay", event.props.get("isAllDay")))
    check_times(
        start=start, end=end, start_zone=draft.start_zone or event.start_zone, is_all_day=is_all_day
    )


async def update_event(request: Request) -> Response:
    ctx = GraphContext.open(request, write=True)
    event = event_at(ctx, request)
    ctx.check_if_match(event.change_key)
    draft = read_draft(await ctx.body(names=EVENT_PROPERTIES), creating=False)
    _check_update(event, draft)
    if event.type == "occurrence":
        updated = ctx.mailbox.edit_occurrence(event, draft)
    else:
        if event.type == "exception":
            draft.recurrence_given = False
        updated = ctx.mailbox.update_event(event, draft)
    return entity(ctx, render(ctx)(updated), tail="events", kind="event")


async def delete_event(request: Request) -> Response:
    ctx = GraphContext.open(request, write=True)
    event = event_at(ctx, request)
    ctx.check_if_match(event.change_key)
    ctx.mailbox.delete_event(event)
    return ctx.empty(204)


async def permanent_delete_event(request: Request) -> Response:
    ctx = GraphContext.open(request, write=True)
    ctx.mailbox.delete_event(event_at(ctx, request))
    return ctx.empty(204)
