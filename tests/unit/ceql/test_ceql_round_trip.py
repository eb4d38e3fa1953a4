"""Property tests: tree → canonical text → the same tree (spec §9.7), and no crash on any text."""

from __future__ import annotations

from datetime import timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from openelements.ceql import (
    And,
    BooleanLiteral,
    CeqlSyntaxError,
    Comparison,
    ComparisonOperator,
    DateLiteral,
    DateTimeLiteral,
    DecimalLiteral,
    Expression,
    Field,
    Group,
    InList,
    IntegerLiteral,
    IsNull,
    Like,
    Literal,
    Or,
    OrderTerm,
    SortDirection,
    StringLiteral,
    Term,
    format_fields,
    format_order_by,
    format_where,
    parse_fields,
    parse_order_by,
    parse_where,
)

_plain_names = st.from_regex(
    r"[A-Za-z_][A-Za-z0-9_]{0,8}(\.[A-Za-z_][A-Za-z0-9_]{0,8}){0,2}", fullmatch=True
)
_quoted_names = st.text(min_size=1, max_size=12).filter(lambda name: "`" not in name)
fields = st.builds(Field, _plain_names | _quoted_names)

_offsets = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
literals: st.SearchStrategy[Literal] = st.one_of(
    st.builds(StringLiteral, st.text(max_size=12)),
    st.builds(IntegerLiteral, st.integers()),
    st.builds(
        DecimalLiteral,
        st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**12), max_value=10**12),
    ),
    st.builds(BooleanLiteral, st.booleans()),
    st.builds(DateLiteral, st.dates()),
    st.builds(DateTimeLiteral, st.datetimes(timezones=st.none() | _offsets)),
)

predicates = st.one_of(
    st.builds(Comparison, fields, st.sampled_from(ComparisonOperator), literals),
    st.builds(InList, fields, st.lists(literals, min_size=1, max_size=4).map(tuple), st.booleans()),
    st.builds(Like, fields, st.text(max_size=12)),
    st.builds(IsNull, fields, st.booleans()),
)


def _extend(children: st.SearchStrategy[Expression]) -> st.SearchStrategy[Expression]:
    terms: st.SearchStrategy[Term] = predicates | st.builds(Group, children)
    conjunctions = st.builds(And, st.lists(terms, min_size=2, max_size=3).map(tuple))
    disjunctions = st.builds(Or, st.lists(terms | conjunctions, min_size=2, max_size=3).map(tuple))
    return terms | conjunctions | disjunctions


expressions: st.SearchStrategy[Expression] = st.recursive(predicates, _extend, max_leaves=12)


@given(expressions)
@settings(max_examples=150)
def test_where_round_trips_through_canonical_text(expression: Expression) -> None:
    assert parse_where(format_where(expression)) == expression


@given(expressions)
def test_canonical_text_is_a_fixed_point(expression: Expression) -> None:
    text = format_where(expression)
    assert format_where(parse_where(text)) == text


@given(
    st.lists(st.builds(OrderTerm, fields, st.sampled_from(SortDirection)), min_size=1, max_size=5)
)
def test_order_by_round_trips(terms: list[OrderTerm]) -> None:
    assert parse_order_by(format_order_by(terms)) == tuple(terms)


@given(st.lists(fields, min_size=1, max_size=5))
def test_fields_round_trip(selection: list[Field]) -> None:
    assert parse_fields(format_fields(selection)) == tuple(selection)


_ceql_alphabet = st.sampled_from([*"abc.`'()=!<>%, -_019TZ:\n", "and ", "or ", "in ", "not "])


@given(st.lists(_ceql_alphabet, max_size=30).map("".join) | st.text(max_size=30))
@settings(max_examples=150)
def test_any_text_either_parses_or_raises_a_positioned_syntax_error(text: str) -> None:
    error: CeqlSyntaxError | None = None
    try:
        parse_where(text)
    except CeqlSyntaxError as raised:
        error = raised
    if error is not None:
        assert str(error).startswith("Error parsing query")
        assert 0 <= error.offset <= len(text)
        assert error.line >= 1
        assert error.column >= 1
