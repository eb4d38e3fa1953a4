"""CEQL → Microsoft Graph OData query options for the `microsoftgraph` list resources (§9.3, §9.4).

Translation is capability-aware (D43): only the fields Graph filters and sorts on for each
collection may appear in `where` and `orderBy`; a term Graph cannot express is refused with
`CeqlUnsupported` naming it, never dropped. Literals are rendered by the property's Graph type,
not by how they were written (D42). Paging options (`$top`, `$skip`, `$count`) are the hub's
(D45-D47) and are not produced here.

Calendar views need a window (D38, issue 7). It comes from the `startDateTime`/`endDateTime`
query parameters, or from range terms on `start`/`end` in `where` (`split_calendar_window`,
rules there); when both are given they must name the same instants.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum

from openelements.ceql import (
    And,
    BooleanLiteral,
    CeqlError,
    CeqlUnsupported,
    Comparison,
    ComparisonOperator,
    DateLiteral,
    DateTimeLiteral,
    Expression,
    Field,
    Group,
    InList,
    IsNull,
    Like,
    Literal,
    Or,
    OrderTerm,
    SortDirection,
    StringLiteral,
    Term,
    format_field,
    format_literal,
    format_where,
    parse_fields,
    parse_order_by,
    parse_where,
)

__all__ = [
    "CalendarWindow",
    "CalendarWindowError",
    "GraphCollection",
    "WindowSplit",
    "filter_expression",
    "graph_query_options",
    "graph_query_options_from_text",
    "orderby_expression",
    "parse_calendar_window",
    "resolve_calendar_window",
    "select_expression",
    "split_calendar_window",
]


class GraphCollection(Enum):
    """The hub's list resources, by what Graph lets them filter on."""

    CALENDARS = "calendars"  # /me/calendars
    EVENTS = "events"  # /me/events and /me/calendars/{id}/events (D37)
    CALENDAR_VIEW = "calendar-view"  # /me[/calendars/{id}]/calendarView (D38)
    CONTACTS = "contacts"  # /me/contacts (D35)


class CalendarWindowError(CeqlError):
    """The calendar-view window is missing, unparsable or empty (D38)."""


@dataclass(frozen=True, slots=True)
class CalendarWindow:
    """A calendarView window in UTC; `end` is after `start`."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("a calendar window needs aware date-times")
        if self.end <= self.start:
            raise ValueError("a calendar window must end after it starts")


class _Kind(Enum):
    TEXT = "string"
    CHOICE = "enumeration"
    WALL_CLOCK = "wall-clock date-time"  # start/dateTime: a string Graph compares as text
    INSTANT = "DateTimeOffset"
    BOOLEAN = "boolean"


@dataclass(frozen=True, slots=True)
class _Property:
    path: str
    kind: _Kind
    choices: tuple[str, ...] = ()


_PARAMETERS_REQUIRED = "startDateTime and endDateTime query parameters are required (ISO-8601)"
_WINDOW_REQUIRED = (
    "The calendar window is missing: where terms on start and end"
    " (e.g. where=start >= '2026-04-01' AND end <= '2026-05-01')"
    " or the startDateTime and endDateTime query parameters are required"
    " (ISO-8601 dates or date-times; no offset means UTC)"
)
_EQUALITY = frozenset({ComparisonOperator.EQ, ComparisonOperator.NE})
_ODATA_OPERATORS = {
    ComparisonOperator.EQ: "eq",
    ComparisonOperator.NE: "ne",
    ComparisonOperator.LT: "lt",
    ComparisonOperator.LE: "le",
    ComparisonOperator.GT: "gt",
    ComparisonOperator.GE: "ge",
}


def _text(path: str) -> _Property:
    return _Property(path, _Kind.TEXT)


def _flag(path: str) -> _Property:
    return _Property(path, _Kind.BOOLEAN)


def _instant(path: str) -> _Property:
    return _Property(path, _Kind.INSTANT)


def _choice(path: str, *choices: str) -> _Property:
    return _Property(path, _Kind.CHOICE, choices)


_CALENDAR_COLORS = (
    "auto", "lightBlue", "lightGreen", "lightOrange", "lightGray", "lightYellow",
    "lightTeal", "lightPink", "lightBrown", "lightRed", "maxColor",
)  # fmt: skip

_CALENDAR_VIEW_FIELDS: tuple[_Property, ...] = (  # D43
    _text("id"),
    _text("subject"),
    _Property("start/dateTime", _Kind.WALL_CLOCK),
    _Property("end/dateTime", _Kind.WALL_CLOCK),
    _flag("isAllDay"),
    _flag("isCancelled"),
    _flag("isOrganizer"),
    _flag("isOnlineMeeting"),
    _choice("showAs", "unknown", "free", "tentative", "busy", "oof", "workingElsewhere"),
    _choice("importance", "low", "normal", "high"),
    _choice("sensitivity", "normal", "personal", "private", "confidential"),
    _choice("type", "singleInstance", "occurrence", "exception", "seriesMaster"),
    _text("seriesMasterId"),
    _text("iCalUId"),
    _text("organizer/emailAddress/address"),
)

# D43; calendar-view lacks the two timestamps (reported not to filter there, graph §5).
_FILTERABLE: Mapping[GraphCollection, tuple[_Property, ...]] = {
    GraphCollection.CALENDARS: (
        _text("name"),
        _choice("color", *_CALENDAR_COLORS),
        _flag("isDefaultCalendar"),
        _flag("canEdit"),
        _flag("canShare"),
    ),
    GraphCollection.EVENTS: (
        *_CALENDAR_VIEW_FIELDS,
        _instant("createdDateTime"),
        _instant("lastModifiedDateTime"),
    ),
    GraphCollection.CALENDAR_VIEW: _CALENDAR_VIEW_FIELDS,
    # D35 puts contacts' `where` in scope but D43 lists no contact fields: these are the plain
    # string and timestamp properties of Graph's contact (reported in the hand-off).
    GraphCollection.CONTACTS: (
        _text("id"),
        _text("displayName"),
        _text("givenName"),
        _text("surname"),
        _text("companyName"),
        _text("jobTitle"),
        _text("department"),
        _text("fileAs"),
        _text("mobilePhone"),
        _instant("createdDateTime"),
        _instant("lastModifiedDateTime"),
    ),
}

_CALENDAR_SELECTABLE = (  # graph §2.1
    "id", "name", "color", "hexColor", "isDefaultCalendar", "canEdit", "canShare",
    "canViewPrivateItems", "isRemovable", "isTallyingResponses", "changeKey",
    "allowedOnlineMeetingProviders", "defaultOnlineMeetingProvider", "owner",
)  # fmt: skip
_CALENDAR_VIEW_SELECTABLE = (  # graph §3.1 without the two timestamps (graph §5)
    "id", "changeKey", "categories", "transactionId", "subject", "bodyPreview", "body",
    "start", "end", "originalStart", "originalStartTimeZone", "originalEndTimeZone",
    "isAllDay", "isCancelled", "isDraft", "isOrganizer", "isOnlineMeeting", "isReminderOn",
    "hasAttachments", "responseRequested", "allowNewTimeProposals", "hideAttendees",
    "reminderMinutesBeforeStart", "importance", "sensitivity", "showAs", "type",
    "seriesMasterId", "recurrence", "cancelledOccurrences", "exceptionOccurrences", "iCalUId",
    "location", "locations", "attendees", "organizer", "responseStatus", "onlineMeeting",
    "onlineMeetingProvider", "onlineMeetingUrl", "webLink",
)  # fmt: skip
_CONTACT_SELECTABLE = (  # Graph's contact resource
    "id", "createdDateTime", "lastModifiedDateTime", "changeKey", "categories",
    "parentFolderId", "birthday", "fileAs", "displayName", "givenName", "initials",
    "middleName", "nickName", "surname", "title", "yomiGivenName", "yomiSurname",
    "yomiCompanyName", "generation", "emailAddresses", "imAddresses", "jobTitle",
    "companyName", "department", "officeLocation", "profession", "businessHomePage",
    "assistantName", "manager", "homePhones", "mobilePhone", "businessPhones", "homeAddress",
    "businessAddress", "otherAddress", "spouseName", "personalNotes", "children",
)  # fmt: skip

_SELECTABLE: Mapping[GraphCollection, tuple[str, ...]] = {  # D44
    GraphCollection.CALENDARS: _CALENDAR_SELECTABLE,
    GraphCollection.EVENTS: (
        *_CALENDAR_VIEW_SELECTABLE,
        "createdDateTime",
        "lastModifiedDateTime",
    ),
    GraphCollection.CALENDAR_VIEW: _CALENDAR_VIEW_SELECTABLE,
    GraphCollection.CONTACTS: _CONTACT_SELECTABLE,
}


def graph_query_options(
    collection: GraphCollection,
    *,
    where: Expression | None = None,
    order_by: Iterable[OrderTerm] = (),
    fields: Iterable[Field] = (),
    window: CalendarWindow | None = None,
) -> dict[str, str]:
    """The Graph query options for one list request: window, `$filter`, `$orderby`, `$select`.

    Calendar views need a `window` (D38); other collections must not get one.
    """
    options = _window_options(collection, window)
    if where is not None:
        options["$filter"] = filter_expression(collection, where)
    if orderby := orderby_expression(collection, order_by):
        options["$orderby"] = orderby
    if select := select_expression(collection, fields):
        options["$select"] = select
    return options


def graph_query_options_from_text(
    collection: GraphCollection,
    *,
    where: str | None = None,
    order_by: str | None = None,
    fields: str | None = None,
    start_date_time: str | None = None,
    end_date_time: str | None = None,
) -> dict[str, str]:
    """`graph_query_options` straight from the hub's query parameters; blank means absent.

    For calendar views the window comes from `where` or the window parameters (D38, issue 7):
    `split_calendar_window` takes it out of `where`, `resolve_calendar_window` reconciles it
    with the parameters. Other collections ignore the window parameters.
    """
    expression = parse_where(where) if where and where.strip() else None
    window = None
    if collection is GraphCollection.CALENDAR_VIEW:
        split = split_calendar_window(expression)
        window = resolve_calendar_window(
            split.window, start_date_time=start_date_time, end_date_time=end_date_time
        )
        expression = split.remainder
    return graph_query_options(
        collection,
        where=expression,
        order_by=parse_order_by(order_by) if order_by and order_by.strip() else (),
        fields=parse_fields(fields) if fields and fields.strip() else (),
        window=window,
    )


def filter_expression(collection: GraphCollection, expression: Expression) -> str:
    """The `$filter` text for a `where` tree (D42)."""
    match expression:
        case Or(operands):
            return " or ".join(filter_expression(collection, operand) for operand in operands)
        case And(operands):
            return " and ".join(filter_expression(collection, operand) for operand in operands)
        case Group(inner):
            return f"({filter_expression(collection, inner)})"
        case _:
            return _predicate(collection, expression)


def orderby_expression(collection: GraphCollection, terms: Iterable[OrderTerm]) -> str:
    """The `$orderby` text (§9.4): sortable fields only (D43), `desc` only when asked."""
    return ",".join(_order_item(collection, term) for term in terms)


def select_expression(collection: GraphCollection, fields: Iterable[Field]) -> str:
    """The `$select` text: top-level properties, each once, in the order first named (D44)."""
    known = {name.lower(): name for name in _SELECTABLE[collection]}
    selected: dict[str, None] = {}
    for field in fields:
        top = known.get(field.path[0].lower())
        if top is None:
            raise CeqlUnsupported(
                f"Unknown field {format_field(field)!r} in fields for {collection.value}",
                term=format_field(field),
                resource=collection.value,
            )
        selected[top] = None
    return ",".join(selected)


def parse_calendar_window(start_date_time: str | None, end_date_time: str | None) -> CalendarWindow:
    """Read the `startDateTime`/`endDateTime` query parameters (D38); no offset means UTC."""
    start, end = _window_bound(start_date_time), _window_bound(end_date_time)
    if end <= start:
        raise CalendarWindowError("endDateTime must be after startDateTime")
    return CalendarWindow(start, end)


@dataclass(frozen=True, slots=True)
class WindowSplit:
    """A `where` with its calendar-window terms taken out (`split_calendar_window`)."""

    window: CalendarWindow | None
    """The window the terms name; `None` when `where` has no window term."""
    remainder: Expression | None
    """What is left for `$filter`; `None` when nothing is."""


class _Edge(Enum):
    START = "start"  # becomes startDateTime
    END = "end"  # becomes endDateTime


# Issue 7: `start`, `end`, `start.dateTime`, `end.dateTime`, any case, backticked or not.
_WINDOW_FIELDS = frozenset({("start",), ("start", "datetime"), ("end",), ("end", "datetime")})
# Graph returns what overlaps [startDateTime, endDateTime) (graph G19: start < windowEnd and
# end > windowStart), so a lower bound on either field is the window's start and an upper
# bound on either field its end: `start >= S AND end <= E` (the events inside) and
# `end > S AND start < E` (the overlap itself) name the same window [S, E).
_WINDOW_EDGES = {
    ComparisonOperator.GE: _Edge.START,
    ComparisonOperator.GT: _Edge.START,
    ComparisonOperator.LE: _Edge.END,
    ComparisonOperator.LT: _Edge.END,
}
_Conjunct = Term | Or


def split_calendar_window(where: Expression | None) -> WindowSplit:
    """Take the calendar-view window out of `where` (issue 7, D38).

    Window terms are range comparisons (`>=`, `>`, `<=`, `<`) on `start`/`end`
    (`start.dateTime`/`end.dateTime`) that are top-level AND terms (parentheses around an AND
    do not count as nesting). `>=`/`>` on either field give the window's start, `<=`/`<` on
    either field its end; the operator's strictness does not move the edge. Values are ISO-8601
    dates (midnight) or date-times, UTC without an offset. Every other term stays for `$filter`.

    Refused with `CalendarWindowError` (400), never dropped: a window term under OR; a window
    with only one edge; an edge given twice with different instants; a value that is not a
    date or date-time; an end not after the start.
    """
    if where is None:
        return WindowSplit(None, None)
    found: dict[_Edge, list[tuple[datetime, Comparison]]] = {_Edge.START: [], _Edge.END: []}
    kept: list[_Conjunct] = []
    for conjunct in _conjuncts(where):
        if isinstance(conjunct, Comparison) and (edge := _window_edge(conjunct)) is not None:
            found[edge].append((_window_instant(conjunct), conjunct))
            continue
        if (nested := _nested_window_term(conjunct)) is not None:
            raise CalendarWindowError(
                f"The calendar window must be given by top-level AND terms of where,"
                f" not under OR: {format_where(nested)!r}"
            )
        kept.append(conjunct)
    if not found[_Edge.START] and not found[_Edge.END]:
        return WindowSplit(None, where)
    start, end = _window_edge_value(found, _Edge.START), _window_edge_value(found, _Edge.END)
    if end <= start:
        raise CalendarWindowError(
            f"The calendar window in where must end after it starts:"
            f" {_instant_text(end)} is not after {_instant_text(start)}"
        )
    return WindowSplit(CalendarWindow(start, end), _conjunction(kept))


def resolve_calendar_window(
    from_where: CalendarWindow | None,
    *,
    start_date_time: str | None,
    end_date_time: str | None,
) -> CalendarWindow:
    """The calendar-view window from `where` and/or the query parameters (D38, issue 7).

    Without a `where` window, the parameters are read as D38 says. With one, the parameters
    are optional, and each one sent must name the same instant as `where` does. Neither →
    400 saying how to give the window (both forms).
    """
    start_text = (start_date_time or "").strip() or None
    end_text = (end_date_time or "").strip() or None
    if from_where is None:
        if start_text is None and end_text is None:
            raise CalendarWindowError(_WINDOW_REQUIRED)
        return parse_calendar_window(start_text, end_text)
    for name, text, bound in (
        ("startDateTime", start_text, from_where.start),
        ("endDateTime", end_text, from_where.end),
    ):
        if text is not None and (given := _parameter_instant(name, text)) != bound:
            raise CalendarWindowError(
                f"The calendar window is given twice and differs: where gives {name}"
                f" {_instant_text(bound)}, the {name} query parameter says {_instant_text(given)}"
            )
    return from_where


def _conjuncts(expression: Expression) -> list[_Conjunct]:
    """The top-level AND terms; parentheses around an AND (or one term) are looked through."""
    match expression:
        case And(operands):
            return [item for operand in operands for item in _conjuncts(operand)]
        case Group(inner) if not isinstance(inner, Or):
            return _conjuncts(inner)
        case _:
            return [expression]


def _conjunction(kept: list[_Conjunct]) -> Expression | None:
    if not kept:
        return None
    if len(kept) == 1:
        return kept[0]
    return And(tuple(Group(term) if isinstance(term, Or) else term for term in kept))


def _window_edge(comparison: Comparison) -> _Edge | None:
    path = tuple(segment.lower() for segment in comparison.field.path)
    if path not in _WINDOW_FIELDS:
        return None
    return _WINDOW_EDGES.get(comparison.operator)


def _nested_window_term(expression: Expression) -> Comparison | None:
    match expression:
        case Comparison() if _window_edge(expression) is not None:
            return expression
        case And(operands) | Or(operands):
            for operand in operands:
                if (found := _nested_window_term(operand)) is not None:
                    return found
        case Group(inner):
            return _nested_window_term(inner)
    return None


def _window_instant(term: Comparison) -> datetime:
    match term.value:
        case DateTimeLiteral(value):
            return _as_utc(value)
        case DateLiteral(value):
            return _as_utc(datetime.combine(value, datetime.min.time()))
        case StringLiteral(value):
            try:
                return _as_utc(datetime.fromisoformat(value))
            except ValueError:
                pass
    raise CalendarWindowError(
        f"Cannot read the calendar window from {format_where(term)!r}:"
        f" {format_field(term.field)} takes an ISO-8601 date or date-time"
    )


def _window_edge_value(
    found: Mapping[_Edge, list[tuple[datetime, Comparison]]], edge: _Edge
) -> datetime:
    terms = found[edge]
    if not terms:
        present = next(iter(found[_Edge.END if edge is _Edge.START else _Edge.START]))[1]
        hint = "start >= (or end >)" if edge is _Edge.START else "end <= (or start <)"
        raise CalendarWindowError(
            f"The calendar window in where has no {edge.value}: {format_where(present)!r}"
            f" gives only one edge; add a top-level AND term {hint} an ISO-8601 date or date-time"
        )
    instants = {instant for instant, _ in terms}
    if len(instants) > 1:
        listed = " and ".join(repr(format_where(term)) for _, term in terms)
        raise CalendarWindowError(
            f"The calendar window's {edge.value} is given twice with different values"
            f" in where: {listed}"
        )
    return terms[0][0]


def _parameter_instant(name: str, text: str) -> datetime:
    try:
        return _as_utc(datetime.fromisoformat(text))
    except ValueError:
        raise CalendarWindowError(
            f"{name} is not an ISO-8601 date or date-time: {text!r}"
        ) from None


def _window_bound(text: str | None) -> datetime:
    if not text:
        raise CalendarWindowError(_PARAMETERS_REQUIRED)
    try:
        return _as_utc(datetime.fromisoformat(text))
    except ValueError:
        raise CalendarWindowError(_PARAMETERS_REQUIRED) from None


def _window_options(collection: GraphCollection, window: CalendarWindow | None) -> dict[str, str]:
    if collection is not GraphCollection.CALENDAR_VIEW:
        if window is not None:
            raise ValueError(f"{collection.value} takes no calendar window")
        return {}
    if window is None:
        raise CalendarWindowError(_WINDOW_REQUIRED)
    return {"startDateTime": _instant_text(window.start), "endDateTime": _instant_text(window.end)}


def _order_item(collection: GraphCollection, term: OrderTerm) -> str:
    path = _property(collection, term.field, clause="orderBy").path
    return f"{path} desc" if term.direction is SortDirection.DESC else path


def _property(collection: GraphCollection, field: Field, *, clause: str) -> _Property:
    wanted = "/".join(field.path).lower()
    for candidate in _FILTERABLE[collection]:
        if candidate.path.lower() == wanted:
            return candidate
    raise CeqlUnsupported(
        f"Field {format_field(field)!r} cannot be used in {clause} on {collection.value}",
        term=format_field(field),
        resource=collection.value,
    )


def _predicate(collection: GraphCollection, predicate: Comparison | InList | Like | IsNull) -> str:
    prop = _property(collection, predicate.field, clause="where")
    refuse = _Refusal(collection, predicate)
    match predicate:
        case Comparison(_, operator, value):
            if prop.kind in (_Kind.BOOLEAN, _Kind.CHOICE) and operator not in _EQUALITY:
                raise refuse(
                    f"operator {operator.value!r} cannot be used on {prop.kind.value} fields"
                )
            return f"{prop.path} {_ODATA_OPERATORS[operator]} {_value(prop, value, refuse)}"
        case InList(_, values, negated):
            odata_operator, joiner = ("ne", " and ") if negated else ("eq", " or ")
            terms = (
                f"{prop.path} {odata_operator} {_value(prop, value, refuse)}" for value in values
            )
            return f"({joiner.join(terms)})"
        case Like(_, pattern):
            return _like(prop, pattern, refuse)
        case IsNull(_, negated):
            return f"{prop.path} {'ne' if negated else 'eq'} null"


class _Refusal:
    """Raises `CeqlUnsupported` for one predicate, naming it in canonical CEQL."""

    def __init__(self, collection: GraphCollection, predicate: Expression) -> None:
        self._collection = collection
        self._term = format_where(predicate)

    def __call__(self, reason: str) -> CeqlUnsupported:
        return CeqlUnsupported(
            f"Cannot translate {self._term!r} for {self._collection.value}: {reason}",
            term=self._term,
            resource=self._collection.value,
        )


def _like(prop: _Property, pattern: str, refuse: _Refusal) -> str:
    if prop.kind is not _Kind.TEXT:
        raise refuse(f"LIKE needs a string field, {prop.path} is {prop.kind.value}")
    inner = pattern.removeprefix("%").removesuffix("%")
    if "%" not in pattern:
        return f"{prop.path} eq {_quoted(pattern)}"
    if inner and "%" not in inner:
        if pattern == f"{inner}%":
            return f"startswith({prop.path},{_quoted(inner)})"
        if pattern == f"%{inner}%":
            return f"contains({prop.path},{_quoted(inner)})"
    raise refuse("Graph can only express 'abc%' (startswith), '%abc%' (contains) or no '%'")


def _value(prop: _Property, literal: Literal, refuse: _Refusal) -> str:
    match prop.kind:
        case _Kind.TEXT:
            raw = literal.value if isinstance(literal, StringLiteral) else format_literal(literal)
            return _quoted(raw)
        case _Kind.CHOICE:
            return _choice_value(prop, literal, refuse)
        case _Kind.BOOLEAN:
            return _boolean_value(prop, literal, refuse)
        case _Kind.WALL_CLOCK:
            # Graph stores `2026-04-15T09:00:00.0000000` and compares it as text (graph §3.3,
            # §5): the same shape keeps eq/lt/gt exact.
            moment = _moment(prop, literal, refuse).replace(tzinfo=None)
            return _quoted(moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}0")
        case _Kind.INSTANT:
            return _instant_text(_moment(prop, literal, refuse))


def _choice_value(prop: _Property, literal: Literal, refuse: _Refusal) -> str:
    if isinstance(literal, StringLiteral):
        for choice in prop.choices:
            if choice.lower() == literal.value.lower():
                return _quoted(choice)
    raise refuse(f"{prop.path} takes one of {', '.join(prop.choices)}")


def _boolean_value(prop: _Property, literal: Literal, refuse: _Refusal) -> str:
    if isinstance(literal, BooleanLiteral):
        return "true" if literal.value else "false"
    # D42: the vendor's tests quote booleans ('true').
    if isinstance(literal, StringLiteral) and literal.value.lower() in ("true", "false"):
        return literal.value.lower()
    raise refuse(f"{prop.path} takes true or false")


def _moment(prop: _Property, literal: Literal, refuse: _Refusal) -> datetime:
    """A date-time literal as aware UTC; no offset means UTC, a bare date means midnight."""
    match literal:
        case DateTimeLiteral(value):
            return _as_utc(value)
        case DateLiteral(value):
            return _as_utc(datetime.combine(value, datetime.min.time()))
        case StringLiteral(value):
            try:
                return _as_utc(datetime.fromisoformat(value))
            except ValueError:
                pass
    raise refuse(f"{prop.path} takes an ISO-8601 date-time")


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _instant_text(moment: datetime) -> str:
    """UTC with `Z`, unquoted, as Graph writes DateTimeOffset values (D42)."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"


def _quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
