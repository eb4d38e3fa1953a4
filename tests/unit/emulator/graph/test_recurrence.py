"""Series expansion, checked against dateutil's own RRULE text parser as an oracle."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from hypothesis import given, settings
from hypothesis import strategies as st

from msgraph_emulator.clock import Clock
from msgraph_emulator.graph.calendar_view import calendar_view
from msgraph_emulator.graph.mailbox import EventDraft, Mailbox
from msgraph_emulator.graph.recurrence import (
    DAYS,
    INDEXES,
    RecurrenceError,
    parse_recurrence,
)

ZONES = ("UTC", "Europe/Paris", "America/New_York", "Asia/Tokyo", "Australia/Sydney")
ICAL_DAYS = {
    "sunday": "SU",
    "monday": "MO",
    "tuesday": "TU",
    "wednesday": "WE",
    "thursday": "TH",
    "friday": "FR",
    "saturday": "SA",
}
SETPOS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}


class _Owner:
    id = "u1"
    display_name = "Dana"
    user_principal_name = "dana@acme.example"
    mail = "dana@acme.example"


def _mailbox() -> Mailbox:
    return Mailbox.create(user=_Owner(), clock=Clock(start=datetime(2026, 1, 1, tzinfo=UTC)))


def _rrule_text(pattern: dict, rng: dict, *, zone: ZoneInfo, start_time: time) -> str:
    """The same rule written as RFC 5545 text, by hand: the oracle's own mapping."""
    freq = {
        "daily": "DAILY",
        "weekly": "WEEKLY",
        "absoluteMonthly": "MONTHLY",
        "relativeMonthly": "MONTHLY",
        "absoluteYearly": "YEARLY",
        "relativeYearly": "YEARLY",
    }[pattern["type"]]
    parts = [f"FREQ={freq}", f"INTERVAL={pattern['interval']}"]
    days = ",".join(ICAL_DAYS[d] for d in pattern.get("daysOfWeek", []))
    if pattern["type"] == "weekly":
        parts += [f"BYDAY={days}", f"WKST={ICAL_DAYS[pattern['firstDayOfWeek']]}"]
    if pattern["type"] in ("absoluteMonthly", "absoluteYearly"):
        parts.append(f"BYMONTHDAY={pattern['dayOfMonth']}")
    if pattern["type"] in ("absoluteYearly", "relativeYearly"):
        parts.append(f"BYMONTH={pattern['month']}")
    if pattern["type"] in ("relativeMonthly", "relativeYearly"):
        parts += [f"BYDAY={days}", f"BYSETPOS={SETPOS[pattern['index']]}"]
    if rng["type"] == "numbered":
        parts.append(f"COUNT={rng['numberOfOccurrences']}")
    if rng["type"] == "endDate":
        last = datetime.combine(date.fromisoformat(rng["endDate"]), time(23, 59, 59), zone)
        parts.append(f"UNTIL={last.astimezone(UTC):%Y%m%dT%H%M%SZ}")
    return ";".join(parts)


patterns = st.one_of(
    st.fixed_dictionaries({"type": st.just("daily"), "interval": st.integers(1, 4)}),
    st.fixed_dictionaries(
        {
            "type": st.just("weekly"),
            "interval": st.integers(1, 3),
            "daysOfWeek": st.lists(st.sampled_from(DAYS), min_size=1, max_size=3, unique=True),
            "firstDayOfWeek": st.sampled_from(DAYS),
        }
    ),
    st.fixed_dictionaries(
        {
            "type": st.just("absoluteMonthly"),
            "interval": st.integers(1, 3),
            "dayOfMonth": st.integers(1, 31),
        }
    ),
    st.fixed_dictionaries(
        {
            "type": st.just("relativeMonthly"),
            "interval": st.integers(1, 3),
            "daysOfWeek": st.lists(st.sampled_from(DAYS), min_size=1, max_size=2, unique=True),
            "index": st.sampled_from(INDEXES),
        }
    ),
    st.fixed_dictionaries(
        {
            "type": st.just("absoluteYearly"),
            "interval": st.integers(1, 2),
            "dayOfMonth": st.integers(1, 28),
            "month": st.integers(1, 12),
        }
    ),
    st.fixed_dictionaries(
        {
            "type": st.just("relativeYearly"),
            "interval": st.integers(1, 2),
            "daysOfWeek": st.lists(st.sampled_from(DAYS), min_size=1, max_size=2, unique=True),
            "month": st.integers(1, 12),
            "index": st.sampled_from(INDEXES),
        }
    ),
)


@st.composite
def series(draw: st.DrawFn) -> tuple[dict, dict, str, time, int, datetime, datetime]:
    start = draw(st.dates(date(2024, 1, 1), date(2027, 12, 31)))
    kind = draw(st.sampled_from(("endDate", "noEnd", "numbered")))
    rng: dict = {"type": kind, "startDate": start.isoformat()}
    if kind == "endDate":
        rng["endDate"] = (start + timedelta(days=draw(st.integers(0, 900)))).isoformat()
    if kind == "numbered":
        rng["numberOfOccurrences"] = draw(st.integers(1, 40))
    zone = draw(st.sampled_from(ZONES))
    at = time(draw(st.integers(0, 23)), draw(st.sampled_from((0, 15, 30, 45))))
    minutes = draw(st.sampled_from((0, 30, 60, 24 * 60, 3 * 24 * 60)))
    window_start = datetime.combine(start, time(0), UTC) + timedelta(
        hours=draw(st.one_of(st.integers(-48, 24 * 60), st.integers(-48, 24 * 800)))
    )
    window_end = window_start + timedelta(hours=draw(st.integers(1, 24 * 120)))
    return draw(patterns), rng, zone, at, minutes, window_start, window_end


@settings(max_examples=150, deadline=None)
@given(series())
def test_calendar_view_expands_every_pattern_like_an_rrule_oracle(case: tuple) -> None:
    pattern, rng, zone_name, at, minutes, window_start, window_end = case
    zone = ZoneInfo(zone_name)
    first = datetime.combine(date.fromisoformat(rng["startDate"]), at, zone)
    duration = timedelta(minutes=minutes)
    mailbox = _mailbox()
    draft = EventDraft(
        start=first.astimezone(UTC),
        end=(first + duration).astimezone(UTC),
        start_zone=zone_name,
        end_zone=zone_name,
        recurrence=parse_recurrence({"pattern": pattern, "range": rng}),
        recurrence_given=True,
    )
    calendar = mailbox.default_calendar.id
    mailbox.create_event(calendar, draft, props={"subject": "s"})

    oracle = rrulestr(_rrule_text(pattern, rng, zone=zone, start_time=at), dtstart=first)
    expected = [
        s.astimezone(UTC)
        for s in oracle.between(window_start - duration - timedelta(days=1), window_end, inc=True)
        if s.astimezone(UTC) < window_end
        and (s.astimezone(UTC) + duration > window_start or s.astimezone(UTC) == window_start)
    ]
    got = calendar_view(mailbox, start=window_start, end=window_end, calendar_id=calendar)
    assert [o.start for o in got] == expected
    assert all(o.type == "occurrence" for o in got)


def test_weekly_series_keeps_wall_clock_time_across_dst() -> None:
    rec = parse_recurrence(
        {
            "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"]},
            "range": {"type": "noEnd", "startDate": "2026-03-16"},
        }
    )
    zone = ZoneInfo("Europe/Paris")
    first = datetime(2026, 3, 16, 9, 0, tzinfo=zone)
    mailbox = _mailbox()
    mailbox.create_event(
        mailbox.default_calendar.id,
        EventDraft(
            start=first.astimezone(UTC),
            end=(first + timedelta(hours=1)).astimezone(UTC),
            start_zone="W. Europe Standard Time",
            end_zone="W. Europe Standard Time",
            recurrence=rec,
            recurrence_given=True,
        ),
        props={},
    )
    got = calendar_view(
        mailbox,
        start=datetime(2026, 3, 16, tzinfo=UTC),
        end=datetime(2026, 4, 1, tzinfo=UTC),
        calendar_id=None,
    )
    assert [o.start.hour for o in got] == [8, 8, 7]  # CET, CET, then CEST


def test_recurrence_input_is_case_insensitive_and_rendered_canonically() -> None:
    rec = parse_recurrence(
        {
            "pattern": {
                "type": "RelativeMonthly",
                "interval": 1,
                "daysOfWeek": ["Thursday"],
                "index": "Second",
            },
            "range": {"type": "Numbered", "startDate": "2026-04-01", "numberOfOccurrences": 3},
        }
    )
    assert rec is not None
    assert rec.to_json() == {
        "pattern": {
            "type": "relativeMonthly",
            "interval": 1,
            "month": 0,
            "dayOfMonth": 0,
            "daysOfWeek": ["thursday"],
            "firstDayOfWeek": "sunday",
            "index": "second",
        },
        "range": {
            "type": "numbered",
            "startDate": "2026-04-01",
            "endDate": "0001-01-01",
            "recurrenceTimeZone": "",
            "numberOfOccurrences": 3,
        },
    }


@pytest.mark.parametrize(
    "recurrence",
    [
        {
            "pattern": {"type": "hourly", "interval": 1},
            "range": {"type": "noEnd", "startDate": "2026-01-01"},
        },
        {
            "pattern": {"type": "weekly", "interval": 1},
            "range": {"type": "noEnd", "startDate": "2026-01-01"},
        },
        {
            "pattern": {"type": "absoluteMonthly", "interval": 1},
            "range": {"type": "noEnd", "startDate": "2026-01-01"},
        },
        {
            "pattern": {"type": "daily", "interval": 0},
            "range": {"type": "noEnd", "startDate": "2026-01-01"},
        },
        {
            "pattern": {"type": "daily", "interval": 1},
            "range": {"type": "endDate", "startDate": "2026-01-01", "endDate": "2025-01-01"},
        },
        {
            "pattern": {"type": "daily", "interval": 1},
            "range": {"type": "numbered", "startDate": "2026-01-01"},
        },
        {"pattern": {"type": "daily", "interval": 1}},
    ],
)
def test_invalid_recurrence_is_refused(recurrence: dict) -> None:
    with pytest.raises(RecurrenceError):
        parse_recurrence(recurrence)


def test_an_old_unbounded_daily_series_expands_only_inside_the_window() -> None:
    rec = parse_recurrence(
        {
            "pattern": {"type": "daily", "interval": 3},
            "range": {"type": "noEnd", "startDate": "1990-01-01"},
        }
    )
    mailbox = _mailbox()
    first = datetime(1990, 1, 1, 12, tzinfo=UTC)
    mailbox.create_event(
        mailbox.default_calendar.id,
        EventDraft(
            start=first,
            end=first + timedelta(hours=1),
            start_zone="UTC",
            end_zone="UTC",
            recurrence=rec,
            recurrence_given=True,
        ),
        props={},
    )
    got = calendar_view(
        mailbox,
        start=datetime(2026, 4, 1, tzinfo=UTC),
        end=datetime(2026, 4, 10, tzinfo=UTC),
        calendar_id=None,
    )
    days = [(o.start.date() - date(1990, 1, 1)).days for o in got]
    assert all(d % 3 == 0 for d in days)
    assert len(got) == 3
