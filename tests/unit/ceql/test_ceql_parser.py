"""CEQL text → typed tree (spec §9.2, D41)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from openelements.ceql import (
    And,
    BooleanLiteral,
    Comparison,
    ComparisonOperator,
    DateLiteral,
    DateTimeLiteral,
    DecimalLiteral,
    Field,
    Group,
    InList,
    IntegerLiteral,
    IsNull,
    Like,
    Or,
    OrderTerm,
    SortDirection,
    StringLiteral,
    parse_fields,
    parse_order_by,
    parse_where,
)


def _eq(name: str, value: object) -> Comparison:
    literal = IntegerLiteral(value) if isinstance(value, int) else StringLiteral(str(value))
    return Comparison(Field(name), ComparisonOperator.EQ, literal)


@pytest.mark.parametrize(
    ("text", "operator"),
    [
        ("a = 1", ComparisonOperator.EQ),
        ("a != 1", ComparisonOperator.NE),
        ("a < 1", ComparisonOperator.LT),
        ("a <= 1", ComparisonOperator.LE),
        ("a > 1", ComparisonOperator.GT),
        ("a >= 1", ComparisonOperator.GE),
        ("a>=1", ComparisonOperator.GE),
    ],
)
def test_each_comparison_operator_is_read(text: str, operator: ComparisonOperator) -> None:
    assert parse_where(text) == Comparison(Field("a"), operator, IntegerLiteral(1))


def test_and_binds_tighter_than_or() -> None:
    assert parse_where("a = 1 OR b = 2 AND c = 3") == Or(
        (_eq("a", 1), And((_eq("b", 2), _eq("c", 3))))
    )


def test_parentheses_override_precedence_and_are_kept() -> None:
    assert parse_where("(a = 1 OR b = 2) AND c = 3") == And(
        (Group(Or((_eq("a", 1), _eq("b", 2)))), _eq("c", 3))
    )


def test_chains_of_the_same_operator_are_flat() -> None:
    assert parse_where("a = 1 and b = 2 and c = 3") == And((_eq("a", 1), _eq("b", 2), _eq("c", 3)))
    assert parse_where("a = 1 or b = 2 or c = 3") == Or((_eq("a", 1), _eq("b", 2), _eq("c", 3)))


def test_keywords_are_case_insensitive() -> None:
    lower = parse_where("a like 'x%' and b in (1) or c is not null and d not in (2)")
    upper = parse_where("a LIKE 'x%' AND b IN (1) OR c IS NOT NULL AND d NOT IN (2)")
    mixed = parse_where("a Like 'x%' And b In (1) Or c Is Not Null aNd d nOt iN (2)")
    assert lower == upper == mixed


def test_doubled_quote_inside_a_string_is_one_quote() -> None:
    assert parse_where("Name='Churro''s TestDude'") == _eq("Name", "Churro's TestDude")


def test_empty_string_and_string_of_quotes() -> None:
    assert parse_where("a = ''") == _eq("a", "")
    assert parse_where("a = ''''''") == _eq("a", "''")


@pytest.mark.parametrize(
    ("text", "literal"),
    [
        ("100000", IntegerLiteral(100000)),
        ("-7", IntegerLiteral(-7)),
        ("2.50", DecimalLiteral(Decimal("2.50"))),
        ("-0.5", DecimalLiteral(Decimal("-0.5"))),
        ("true", BooleanLiteral(True)),
        ("FALSE", BooleanLiteral(False)),
        ("'true'", StringLiteral("true")),
        ("2026-04-01", DateLiteral(date(2026, 4, 1))),
        ("2026-04-01T09:30", DateTimeLiteral(datetime(2026, 4, 1, 9, 30))),
        ("2014-01-15T00:00:00.000Z", DateTimeLiteral(datetime(2014, 1, 15, tzinfo=UTC))),
        (
            "2015-01-06T09:31:38-07:00",
            DateTimeLiteral(datetime(2015, 1, 6, 9, 31, 38, tzinfo=timezone(timedelta(hours=-7)))),
        ),
        ("'2014-01-15T00:00:00.000Z'", StringLiteral("2014-01-15T00:00:00.000Z")),
    ],
)
def test_literals_keep_the_kind_they_were_written_as(text: str, literal: object) -> None:
    assert parse_where(f"a = {text}") == Comparison(Field("a"), ComparisonOperator.EQ, literal)  # type: ignore[arg-type]


def test_dotted_and_backticked_names_are_the_same_field() -> None:
    dotted = parse_where("start.dateTime >= '2026-04-01'")
    quoted = parse_where("`start.dateTime` >= '2026-04-01'")
    assert dotted == quoted
    assert isinstance(dotted, Comparison)
    assert dotted.field.path == ("start", "dateTime")


def test_backticks_allow_any_character_but_a_backtick() -> None:
    expression = parse_where("`odd name (1)` = 1 and `and` = 2")
    assert expression == And((_eq("odd name (1)", 1), _eq("and", 2)))


def test_in_list_with_mixed_literals_and_negation() -> None:
    assert parse_where("id in (10300, 'x', 1.5)") == InList(
        Field("id"), (IntegerLiteral(10300), StringLiteral("x"), DecimalLiteral(Decimal("1.5")))
    )
    assert parse_where("id NOT IN ('a')") == InList(
        Field("id"), (StringLiteral("a"),), negated=True
    )


def test_like_keeps_the_pattern_verbatim() -> None:
    assert parse_where("subject like '%50_% off''s%'") == Like(Field("subject"), "%50_% off's%")


def test_is_null_and_is_not_null() -> None:
    assert parse_where("a IS NULL") == IsNull(Field("a"))
    assert parse_where("a is not null") == IsNull(Field("a"), negated=True)


def test_whitespace_and_newlines_between_tokens_are_free() -> None:
    assert parse_where("\n a\t=\n1 \n") == _eq("a", 1)


def test_names_starting_with_keywords_are_names() -> None:
    assert parse_where("isAllDay = true and notes = 'x' and index in (1)") == And(
        (
            Comparison(Field("isAllDay"), ComparisonOperator.EQ, BooleanLiteral(True)),
            _eq("notes", "x"),
            InList(Field("index"), (IntegerLiteral(1),)),
        )
    )


def test_order_by_reads_fields_and_directions() -> None:
    assert parse_order_by("start.dateTime desc, subject, `name` ASC") == (
        OrderTerm(Field("start.dateTime"), SortDirection.DESC),
        OrderTerm(Field("subject")),
        OrderTerm(Field("name"), SortDirection.ASC),
    )


def test_fields_reads_a_comma_list() -> None:
    assert parse_fields("id,subject , start.dateTime") == (
        Field("id"),
        Field("subject"),
        Field("start.dateTime"),
    )
