"""Rejected CEQL: 400 errors that say where and what was expected (spec §9.5)."""

from __future__ import annotations

import pytest

from openelements.ceql import (
    MAX_NESTING,
    CeqlError,
    CeqlSyntaxError,
    parse_fields,
    parse_order_by,
    parse_where,
)
from openelements.kit.errors import BadRequest


def _error(text: str) -> CeqlSyntaxError:
    with pytest.raises(CeqlSyntaxError) as caught:
        parse_where(text)
    return caught.value


def test_missing_value_names_the_operator_and_column() -> None:
    error = _error("subject=")
    assert str(error) == (
        "Error parsing query: expected a value after '=' at column 9, found the end of the query"
    )
    assert (error.offset, error.line, error.column) == (8, 1, 9)
    assert error.expected == ("a value",)


def test_syntax_errors_are_bad_requests() -> None:
    error = _error("a = ")
    assert isinstance(error, CeqlError)
    assert isinstance(error, BadRequest)
    assert error.status == 400
    assert error.message.startswith("Error parsing query")


@pytest.mark.parametrize(
    ("text", "column", "expected", "found"),
    [
        ("a = 1 andb = 2", 7, ("AND", "OR", "the end of the query"), "'andb'"),
        ("a <> 1", 4, ("a value",), "'>'"),
        ("(a = 1", 7, ("')'",), "the end of the query"),
        ("a = 1)", 6, ("the end of the query",), "')'"),
        ("", 1, ("a field name", "'('"), "the end of the query"),
        ("a = 1 and", 10, ("a field name", "'('"), "the end of the query"),
        ("a in ()", 7, ("a value",), "')'"),
        ("a in (1 2)", 9, ("')'", "','"), "'2'"),
        ("x is", 5, ("NOT", "NULL"), "the end of the query"),
        ("a not like 'x'", 7, ("IN",), "'like'"),
        ("a between 1 and 2", 3, ("a comparison operator", "IN", "NOT", "LIKE", "IS"), "'between'"),
        ("not (a = 1)", 5, ("a comparison operator", "IN", "NOT", "LIKE", "IS"), "'('"),
        ("a = null", 5, ("a value",), "'null'"),
        ("a = 'open", 5, ("a value",), '"\'open"'),
        ("a like 5", 8, ("a value",), "'5'"),
        ("a = 12abc", 5, ("a value",), "'12abc'"),
        ("a = 2015-01-06T09", 5, ("a value",), "'2015-01-06T09'"),
        ("`` = 1", 1, ("a field name", "'('"), "'``'"),
    ],
)
def test_rejected_queries_report_position_expectation_and_what_was_found(
    text: str, column: int, expected: tuple[str, ...], found: str
) -> None:
    error = _error(text)
    assert error.column == column
    assert error.offset == column - 1
    assert error.expected == expected
    assert f"at column {column}" in str(error)
    assert str(error).endswith(f", found {found}")


def test_multi_line_queries_report_line_and_column() -> None:
    error = _error("a = 1 and\n  b ? 2")
    assert (error.line, error.column, error.offset) == (2, 5, 14)
    assert "after 'b' at line 2, column 5, found '?'" in str(error)


def test_invalid_calendar_dates_are_syntax_errors_at_the_literal() -> None:
    error = _error("a >= 2015-13-01")
    assert str(error) == "Error parsing query: invalid date '2015-13-01' at column 6"
    assert error.column == 6
    invalid_time = _error("a >= 2015-01-01T25:00")
    assert "invalid date-time '2015-01-01T25:00'" in str(invalid_time)


def test_nesting_is_bounded() -> None:
    text = "(" * (MAX_NESTING + 1) + "a = 1" + ")" * (MAX_NESTING + 1)
    error = _error(text)
    assert "nested deeper than" in str(error)
    assert error.column == MAX_NESTING + 1


def test_nesting_at_the_limit_is_accepted() -> None:
    parse_where("(" * MAX_NESTING + "a = 1" + ")" * MAX_NESTING)


def test_order_by_errors_list_only_what_order_by_accepts() -> None:
    with pytest.raises(CeqlSyntaxError) as caught:
        parse_order_by("start.dateTime down")
    assert caught.value.expected == ("ASC or DESC", "','", "the end of the query")
    assert str(caught.value).startswith("Error parsing query: expected ASC or DESC")


def test_fields_errors_list_only_what_fields_accepts() -> None:
    with pytest.raises(CeqlSyntaxError) as caught:
        parse_fields("id,,subject")
    assert caught.value.expected == ("a field name",)
    assert caught.value.column == 4


def test_invalid_dates_on_later_lines_report_the_line() -> None:
    error = _error("a = 1 and\n b = 2026-02-30")
    assert (error.line, error.column, error.offset) == (2, 6, 15)
    assert str(error) == "Error parsing query: invalid date '2026-02-30' at line 2, column 6"
