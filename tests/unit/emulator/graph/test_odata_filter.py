"""The `$filter` subset of G16: what it accepts and evaluates, and what it refuses."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from msgraph_emulator.graph.items import Event
from msgraph_emulator.graph.odata_filter import FilterError, compile_filter
from msgraph_emulator.graph.queryable import CALENDAR_VIEW_FIELDS, EVENT_FIELDS


def _event(
    subject: str | None,
    *,
    start_hour: int = 9,
    show_as: str = "busy",
    all_day: bool = False,
    created_day: int = 1,
) -> Event:
    return Event(
        id=f"id-{subject}",
        calendar_id="c",
        type="singleInstance",
        start=datetime(2026, 4, 15, start_hour, tzinfo=UTC),
        end=datetime(2026, 4, 15, start_hour + 1, tzinfo=UTC),
        start_zone="UTC",
        end_zone="UTC",
        props={
            "subject": subject,
            "showAs": show_as,
            "isAllDay": all_day,
            "organizer": {"emailAddress": {"address": "dana@acme.example"}},
        },
        created=datetime(2026, 3, created_day, tzinfo=UTC),
        last_modified=datetime(2026, 3, created_day, tzinfo=UTC),
        change_key="k",
        ical_uid="u",
        seq=1,
    )


EVENTS = [
    _event("Quarterly review", start_hour=9),
    _event("Dana's sync", start_hour=13, show_as="free", created_day=5),
    _event(None, start_hour=20, all_day=True),
]


def _subjects(text: str) -> list[str | None]:
    predicate = compile_filter(text, EVENT_FIELDS)
    return [e.props["subject"] for e in EVENTS if predicate(e)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("subject eq 'quarterly REVIEW'", ["Quarterly review"]),
        ("subject eq 'Dana''s sync'", ["Dana's sync"]),
        ("subject ne 'Quarterly review'", ["Dana's sync", None]),
        ("subject eq null", [None]),
        ("subject ne null", ["Quarterly review", "Dana's sync"]),
        ("startswith(subject,'quar')", ["Quarterly review"]),
        ("contains(subject, 'SYNC')", ["Dana's sync"]),
        ("not contains(subject,'sync')", ["Quarterly review", None]),
        ("start/dateTime ge '2026-04-15T12:00'", ["Dana's sync", None]),
        ("start/dateTime lt '2026-04-15T12:00:00.0000000'", ["Quarterly review"]),
        ("showAs eq 'Free' or isAllDay eq true", ["Dana's sync", None]),
        ("(showAs eq 'busy' and isAllDay eq false) or subject eq 'x'", ["Quarterly review"]),
        ("createdDateTime ge 2026-03-03T00:00:00Z", ["Dana's sync"]),
        ("lastModifiedDateTime lt 2026-03-03T00:00:00Z", ["Quarterly review", None]),
        (
            "organizer/emailAddress/address eq 'DANA@acme.example'",
            ["Quarterly review", "Dana's sync", None],
        ),
        ("type eq 'singleInstance' and not (subject eq null)", ["Quarterly review", "Dana's sync"]),
    ],
)
def test_supported_filters_select_the_right_events(text: str, expected: list[str | None]) -> None:
    assert _subjects(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "body/content eq 'x'",
        "endswith(subject,'x')",
        "subject has 'x'",
        "attendees/any(a: a/emailAddress/address eq 'x')",
        "subject eq",
        "subject eq 'x' and",
        "(subject eq 'x'",
        "isAllDay eq 'maybe'",
        "subject gt null",
        "contains(isAllDay,'x')",
        "createdDateTime ge tomorrow",
        "",
        "subject eq 'x' extra",
    ],
)
def test_unsupported_filters_are_refused(text: str) -> None:
    with pytest.raises(FilterError):
        compile_filter(text, EVENT_FIELDS)


def test_calendar_view_cannot_filter_on_modification_times() -> None:
    with pytest.raises(FilterError):
        compile_filter("lastModifiedDateTime ge 2026-01-01T00:00:00Z", CALENDAR_VIEW_FIELDS)
