"""`GET /accounts?where=…`: a CEQL expression (spec §9.2) turned into a SQL condition.

Fields are the account's JSON names: `id`, `name`, `description`, `externalId`, `active`,
`defaultAccount`, `createdDate`. Each takes literals of its own kind only (`active = true`,
`id IN (7, 8)`, `name LIKE 'Acme%'`, `createdDate >= '2025-01-01'` or a bare date); anything
else is refused with a 400 that names the field. `createdDate` is a day, so it compares against
the UTC day of the row's creation time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, and_, false, not_, or_, true
from sqlalchemy.orm import InstrumentedAttribute

from openelements.ceql import (
    And,
    BooleanLiteral,
    CeqlUnsupported,
    Comparison,
    ComparisonOperator,
    DateLiteral,
    Expression,
    Group,
    InList,
    IntegerLiteral,
    IsNull,
    Like,
    Literal,
    Or,
    StringLiteral,
    parse_where,
)
from openelements.kit.ids import MAX_OBJECT_ID
from openelements.platform.models import Account

Condition = ColumnElement[bool]
Value = str | int | bool

_TEXT: dict[str, InstrumentedAttribute[str] | InstrumentedAttribute[str | None]] = {
    "name": Account.name,
    "description": Account.description,
    "externalId": Account.external_id,
}
_FLAGS: dict[str, InstrumentedAttribute[bool]] = {
    "active": Account.active,
    "defaultAccount": Account.is_default,
}
_FIELDS = ", ".join(["id", *_TEXT, *_FLAGS, "createdDate"])
_COMPARE: dict[ComparisonOperator, Callable[[ColumnElement[Value], Value], Condition]] = {
    ComparisonOperator.EQ: lambda column, value: column == value,
    ComparisonOperator.NE: lambda column, value: column != value,
    ComparisonOperator.LT: lambda column, value: column < value,
    ComparisonOperator.LE: lambda column, value: column <= value,
    ComparisonOperator.GT: lambda column, value: column > value,
    ComparisonOperator.GE: lambda column, value: column >= value,
}


def account_condition(where: str) -> Condition:
    """The SQL condition for ``where``; `CeqlError` (400) when it cannot be one."""
    return _expression(parse_where(where))


def _expression(node: Expression) -> Condition:
    if isinstance(node, Or):
        return or_(*(_expression(operand) for operand in node.operands))
    if isinstance(node, And):
        return and_(*(_expression(operand) for operand in node.operands))
    if isinstance(node, Group):
        return _expression(node.inner)
    if node.field.name == "createdDate":
        return _created(node)
    return _predicate(node, column=_column(node.field.name))


def _predicate(
    node: Comparison | InList | Like | IsNull, *, column: ColumnElement[Value]
) -> Condition:
    name = node.field.name
    if isinstance(node, Comparison):
        return _COMPARE[node.operator](column, _value(name, node.value))
    if isinstance(node, InList):
        condition = column.in_([_value(name, value) for value in node.values])
        return not_(condition) if node.negated else condition
    if isinstance(node, IsNull):
        return column.is_not(None) if node.negated else column.is_(None)
    if name not in _TEXT:
        raise _refused(f"Error parsing query: LIKE applies to text fields, not {name}", term=name)
    return column.like(_like_pattern(node.pattern), escape="\\")


def _column(name: str) -> ColumnElement[Value]:
    if name == "id":
        return Account.id  # type: ignore[return-value]
    column = _TEXT.get(name) or _FLAGS.get(name)
    if column is None:
        raise _refused(
            f"Error parsing query: unknown field {name}; accounts have {_FIELDS}", term=name
        )
    return column  # type: ignore[return-value]


def _value(name: str, literal: Literal) -> Value:
    if name == "id" and isinstance(literal, IntegerLiteral):
        if abs(literal.value) > MAX_OBJECT_ID:
            raise _refused("Error parsing query: id is out of range", term=name)
        return literal.value
    if name in _TEXT and isinstance(literal, StringLiteral):
        return _text(literal.value)
    if name in _FLAGS and isinstance(literal, BooleanLiteral):
        return literal.value
    kind = "an integer" if name == "id" else "a string" if name in _TEXT else "true or false"
    raise _refused(f"Error parsing query: {name} takes {kind}", term=name)


def _refused(message: str, *, term: str) -> CeqlUnsupported:
    return CeqlUnsupported(message, term=term, resource="accounts")


def _text(value: str) -> str:
    if "\x00" in value:
        raise _refused("Error parsing query: strings must not contain NUL", term="string")
    return value


def _like_pattern(pattern: str) -> str:
    """CEQL's only wildcard is `%`; `_` and the escape character are literal (D42)."""
    return _text(pattern).replace("\\", "\\\\").replace("_", "\\_")


def _created(node: Comparison | InList | Like | IsNull) -> Condition:
    if not isinstance(node, Comparison):
        raise _refused(
            "Error parsing query: createdDate takes =, !=, <, <=, > or >=", term="createdDate"
        )
    day = _day(node.value)
    column = Account.created_at
    start = datetime.combine(day, time(), tzinfo=UTC)
    # The day after 9999-12-31 is not a datetime: nothing is created after it.
    end = None if day == date.max else start + timedelta(days=1)
    before_end = true() if end is None else column < end
    from_end = false() if end is None else column >= end
    return {
        ComparisonOperator.EQ: and_(column >= start, before_end),
        ComparisonOperator.NE: or_(column < start, from_end),
        ComparisonOperator.LT: column < start,
        ComparisonOperator.LE: before_end,
        ComparisonOperator.GT: from_end,
        ComparisonOperator.GE: column >= start,
    }.get(node.operator, false())


def _day(literal: Literal) -> date:
    if isinstance(literal, DateLiteral):
        return literal.value
    if isinstance(literal, StringLiteral):
        try:
            return date.fromisoformat(literal.value)
        except ValueError:
            pass
    raise _refused(
        "Error parsing query: createdDate takes a date such as '2025-01-10'", term="createdDate"
    )
