"""The tree's shape rules, the canonical printer, and field renaming."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from openelements.ceql import (
    And,
    Comparison,
    ComparisonOperator,
    DateLiteral,
    DateTimeLiteral,
    DecimalLiteral,
    Field,
    Group,
    IntegerLiteral,
    IsNull,
    Or,
    format_field,
    format_where,
    parse_where,
    rename_fields,
)

_A = IsNull(Field("a"))
_B = IsNull(Field("b"))


def test_and_and_or_need_two_operands() -> None:
    with pytest.raises(ValueError, match="two operands"):
        And((_A,))
    with pytest.raises(ValueError, match="two operands"):
        Or((_A,))


def test_an_or_inside_an_and_must_be_grouped() -> None:
    with pytest.raises(ValueError, match="cannot hold"):
        And((_A, Or((_A, _B))))  # type: ignore[arg-type]
    And((_A, Group(Or((_A, _B)))))


def test_nested_same_operators_are_refused() -> None:
    with pytest.raises(ValueError, match="cannot hold"):
        Or((_A, Or((_A, _B))))  # type: ignore[arg-type]


def test_field_names_cannot_be_empty_or_hold_backticks() -> None:
    with pytest.raises(ValueError, match="invalid field name"):
        Field("")
    with pytest.raises(ValueError, match="invalid field name"):
        Field("a`b")


def test_literal_invariants() -> None:
    with pytest.raises(ValueError, match="finite"):
        DecimalLiteral(Decimal("NaN"))
    with pytest.raises(TypeError):
        DateLiteral(datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="whole minutes"):
        DateTimeLiteral(datetime(2026, 1, 1, tzinfo=timezone(timedelta(seconds=30))))


def test_canonical_text_uppercases_keywords_and_spaces_operators() -> None:
    text = "a like 'x%' and (b in (1,2) or c is not null) or `d e`>=2026-04-01"
    assert format_where(parse_where(text)) == (
        "a LIKE 'x%' AND (b IN (1, 2) OR c IS NOT NULL) OR `d e` >= 2026-04-01"
    )


def test_names_that_look_like_keywords_are_backticked() -> None:
    assert format_field(Field("and")) == "`and`"
    assert format_field(Field("meta.null")) == "`meta.null`"
    assert format_field(Field("start.dateTime")) == "start.dateTime"


def test_decimals_always_print_with_a_point() -> None:
    literal = DecimalLiteral(Decimal("1E+3"))
    text = format_where(Comparison(Field("n"), ComparisonOperator.EQ, literal))
    assert text == "n = 1000.0"
    assert parse_where(text) == Comparison(Field("n"), ComparisonOperator.EQ, literal)


def test_dates_print_in_iso_form() -> None:
    value = DateTimeLiteral(datetime(2015, 1, 6, 9, 31, 38, tzinfo=timezone(-timedelta(hours=7))))
    assert format_where(Comparison(Field("t"), ComparisonOperator.GT, value)) == (
        "t > 2015-01-06T09:31:38-07:00"
    )
    day = DateLiteral(date(2026, 4, 1))
    assert format_where(Comparison(Field("d"), ComparisonOperator.LT, day)) == "d < 2026-04-01"


def test_rename_fields_reaches_every_predicate() -> None:
    expression = parse_where("a = 1 or (b is null and c in (2)) or d like 'x%'")
    renamed = rename_fields(expression, lambda field: Field(f"vendor.{field.name}"))
    assert format_where(renamed) == (
        "vendor.a = 1 OR (vendor.b IS NULL AND vendor.c IN (2)) OR vendor.d LIKE 'x%'"
    )


def test_rename_fields_keeps_literals() -> None:
    expression = Comparison(Field("a"), ComparisonOperator.EQ, IntegerLiteral(1))
    assert rename_fields(expression, lambda _: Field("z")) == Comparison(
        Field("z"), ComparisonOperator.EQ, IntegerLiteral(1)
    )
