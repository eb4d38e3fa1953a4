"""Cross-check (spec §9.7): a CEQL tree evaluated directly in Python selects the same events as its
OData translation evaluated by the emulator's `$filter` engine (G16).

The reference evaluator below states what each CEQL term means (strings compare without case, as
Exchange does; `start.dateTime` compares as Graph's wall-clock text; a missing value only
satisfies `!=`), so a wrong `IN` chain, a lost parenthesis or a badly rendered date shows up as a
different selection.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from msgraph_emulator.graph.odata_filter import BOOLEAN, DATETIME, STRING, TEXT_TIME, compile_filter
from msgraph_emulator.graph.odata_filter import Field as EmulatorField
from openelements.ceql import (
    And,
    BooleanLiteral,
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
    StringLiteral,
    Term,
    format_where,
)
from openelements.elements.microsoftgraph.ceql_odata import GraphCollection, filter_expression

Event = dict[str, Any]

_MOMENTS = [datetime(2026, 4, day, hour, tzinfo=UTC) for day in (1, 2) for hour in (0, 9, 17)]
_SUBJECTS = ["Review", "review plan", "Dana's sync", "Sync", ""]


def _wall(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0"


EVENTS = [
    {
        "subject": _SUBJECTS[n % 5] if n % 7 else None,
        "showAs": ["busy", "free", "oof"][n % 3],
        "isAllDay": n % 2 == 0,
        "start": _wall(_MOMENTS[n % 6]),
        "lastModifiedDateTime": _MOMENTS[(n * 5) % 6],
        "seriesMasterId": None if n % 3 else f"AAMk{n}=",
    }
    for n in range(24)
]

_EMULATOR_FIELDS: dict[str, EmulatorField[Event]] = {
    "subject": EmulatorField(STRING, lambda e: e["subject"]),
    "showAs": EmulatorField(STRING, lambda e: e["showAs"]),
    "isAllDay": EmulatorField(BOOLEAN, lambda e: e["isAllDay"]),
    "start/dateTime": EmulatorField(TEXT_TIME, lambda e: e["start"]),
    "lastModifiedDateTime": EmulatorField(DATETIME, lambda e: e["lastModifiedDateTime"]),
    "seriesMasterId": EmulatorField(STRING, lambda e: e["seriesMasterId"]),
}

# -- the reference meaning of CEQL over these events ------------------------------------------

_OPERATORS: dict[ComparisonOperator, Callable[[Any, Any], bool]] = {
    ComparisonOperator.EQ: operator.eq,
    ComparisonOperator.NE: operator.ne,
    ComparisonOperator.LT: operator.lt,
    ComparisonOperator.LE: operator.le,
    ComparisonOperator.GT: operator.gt,
    ComparisonOperator.GE: operator.ge,
}


def _as_utc(literal: Literal) -> datetime:
    match literal:
        case DateTimeLiteral(value):
            moment = value
        case DateLiteral(value):
            moment = datetime.combine(value, datetime.min.time())
        case StringLiteral(value):
            moment = datetime.fromisoformat(value)
        case _:
            raise AssertionError(literal)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _reference_value(field: str, literal: Literal) -> Any:
    if field == "start.dateTime":
        return _wall(_as_utc(literal))
    if field == "lastModifiedDateTime":
        return _as_utc(literal)
    if field == "isAllDay":
        assert isinstance(literal, BooleanLiteral)
        return literal.value
    assert isinstance(literal, StringLiteral)
    return literal.value.casefold()


def _stored(event: Event, field: str) -> Any:
    value = event["start" if field == "start.dateTime" else field]
    return value.casefold() if isinstance(value, str) and field != "start.dateTime" else value


def evaluate(expression: Expression, event: Event) -> bool:
    match expression:
        case Or(operands):
            return any(evaluate(operand, event) for operand in operands)
        case And(operands):
            return all(evaluate(operand, event) for operand in operands)
        case Group(inner):
            return evaluate(inner, event)
        case Comparison(field, comparison, literal):
            stored = _stored(event, field.name)
            if stored is None:
                return comparison is ComparisonOperator.NE
            return _OPERATORS[comparison](stored, _reference_value(field.name, literal))
        case InList(field, values, negated):
            each = ComparisonOperator.NE if negated else ComparisonOperator.EQ
            results = [evaluate(Comparison(field, each, value), event) for value in values]
            return all(results) if negated else any(results)
        case Like(field, pattern):
            return _like(_stored(event, field.name), pattern.casefold())
        case IsNull(field, negated):
            return (_stored(event, field.name) is None) != negated


def _like(stored: str | None, pattern: str) -> bool:
    if "%" not in pattern:
        return stored == pattern
    text = stored or ""
    if pattern.startswith("%"):
        return pattern.strip("%") in text
    return text.startswith(pattern.rstrip("%"))


# -- generated queries over those fields --------------------------------------------------------

_offsets = st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(-timedelta(hours=7))])
_moments = st.builds(
    lambda moment, zone, hours: (moment + timedelta(hours=hours)).astimezone(zone),
    st.sampled_from(_MOMENTS),
    _offsets,
    st.sampled_from([0, 0, 1, -1]),
)
_date_literals: st.SearchStrategy[Literal] = st.one_of(
    st.builds(DateTimeLiteral, _moments),
    st.builds(lambda moment: DateTimeLiteral(moment.replace(tzinfo=None)), _moments),
    st.builds(lambda moment: StringLiteral(moment.isoformat()), _moments),
    st.builds(DateLiteral, st.sampled_from([date(2026, 4, 1), date(2026, 4, 2)])),
)
_subjects = st.builds(StringLiteral, st.sampled_from([*_SUBJECTS, "REVIEW", "x"]))
_show_as = st.builds(StringLiteral, st.sampled_from(["busy", "Free", "OOF", "tentative"]))
_operators = st.sampled_from(ComparisonOperator)
_equality = st.sampled_from([ComparisonOperator.EQ, ComparisonOperator.NE])


def _field(name: str) -> st.SearchStrategy[Field]:
    return st.just(Field(name))


def _in_lists(name: str, values: st.SearchStrategy[StringLiteral]) -> st.SearchStrategy[InList]:
    return st.builds(
        InList, _field(name), st.lists(values, min_size=1, max_size=3).map(tuple), st.booleans()
    )


predicates = st.one_of(
    st.builds(Comparison, _field("subject"), _operators, _subjects),
    st.builds(Comparison, _field("showAs"), _equality, _show_as),
    st.builds(Comparison, _field("isAllDay"), _equality, st.builds(BooleanLiteral, st.booleans())),
    st.builds(Comparison, _field("start.dateTime"), _operators, _date_literals),
    st.builds(Comparison, _field("lastModifiedDateTime"), _operators, _date_literals),
    _in_lists("showAs", _show_as),
    _in_lists("subject", _subjects),
    st.builds(Like, _field("subject"), st.sampled_from(["rev%", "%SYNC%", "%'s%", "Review", "D%"])),
    st.builds(IsNull, st.sampled_from([Field("subject"), Field("seriesMasterId")]), st.booleans()),
)


def _extend(children: st.SearchStrategy[Expression]) -> st.SearchStrategy[Expression]:
    # Groups around an `Or` are drawn often: that is where a lost parenthesis changes meaning.
    or_of_children = st.builds(Or, st.lists(predicates, min_size=2, max_size=3).map(tuple))
    groups = st.builds(Group, children | or_of_children)
    terms: st.SearchStrategy[Term] = predicates | groups
    conjunctions = st.builds(And, st.lists(terms, min_size=2, max_size=3).map(tuple))
    disjunctions = st.builds(Or, st.lists(terms | conjunctions, min_size=2, max_size=3).map(tuple))
    return terms | conjunctions | disjunctions


expressions: st.SearchStrategy[Expression] = st.recursive(predicates, _extend, max_leaves=8)


@given(expressions)
@settings(max_examples=150)
def test_translation_selects_what_the_ceql_means(expression: Expression) -> None:
    odata = filter_expression(GraphCollection.EVENTS, expression)
    emulated = compile_filter(odata, _EMULATOR_FIELDS)
    selected_by_graph = [n for n, event in enumerate(EVENTS) if emulated(event)]
    selected_by_ceql = [n for n, event in enumerate(EVENTS) if evaluate(expression, event)]
    assert selected_by_graph == selected_by_ceql, (format_where(expression), odata)


def test_the_reference_is_not_trivially_empty() -> None:
    expression = Or(
        (
            Like(Field("subject"), "%sync%"),
            Comparison(Field("isAllDay"), ComparisonOperator.EQ, BooleanLiteral(True)),
        )
    )
    selected = [event for event in EVENTS if evaluate(expression, event)]
    assert 0 < len(selected) < len(EVENTS)
