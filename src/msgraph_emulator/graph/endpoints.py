"""The table of Graph mailbox routes (relative to `/me` and `/users/{user}`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from msgraph_emulator.graph import (
    action_routes,
    calendar_routes,
    contact_routes,
    event_routes,
    meeting_time_routes,
    schedule_routes,
    user_routes,
    view_routes,
)
from msgraph_emulator.graph.routing import Endpoint, Handler

_EVENT_COLLECTIONS = (("events",), ("calendar", "events"), ("calendars", "{calendar}", "events"))
_VIEWS = (
    ("calendarView",),
    ("calendar", "calendarView"),
    ("calendars", "{calendar}", "calendarView"),
)
_ACTIONS: dict[str, Handler] = {
    "accept": action_routes.respond,
    "tentativelyAccept": action_routes.respond,
    "decline": action_routes.respond,
    "cancel": action_routes.cancel,
    "forward": action_routes.forward,
    "permanentDelete": event_routes.permanent_delete_event,
}


def _event_endpoints(base: tuple[str, ...]) -> list[Endpoint]:
    item = (*base, "{event}")
    endpoints = [
        Endpoint("GET", base, event_routes.list_events),
        Endpoint("POST", base, event_routes.create_event),
        Endpoint("GET", item, event_routes.get_event),
        Endpoint("PATCH", item, event_routes.update_event),
        Endpoint("DELETE", item, event_routes.delete_event),
        Endpoint("GET", (*item, "instances"), view_routes.list_instances),
    ]
    for action, handler in _ACTIONS.items():
        endpoints.append(Endpoint("POST", (*item, action), _with_action(action, handler)))
    return endpoints


def _with_action(action: str, handler: Handler) -> Handler:
    async def run(request: Request) -> Response:
        request.path_params["action"] = action
        return await handler(request)

    return run


def endpoints() -> list[Endpoint]:
    table = [
        Endpoint("GET", (), user_routes.get_user),
        Endpoint("GET", ("calendars",), calendar_routes.list_calendars),
        Endpoint("POST", ("calendars",), calendar_routes.create_calendar),
        Endpoint("GET", ("calendar",), calendar_routes.get_calendar),
        Endpoint("PATCH", ("calendar",), calendar_routes.update_calendar),
        Endpoint("GET", ("calendars", "{calendar}"), calendar_routes.get_calendar),
        Endpoint("PATCH", ("calendars", "{calendar}"), calendar_routes.update_calendar),
        Endpoint("DELETE", ("calendars", "{calendar}"), calendar_routes.delete_calendar),
        Endpoint("POST", ("calendar", "getSchedule"), schedule_routes.get_schedule),
        Endpoint("POST", ("findMeetingTimes",), meeting_time_routes.find_meeting_times),
        Endpoint("GET", ("contacts",), contact_routes.list_contacts),
        Endpoint("POST", ("contacts",), contact_routes.create_contact),
        Endpoint("GET", ("contacts", "{contact}"), contact_routes.get_contact),
        Endpoint("PATCH", ("contacts", "{contact}"), contact_routes.update_contact),
        Endpoint("DELETE", ("contacts", "{contact}"), contact_routes.delete_contact),
    ]
    for base in _EVENT_COLLECTIONS:
        table.extend(_event_endpoints(base))
    table.extend(Endpoint("GET", view, view_routes.list_calendar_view) for view in _VIEWS)
    return table
