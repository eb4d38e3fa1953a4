"""CEQL `where` → Graph `$filter` (spec §9.3, D42, D43): a table of queries and their answers."""

from __future__ import annotations

import pytest

from openelements.ceql import CeqlError, CeqlSyntaxError, CeqlUnsupported, parse_where
from openelements.elements.microsoftgraph.ceql_odata import GraphCollection, filter_expression

CALENDARS = GraphCollection.CALENDARS
EVENTS = GraphCollection.EVENTS
VIEW = GraphCollection.CALENDAR_VIEW
CONTACTS = GraphCollection.CONTACTS

TRANSLATIONS = [
    # operators
    (EVENTS, "subject = 'x'", "subject eq 'x'"),
    (EVENTS, "subject != 'x'", "subject ne 'x'"),
    (EVENTS, "subject < 'm'", "subject lt 'm'"),
    (EVENTS, "subject <= 'm'", "subject le 'm'"),
    (EVENTS, "subject > 'm'", "subject gt 'm'"),
    (EVENTS, "subject >= 'm'", "subject ge 'm'"),
    # quoting: a quote is doubled on both sides
    (EVENTS, "subject = 'Dana''s sync'", "subject eq 'Dana''s sync'"),
    (EVENTS, "subject = ''''", "subject eq ''''"),
    # precedence, with and without parentheses, kept explicit
    (
        EVENTS,
        "subject = 'a' or subject = 'b' and isAllDay = true",
        "subject eq 'a' or subject eq 'b' and isAllDay eq true",
    ),
    (
        EVENTS,
        "(subject = 'a' or subject = 'b') and isAllDay = true",
        "(subject eq 'a' or subject eq 'b') and isAllDay eq true",
    ),
    (
        EVENTS,
        "subject = 'a' and (isAllDay = true or (showAs = 'busy'))",
        "subject eq 'a' and (isAllDay eq true or (showAs eq 'busy'))",
    ),
    # strings of date-times as Graph stores them: 7 fractional digits, no offset
    (
        EVENTS,
        "start.dateTime >= '2026-04-01T00:00:00'",
        "start/dateTime ge '2026-04-01T00:00:00.0000000'",
    ),
    (EVENTS, "end.dateTime < 2026-04-02", "end/dateTime lt '2026-04-02T00:00:00.0000000'"),
    (
        EVENTS,
        "`start.dateTime` > 2026-04-01T09:30:00+02:00",
        "start/dateTime gt '2026-04-01T07:30:00.0000000'",
    ),
    # DateTimeOffset: unquoted, UTC, Z; a quoted or offset-less input works too
    (
        EVENTS,
        "lastModifiedDateTime >= 2026-04-01T09:00:00+02:00",
        "lastModifiedDateTime ge 2026-04-01T07:00:00Z",
    ),
    (
        EVENTS,
        "lastModifiedDateTime>='2026-04-01T07:00:00Z'",
        "lastModifiedDateTime ge 2026-04-01T07:00:00Z",
    ),
    (EVENTS, "createdDateTime < 2026-04-01", "createdDateTime lt 2026-04-01T00:00:00Z"),
    (
        EVENTS,
        "createdDateTime > 2014-01-15T00:00:00.250Z",
        "createdDateTime gt 2014-01-15T00:00:00.250000Z",
    ),
    # booleans bare, quoted input accepted
    (EVENTS, "isCancelled = 'false'", "isCancelled eq false"),
    (EVENTS, "isAllDay != TRUE", "isAllDay ne true"),
    (
        CALENDARS,
        "isDefaultCalendar = true and canEdit = 'True'",
        "isDefaultCalendar eq true and canEdit eq true",
    ),
    # numbers on a string property are rendered as strings
    (EVENTS, "subject = 42", "subject eq '42'"),
    (EVENTS, "id in (10300, 'AAMk=')", "(id eq '10300' or id eq 'AAMk=')"),
    # enumerations: wire spelling whatever the case of the input
    (EVENTS, "showAs = 'Busy'", "showAs eq 'busy'"),
    (CALENDARS, "color = 'LIGHTBLUE'", "color eq 'lightBlue'"),
    # LIKE forms
    (EVENTS, "subject like 'Review%'", "startswith(subject,'Review')"),
    (EVENTS, "subject like '%tax%'", "contains(subject,'tax')"),
    (EVENTS, "subject like 'tax'", "subject eq 'tax'"),
    (EVENTS, "subject like 'Dana''s%'", "startswith(subject,'Dana''s')"),
    (EVENTS, "subject like '%a_b%'", "contains(subject,'a_b')"),
    (CALENDARS, "name like 'Team%'", "startswith(name,'Team')"),
    # IN and NOT IN
    (EVENTS, "showAs in ('busy', 'oof')", "(showAs eq 'busy' or showAs eq 'oof')"),
    (
        EVENTS,
        "type not in ('occurrence', 'exception')",
        "(type ne 'occurrence' and type ne 'exception')",
    ),
    (EVENTS, "importance in ('high')", "(importance eq 'high')"),
    # IS NULL
    (EVENTS, "seriesMasterId is null", "seriesMasterId eq null"),
    (EVENTS, "seriesMasterId IS NOT NULL", "seriesMasterId ne null"),
    # dotted and backticked names
    (
        EVENTS,
        "organizer.emailAddress.address = 'dana@acme.example'",
        "organizer/emailAddress/address eq 'dana@acme.example'",
    ),
    (
        EVENTS,
        "`organizer.emailAddress.address` like 'dana%'",
        "startswith(organizer/emailAddress/address,'dana')",
    ),
    # field names matched case-insensitively, written as Graph spells them
    (EVENTS, "Subject = 'x' and ISALLDAY = false", "subject eq 'x' and isAllDay eq false"),
    # calendar-view and contacts
    (
        VIEW,
        "subject like 'Stand%' and isCancelled = false",
        "startswith(subject,'Stand') and isCancelled eq false",
    ),
    (
        CONTACTS,
        "surname = 'Swope' or givenName like 'Da%'",
        "surname eq 'Swope' or startswith(givenName,'Da')",
    ),
    # the element's own poll URL filter
    (
        EVENTS,
        "lastModifiedDateTime>='2026-04-01T07:00:00Z' and type = 'seriesMaster'",
        "lastModifiedDateTime ge 2026-04-01T07:00:00Z and type eq 'seriesMaster'",
    ),
]


@pytest.mark.parametrize(("collection", "where", "odata"), TRANSLATIONS)
def test_where_translates_to_graph_filter(
    collection: GraphCollection, where: str, odata: str
) -> None:
    assert filter_expression(collection, parse_where(where)) == odata


REFUSALS = [
    # fields Graph does not filter on, per collection (D43)
    (EVENTS, "location.displayName = 'Room 4'", "location.displayName", "where on events"),
    (EVENTS, "categories = 'Red'", "categories", "where on events"),
    (VIEW, "lastModifiedDateTime >= 2026-04-01", "lastModifiedDateTime", "where on calendar-view"),
    (VIEW, "createdDateTime < 2026-04-01", "createdDateTime", "where on calendar-view"),
    (CALENDARS, "subject = 'x'", "subject", "where on calendars"),
    (CALENDARS, "`owner.address` = 'x'", "owner.address", "where on calendars"),
    (CONTACTS, "start.dateTime > 2026-04-01", "start.dateTime", "where on contacts"),
    # LIKE patterns Graph cannot express
    (EVENTS, "subject like '%tax'", "subject LIKE '%tax'", "startswith"),
    (EVENTS, "subject like 'a%c'", "subject LIKE 'a%c'", "startswith"),
    (EVENTS, "subject like '%'", "subject LIKE '%'", "startswith"),
    (EVENTS, "subject like '%%'", "subject LIKE '%%'", "startswith"),
    (EVENTS, "subject like '%a%b%'", "subject LIKE '%a%b%'", "startswith"),
    # LIKE on something that is not a string
    (EVENTS, "isAllDay like 'tr%'", "isAllDay LIKE 'tr%'", "LIKE needs a string field"),
    (EVENTS, "showAs like 'b%'", "showAs LIKE 'b%'", "LIKE needs a string field"),
    (
        EVENTS,
        "start.dateTime like '2026%'",
        "start.dateTime LIKE '2026%'",
        "LIKE needs a string field",
    ),
    # operators and values that do not fit the property's type
    (EVENTS, "isAllDay > true", "isAllDay > true", "operator '>'"),
    (EVENTS, "importance >= 'normal'", "importance >= 'normal'", "operator '>='"),
    (EVENTS, "isAllDay = 1", "isAllDay = 1", "takes true or false"),
    (EVENTS, "isAllDay = 'yes'", "isAllDay = 'yes'", "takes true or false"),
    (EVENTS, "showAs = 'away'", "showAs = 'away'", "takes one of unknown, free"),
    (EVENTS, "showAs in ('busy', 'away')", "showAs IN ('busy', 'away')", "takes one of"),
    (EVENTS, "start.dateTime >= 'tomorrow'", "start.dateTime >= 'tomorrow'", "ISO-8601"),
    (EVENTS, "createdDateTime > 5", "createdDateTime > 5", "ISO-8601"),
    (EVENTS, "createdDateTime > true", "createdDateTime > true", "ISO-8601"),
]


@pytest.mark.parametrize(("collection", "where", "term", "reason"), REFUSALS)
def test_terms_graph_cannot_express_are_refused_by_name(
    collection: GraphCollection, where: str, term: str, reason: str
) -> None:
    with pytest.raises(CeqlUnsupported) as caught:
        filter_expression(collection, parse_where(where))
    assert caught.value.term == term
    assert caught.value.resource == collection.value
    assert term in str(caught.value)
    assert reason in str(caught.value)
    assert caught.value.status == 400


def test_a_refused_term_deep_in_the_tree_is_not_dropped() -> None:
    where = parse_where("subject = 'a' or (isAllDay = true and location.displayName = 'x')")
    with pytest.raises(CeqlUnsupported, match=r"location\.displayName"):
        filter_expression(EVENTS, where)


@pytest.mark.parametrize(
    ("where", "column"),
    [
        ("subject = ", 11),
        ("subject <> 'x'", 10),
        ("subject like 'x' and", 21),
        ("(subject = 'x'", 15),
        ("subject not like 'x%'", 13),
    ],
)
def test_syntax_errors_reach_the_caller_with_their_position(where: str, column: int) -> None:
    with pytest.raises(CeqlSyntaxError) as caught:
        filter_expression(EVENTS, parse_where(where))
    assert caught.value.column == column
    assert str(caught.value).startswith("Error parsing query")


def test_every_refusal_is_a_ceql_error() -> None:
    assert issubclass(CeqlUnsupported, CeqlError)
    assert issubclass(CeqlSyntaxError, CeqlError)
