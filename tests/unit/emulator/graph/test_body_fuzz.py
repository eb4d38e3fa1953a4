"""Any JSON body answers a Graph status below 500: bad input is the client's 400, never a crash."""

from __future__ import annotations

from typing import Any

from graph_http import Graph
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.text(max_size=8),
    st.sampled_from(["UTC", "2026-04-15T09:00:00", "html", "weekly", "daily"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
KEYS = [
    "subject",
    "body",
    "start",
    "end",
    "location",
    "locations",
    "attendees",
    "recurrence",
    "categories",
    "showAs",
    "isAllDay",
    "name",
    "color",
    "givenName",
    "emailAddresses",
    "schedules",
    "startTime",
    "endTime",
    "Comment",
    "ToRecipients",
    "ProposedNewTime",
    "attendees",
    "timeConstraint",
    "meetingDuration",
    "pattern",
    "range",
    "dateTime",
    "timeZone",
    "contentType",
    "content",
    "type",
    "interval",
    "daysOfWeek",
]
loose = st.dictionaries(st.sampled_from(KEYS), values, max_size=6)
when = st.fixed_dictionaries({}, optional={"dateTime": scalars, "timeZone": scalars})
shaped_event = st.fixed_dictionaries(
    {},
    optional={
        "subject": scalars,
        "start": when,
        "end": when,
        "isAllDay": scalars,
        "body": st.fixed_dictionaries({}, optional={"contentType": scalars, "content": scalars}),
        "recurrence": st.fixed_dictionaries(
            {},
            optional={
                "pattern": st.dictionaries(
                    st.sampled_from(
                        ["type", "interval", "daysOfWeek", "dayOfMonth", "month", "index"]
                    ),
                    values,
                ),
                "range": st.dictionaries(
                    st.sampled_from(["type", "startDate", "endDate", "numberOfOccurrences"]), values
                ),
            },
        ),
        "attendees": st.lists(
            st.dictionaries(st.sampled_from(["type", "emailAddress", "status"]), values), max_size=2
        ),
        "location": values,
        "locations": values,
    },
)
bodies = st.one_of(loose, shaped_event)
PATHS = [
    "/me/events",
    "/me/calendars",
    "/me/contacts",
    "/me/calendar/getSchedule",
    "/me/findMeetingTimes",
]


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(path=st.sampled_from(PATHS), body=bodies)
def test_posted_bodies_never_crash_the_emulator(
    graph: Graph, path: str, body: dict[str, Any]
) -> None:
    assert graph.post(path, body).status_code < 500


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=bodies, action=st.sampled_from(["", "/accept", "/decline", "/forward", "/cancel"]))
def test_event_updates_and_actions_never_crash(
    graph: Graph, body: dict[str, Any], action: str
) -> None:
    created = graph.post(
        "/me/events",
        {
            "subject": "x",
            "start": {"dateTime": "2026-04-15T09:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2026-04-15T10:00:00", "timeZone": "UTC"},
        },
    ).json()
    path = f"/me/events/{created['id'].replace('/', '%2F').replace('+', '%2B')}{action}"
    answer = graph.post(path, body) if action else graph.patch(path, body)
    assert answer.status_code < 500
