"""The calendar-view window from `where` and/or `startDateTime`/`endDateTime` (D38, issue 7)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from openelements.ceql import CeqlUnsupported, format_where, parse_where
from openelements.elements.microsoftgraph.ceql_odata import (
    CalendarWindow,
    CalendarWindowError,
    GraphCollection,
    graph_query_options_from_text,
    resolve_calendar_window,
    split_calendar_window,
)

VIEW = GraphCollection.CALENDAR_VIEW
APRIL = {"startDateTime": "2026-04-01T00:00:00Z", "endDateTime": "2026-05-01T00:00:00Z"}
APRIL_WINDOW = CalendarWindow(datetime(2026, 4, 1, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC))


def _options(
    where: str | None, *, start: str | None = None, end: str | None = None
) -> dict[str, str]:
    return graph_query_options_from_text(
        VIEW, where=where, start_date_time=start, end_date_time=end
    )


# --- windows read from where ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        # the example: the events inside [S, E)
        ("start >= '2026-04-01' AND end <= '2026-05-01'", APRIL),
        # strictness does not move an edge
        ("start > '2026-04-01' AND end < '2026-05-01'", APRIL),
        # the overlap itself (graph G19): end > S AND start < E
        ("end > '2026-04-01' AND start < '2026-05-01'", APRIL),
        ("end >= '2026-04-01' AND start <= '2026-05-01'", APRIL),
        # the events starting in [S, E)
        ("start >= '2026-04-01' AND start < '2026-05-01'", APRIL),
        # any order, any case, dotted, backticked
        ("END <= '2026-05-01' and Start >= '2026-04-01'", APRIL),
        ("start.dateTime >= '2026-04-01' and end.dateTime <= '2026-05-01'", APRIL),
        ("`Start.DateTime` >= '2026-04-01' and `end` <= '2026-05-01'", APRIL),
        # bare date and date-time literals; no offset means UTC; offsets are honoured
        ("start >= 2026-04-01 and end <= 2026-05-01T00:00:00", APRIL),
        ("start >= 2026-04-01T02:00:00+02:00 and end <= '2026-04-30T20:00:00-04:00'", APRIL),
        # one edge given twice with the same instant
        ("start >= '2026-04-01' and end > '2026-04-01T00:00:00Z' and end <= '2026-05-01'", APRIL),
        # parentheses around an AND are still top level
        ("(start >= '2026-04-01' and end <= '2026-05-01')", APRIL),
        ("((start >= '2026-04-01') and (end <= '2026-05-01'))", APRIL),
        # microseconds survive
        (
            "start >= '2026-04-01T08:30:00.250' and end <= '2026-04-01T09:00:00Z'",
            {
                "startDateTime": "2026-04-01T08:30:00.250000Z",
                "endDateTime": "2026-04-01T09:00:00Z",
            },
        ),
    ],
)
def test_the_window_is_read_from_top_level_and_terms(where: str, expected: dict[str, str]) -> None:
    assert _options(where) == expected


@pytest.mark.parametrize(
    ("where", "remaining_filter"),
    [
        ("start >= '2026-04-01' and end <= '2026-05-01' and subject = 'Sync'", "subject eq 'Sync'"),
        (
            "subject like 'Stand%' and start >= '2026-04-01' and isCancelled = 'false'"
            " and end <= '2026-05-01'",
            "startswith(subject,'Stand') and isCancelled eq false",
        ),
        (
            "start >= '2026-04-01' and end <= '2026-05-01' and (showAs = 'busy' or showAs = 'oof')",
            "(showAs eq 'busy' or showAs eq 'oof')",
        ),
        (
            "(start >= '2026-04-01' and subject = 'a')"
            " and (end <= '2026-05-01' and type = 'occurrence')",
            "subject eq 'a' and type eq 'occurrence'",
        ),
        # equality on start.dateTime is a filter, not a window term (D42 as before)
        (
            "start.dateTime = '2026-04-02T09:00:00'"
            " and start >= '2026-04-01' and end <= '2026-05-01'",
            "start/dateTime eq '2026-04-02T09:00:00.0000000'",
        ),
        (
            "start >= '2026-04-01' and end <= '2026-05-01'"
            " and start.dateTime in ('2026-04-02T09:00:00')",
            "(start/dateTime eq '2026-04-02T09:00:00.0000000')",
        ),
    ],
)
def test_terms_other_than_the_window_become_the_filter(where: str, remaining_filter: str) -> None:
    assert _options(where) == {**APRIL, "$filter": remaining_filter}


def test_a_where_of_window_terms_only_leaves_no_filter() -> None:
    split = split_calendar_window(parse_where("start >= '2026-04-01' and end <= '2026-05-01'"))
    assert split.window == APRIL_WINDOW
    assert split.remainder is None


def test_a_where_without_window_terms_is_left_as_written() -> None:
    expression = parse_where("(subject = 'a' and isAllDay = true) and showAs = 'busy'")
    split = split_calendar_window(expression)
    assert split.window is None
    assert split.remainder is expression
    assert split_calendar_window(None).window is None


def test_the_remainder_keeps_an_or_as_one_parenthesized_term() -> None:
    split = split_calendar_window(
        parse_where(
            "start >= '2026-04-01' and (subject = 'a' or subject = 'b') and end < 2026-05-01"
        )
    )
    assert split.remainder is not None
    assert format_where(split.remainder) == "(subject = 'a' OR subject = 'b')"


# --- refusals from where ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "message"),
    [
        (
            "start >= '2026-04-01' or end <= '2026-05-01'",
            "must be given by top-level AND terms of where,"
            " not under OR: \"start >= '2026-04-01'\"",
        ),
        (
            "start >= '2026-04-01' and (end <= '2026-05-01' or subject = 'x')",
            "not under OR: \"end <= '2026-05-01'\"",
        ),
        (
            "subject = 'x' or (start >= '2026-04-01' and end <= '2026-05-01')",
            "not under OR: \"start >= '2026-04-01'\"",
        ),
        (
            "start >= '2026-04-01'",
            "The calendar window in where has no end:"
            " \"start >= '2026-04-01'\" gives only one edge",
        ),
        (
            "end < '2026-05-01' and subject = 'x'",
            "The calendar window in where has no start: \"end < '2026-05-01'\" gives only one edge",
        ),
        (
            "start >= '2026-04-01' and end <= '2026-05-01' and end > '2026-04-02'",
            "The calendar window's start is given twice with different values in where:"
            " \"start >= '2026-04-01'\" and \"end > '2026-04-02'\"",
        ),
        (
            "start >= '2026-04-01' and end <= '2026-05-01' and start < '2026-06-01'",
            "The calendar window's end is given twice with different values",
        ),
        (
            "start >= 5 and end <= '2026-05-01'",
            "Cannot read the calendar window from 'start >= 5': start takes an ISO-8601 date",
        ),
        (
            "start >= 'next monday' and end <= '2026-05-01'",
            "Cannot read the calendar window from \"start >= 'next monday'\"",
        ),
        (
            "start >= true and end <= '2026-05-01'",
            "Cannot read the calendar window from 'start >= true'",
        ),
        (
            "start >= '2026-05-01' and end <= '2026-05-01'",
            "must end after it starts: 2026-05-01T00:00:00Z is not after 2026-05-01T00:00:00Z",
        ),
        (
            "start >= '2026-05-01' and end <= '2026-04-01'",
            "must end after it starts",
        ),
    ],
)
def test_a_bad_window_in_where_is_a_400_naming_the_problem(where: str, message: str) -> None:
    with pytest.raises(CalendarWindowError) as caught:
        _options(where)
    assert message in str(caught.value)
    assert caught.value.status == 400


def test_a_window_term_under_or_is_refused_even_with_the_parameters() -> None:
    with pytest.raises(CalendarWindowError, match="not under OR"):
        _options("subject = 'x' or start >= '2026-04-01'", start="2026-04-01", end="2026-05-01")


def test_a_single_edge_in_where_is_refused_even_when_a_parameter_gives_the_other() -> None:
    with pytest.raises(CalendarWindowError, match="has no end"):
        _options("start >= '2026-04-01'", end="2026-05-01")


def test_other_terms_on_start_and_end_are_still_checked_as_filters() -> None:
    with pytest.raises(CeqlUnsupported, match="Field 'start' cannot be used in where"):
        _options("start = '2026-04-01' and start >= '2026-04-01' and end <= '2026-05-01'")


# --- where and the query parameters together ------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z"),
        ("2026-04-01", "2026-05-01T02:00:00+02:00"),
        ("2026-04-01", None),
        (None, "2026-05-01"),
        (" ", ""),
    ],
)
def test_parameters_that_agree_with_where_are_accepted(start: str | None, end: str | None) -> None:
    assert _options("start >= '2026-04-01' and end <= '2026-05-01'", start=start, end=end) == APRIL


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (
            "2026-04-02",
            "2026-05-01",
            "The calendar window is given twice and differs: where gives startDateTime"
            " 2026-04-01T00:00:00Z, the startDateTime query parameter says 2026-04-02T00:00:00Z",
        ),
        (
            None,
            "2026-05-01T00:00:00+02:00",
            "where gives endDateTime 2026-05-01T00:00:00Z, the endDateTime query parameter says"
            " 2026-04-30T22:00:00Z",
        ),
        ("yesterday", None, "startDateTime is not an ISO-8601 date or date-time: 'yesterday'"),
    ],
)
def test_parameters_that_disagree_with_where_are_a_400(
    start: str | None, end: str | None, message: str
) -> None:
    with pytest.raises(CalendarWindowError) as caught:
        _options("start >= '2026-04-01' and end <= '2026-05-01'", start=start, end=end)
    assert message in str(caught.value)


def test_the_parameters_alone_work_as_d38_says() -> None:
    assert _options(None, start="2026-04-01", end="2026-05-01") == APRIL
    assert _options("subject = 'x'", start="2026-04-01T00:00:00Z", end="2026-05-01") == {
        **APRIL,
        "$filter": "subject eq 'x'",
    }
    with pytest.raises(CalendarWindowError, match=r"^startDateTime and endDateTime query param"):
        _options(None, start="2026-04-01")
    with pytest.raises(CalendarWindowError, match="endDateTime must be after startDateTime"):
        _options(None, start="2026-05-01", end="2026-04-01")


@pytest.mark.parametrize("where", [None, "", "subject = 'x'", "start.dateTime = '2026-04-01'"])
def test_no_window_at_all_says_it_is_required_and_how_to_give_it(where: str | None) -> None:
    with pytest.raises(CalendarWindowError) as caught:
        _options(where, start=" ", end=None)
    message = str(caught.value)
    assert message.startswith("The calendar window is missing")
    assert "where=start >= '2026-04-01' AND end <= '2026-05-01'" in message
    assert "startDateTime and endDateTime query parameters are required" in message


def test_resolve_prefers_nothing_it_just_checks_agreement() -> None:
    assert (
        resolve_calendar_window(APRIL_WINDOW, start_date_time="2026-04-01", end_date_time=None)
        is APRIL_WINDOW
    )
    assert (
        resolve_calendar_window(None, start_date_time="2026-04-01", end_date_time="2026-05-01")
        == APRIL_WINDOW
    )


def test_window_terms_mean_nothing_special_outside_calendar_views() -> None:
    options = graph_query_options_from_text(
        GraphCollection.EVENTS,
        where="start.dateTime >= '2026-04-01' or end.dateTime < '2026-05-01'",
        start_date_time="2026-04-01",
    )
    assert options == {
        "$filter": "start/dateTime ge '2026-04-01T00:00:00.0000000'"
        " or end/dateTime lt '2026-05-01T00:00:00.0000000'"
    }
