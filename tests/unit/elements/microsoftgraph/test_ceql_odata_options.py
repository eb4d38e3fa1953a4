"""`orderBy` → `$orderby`, `fields` → `$select`, the calendar-view window (§9.4, D38, D43, D44)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from openelements.ceql import CeqlError, CeqlUnsupported, parse_fields, parse_order_by, parse_where
from openelements.elements.microsoftgraph.ceql_odata import (
    CalendarWindow,
    CalendarWindowError,
    GraphCollection,
    graph_query_options,
    graph_query_options_from_text,
    orderby_expression,
    parse_calendar_window,
    select_expression,
)

EVENTS = GraphCollection.EVENTS
VIEW = GraphCollection.CALENDAR_VIEW
APRIL = CalendarWindow(datetime(2026, 4, 1, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC))


def test_order_by_maps_paths_and_writes_desc_only() -> None:
    terms = parse_order_by("start.dateTime desc, subject, createdDateTime asc")
    assert orderby_expression(EVENTS, terms) == "start/dateTime desc,subject,createdDateTime"


def test_order_by_on_a_field_graph_cannot_sort_is_refused() -> None:
    with pytest.raises(CeqlUnsupported) as caught:
        orderby_expression(VIEW, parse_order_by("subject, lastModifiedDateTime desc"))
    assert caught.value.term == "lastModifiedDateTime"
    assert str(caught.value) == (
        "Field 'lastModifiedDateTime' cannot be used in orderBy on calendar-view"
    )


def test_calendars_sort_on_their_own_fields() -> None:
    assert orderby_expression(GraphCollection.CALENDARS, parse_order_by("name")) == "name"
    with pytest.raises(CeqlUnsupported, match="'subject'"):
        orderby_expression(GraphCollection.CALENDARS, parse_order_by("subject"))


def test_fields_select_top_level_properties_once_in_order() -> None:
    fields = parse_fields("id,subject,start.dateTime,start.timeZone,Subject")
    assert select_expression(EVENTS, fields) == "id,subject,start"


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(CeqlUnsupported) as caught:
        select_expression(EVENTS, parse_fields("id, colour"))
    assert caught.value.term == "colour"
    assert str(caught.value) == "Unknown field 'colour' in fields for events"


def test_calendar_view_cannot_select_the_timestamps() -> None:
    assert select_expression(EVENTS, parse_fields("createdDateTime")) == "createdDateTime"
    with pytest.raises(CeqlUnsupported, match="createdDateTime"):
        select_expression(VIEW, parse_fields("createdDateTime"))


def test_contacts_select_contact_properties() -> None:
    fields = parse_fields("displayName, emailAddresses.address")
    assert select_expression(GraphCollection.CONTACTS, fields) == "displayName,emailAddresses"


def test_window_reads_iso_values_and_treats_missing_offsets_as_utc() -> None:
    window = parse_calendar_window("2026-04-01T00:00:00", "2026-04-30T23:00:00+02:00")
    assert window == CalendarWindow(
        datetime(2026, 4, 1, tzinfo=UTC), datetime(2026, 4, 30, 21, tzinfo=UTC)
    )


@pytest.mark.parametrize(
    ("start", "end"),
    [(None, "2026-04-02"), ("2026-04-01", None), ("", ""), ("yesterday", "2026-04-02")],
)
def test_window_is_required(start: str | None, end: str | None) -> None:
    with pytest.raises(CalendarWindowError) as caught:
        parse_calendar_window(start, end)
    assert str(caught.value) == (
        "startDateTime and endDateTime query parameters are required (ISO-8601)"
    )
    assert caught.value.status == 400


def test_window_end_must_follow_start() -> None:
    with pytest.raises(CalendarWindowError, match="endDateTime must be after startDateTime"):
        parse_calendar_window("2026-04-02T00:00:00Z", "2026-04-02T00:00:00Z")


def test_calendar_view_options_carry_window_filter_order_and_selection() -> None:
    options = graph_query_options(
        VIEW,
        where=parse_where("subject like 'Stand%'"),
        order_by=parse_order_by("start.dateTime desc"),
        fields=parse_fields("id,subject,start"),
        window=APRIL,
    )
    assert options == {
        "startDateTime": "2026-04-01T00:00:00Z",
        "endDateTime": "2026-05-01T00:00:00Z",
        "$filter": "startswith(subject,'Stand')",
        "$orderby": "start/dateTime desc",
        "$select": "id,subject,start",
    }


def test_calendar_view_without_a_window_is_refused() -> None:
    with pytest.raises(CalendarWindowError, match="are required"):
        graph_query_options(VIEW, where=parse_where("subject = 'x'"))
    assert issubclass(CalendarWindowError, CeqlError)


def test_other_collections_take_no_window() -> None:
    with pytest.raises(ValueError, match="takes no calendar window"):
        graph_query_options(EVENTS, window=APRIL)


def test_a_list_without_query_has_no_options() -> None:
    assert graph_query_options(EVENTS) == {}


def test_options_from_query_parameters_in_one_call() -> None:
    options = graph_query_options_from_text(
        VIEW,
        where="subject like '%sync%' and isCancelled = 'false'",
        order_by="start.dateTime",
        fields="id, start.dateTime",
        start_date_time="2026-04-01",
        end_date_time="2026-04-08",
    )
    assert options == {
        "startDateTime": "2026-04-01T00:00:00Z",
        "endDateTime": "2026-04-08T00:00:00Z",
        "$filter": "contains(subject,'sync') and isCancelled eq false",
        "$orderby": "start/dateTime",
        "$select": "id,start",
    }


def test_blank_query_parameters_are_absent() -> None:
    assert graph_query_options_from_text(EVENTS, where=" ", order_by="", fields=None) == {}


def test_text_errors_surface_from_the_one_call() -> None:
    with pytest.raises(CeqlError, match="Error parsing query"):
        graph_query_options_from_text(EVENTS, where="subject =")
    with pytest.raises(CalendarWindowError):
        graph_query_options_from_text(VIEW, where="subject = 'x'")


def test_a_window_must_be_aware_and_not_empty() -> None:
    with pytest.raises(ValueError, match="aware"):
        CalendarWindow(datetime(2026, 4, 1), datetime(2026, 4, 2))
    with pytest.raises(ValueError, match="end after"):
        CalendarWindow(APRIL.end, APRIL.start)
