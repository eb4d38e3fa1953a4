"""Canonical CEQL text for a syntax tree: `parse_where(format_where(e)) == e` for every tree.

Canonical form: upper-case keywords, one space around operators, `, ` between list items,
backticks only where a name needs them, strings single-quoted with `'` doubled.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from openelements.ceql.nodes import (
    And,
    BooleanLiteral,
    Comparison,
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
)

__all__ = [
    "format_field",
    "format_fields",
    "format_literal",
    "format_order_by",
    "format_where",
    "quote_string",
]

# Names the lexer could read as keywords are written in backticks, to be safe in any position.
_KEYWORDS = frozenset(
    {"and", "or", "in", "like", "is", "null", "not", "true", "false", "asc", "desc"}
)


def format_where(expression: Expression) -> str:
    match expression:
        case Or(operands):
            return " OR ".join(format_where(operand) for operand in operands)
        case And(operands):
            return " AND ".join(format_where(operand) for operand in operands)
        case Group(inner):
            return f"({format_where(inner)})"
        case Comparison(field, operator, value):
            return f"{format_field(field)} {operator.value} {format_literal(value)}"
        case InList(field, values, negated):
            keyword = "NOT IN" if negated else "IN"
            return f"{format_field(field)} {keyword} ({_comma_list(map(format_literal, values))})"
        case Like(field, pattern):
            return f"{format_field(field)} LIKE {quote_string(pattern)}"
        case IsNull(field, negated):
            return f"{format_field(field)} IS {'NOT NULL' if negated else 'NULL'}"


def format_order_by(terms: Iterable[OrderTerm]) -> str:
    return _comma_list(_format_order_term(term) for term in terms)


def format_fields(fields: Iterable[Field]) -> str:
    return _comma_list(format_field(field) for field in fields)


def format_field(field: Field) -> str:
    if field.is_plain and not any(segment.lower() in _KEYWORDS for segment in field.path):
        return field.name
    return f"`{field.name}`"


def format_literal(literal: Literal) -> str:
    match literal:
        case StringLiteral(value):
            return quote_string(value)
        case IntegerLiteral(value):
            return str(value)
        case DecimalLiteral(value):
            return _format_decimal(value)
        case BooleanLiteral(value):
            return "true" if value else "false"
        case DateLiteral(value) | DateTimeLiteral(value):
            return value.isoformat()


def quote_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _format_decimal(value: Decimal) -> str:
    # Positional notation always, with a point, so the text reads back as a decimal.
    text = format(value, "f")
    return text if "." in text else f"{text}.0"


def _format_order_term(term: OrderTerm) -> str:
    name = format_field(term.field)
    return f"{name} DESC" if term.direction is SortDirection.DESC else name


def _comma_list(items: Iterable[str]) -> str:
    return ", ".join(items)
