"""The typed CEQL syntax tree (spec §9.2, D41).

The tree keeps the shape the grammar gives a query, so that printing and parsing again yields the
same tree:

- `Or` holds two or more operands, none of them an `Or`;
- `And` holds two or more operands, none of them an `And` or an `Or`;
- parentheses written in the query are a `Group`, so translators can keep them explicit (D42).

Literals keep the kind they were written as; what a literal means for a given property is the
translator's business ("rendering depends on the property's type", D42).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum

__all__ = [
    "And",
    "BooleanLiteral",
    "Comparison",
    "ComparisonOperator",
    "DateLiteral",
    "DateTimeLiteral",
    "DecimalLiteral",
    "Expression",
    "Field",
    "Group",
    "InList",
    "IntegerLiteral",
    "IsNull",
    "Like",
    "Literal",
    "Or",
    "OrderTerm",
    "Predicate",
    "SortDirection",
    "StringLiteral",
    "Term",
    "rename_fields",
]

_NAME_SEGMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True, slots=True)
class Field:
    """A column: `start.dateTime`, or anything between backticks (`` `a b` ``).

    `name` is the text without backticks; dots in it separate path segments.
    """

    name: str

    def __post_init__(self) -> None:
        if not self.name or "`" in self.name:
            raise ValueError(f"invalid field name {self.name!r}")

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(self.name.split("."))

    @property
    def is_plain(self) -> bool:
        """True when the name can be written without backticks."""
        return all(_NAME_SEGMENT.fullmatch(segment) for segment in self.path)


@dataclass(frozen=True, slots=True)
class StringLiteral:
    value: str


@dataclass(frozen=True, slots=True)
class IntegerLiteral:
    value: int


@dataclass(frozen=True, slots=True)
class DecimalLiteral:
    value: Decimal

    def __post_init__(self) -> None:
        if not self.value.is_finite():
            raise ValueError(f"decimal literal must be finite, got {self.value}")


@dataclass(frozen=True, slots=True)
class BooleanLiteral:
    value: bool


@dataclass(frozen=True, slots=True)
class DateLiteral:
    """A bare ISO-8601 date: `2026-04-01`."""

    value: date

    def __post_init__(self) -> None:
        if isinstance(self.value, datetime):
            raise TypeError("use DateTimeLiteral for a datetime")


@dataclass(frozen=True, slots=True)
class DateTimeLiteral:
    """A bare ISO-8601 date-time, with or without an offset: `2015-01-06T09:31:38-07:00`."""

    value: datetime

    def __post_init__(self) -> None:
        offset = self.value.utcoffset()
        if offset is not None and offset % timedelta(minutes=1):
            raise ValueError("a date-time offset must be whole minutes")


Literal = (
    StringLiteral | IntegerLiteral | DecimalLiteral | BooleanLiteral | DateLiteral | DateTimeLiteral
)


class ComparisonOperator(Enum):
    EQ = "="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="


@dataclass(frozen=True, slots=True)
class Comparison:
    field: Field
    operator: ComparisonOperator
    value: Literal


@dataclass(frozen=True, slots=True)
class InList:
    """`field IN (v, …)`, or `field NOT IN (v, …)` when `negated`."""

    field: Field
    values: tuple[Literal, ...]
    negated: bool = False

    def __post_init__(self) -> None:
        if not self.values:
            raise ValueError("IN needs at least one value")


@dataclass(frozen=True, slots=True)
class Like:
    """`field LIKE 'pattern'`; `%` is the only wildcard, `_` is literal (D42)."""

    field: Field
    pattern: str


@dataclass(frozen=True, slots=True)
class IsNull:
    """`field IS NULL`, or `field IS NOT NULL` when `negated`."""

    field: Field
    negated: bool = False


Predicate = Comparison | InList | Like | IsNull


@dataclass(frozen=True, slots=True)
class Group:
    """A parenthesized expression, kept as written."""

    inner: Expression


Term = Predicate | Group


@dataclass(frozen=True, slots=True)
class And:
    operands: tuple[Term, ...]

    def __post_init__(self) -> None:
        _check_operands("And", self.operands, forbidden=(And, Or))


@dataclass(frozen=True, slots=True)
class Or:
    operands: tuple[Term | And, ...]

    def __post_init__(self) -> None:
        _check_operands("Or", self.operands, forbidden=(Or,))


Expression = Term | And | Or


def _check_operands(
    kind: str, operands: tuple[object, ...], *, forbidden: tuple[type, ...]
) -> None:
    if len(operands) < 2:
        raise ValueError(f"{kind} needs at least two operands")
    if any(isinstance(operand, forbidden) for operand in operands):
        raise ValueError(f"{kind} cannot hold {', '.join(t.__name__ for t in forbidden)} directly")


class SortDirection(Enum):
    ASC = "asc"
    DESC = "desc"


@dataclass(frozen=True, slots=True)
class OrderTerm:
    """One `orderBy` item: `start.dateTime desc`. The direction defaults to ascending (§9.4)."""

    field: Field
    direction: SortDirection = SortDirection.ASC


def rename_fields(expression: Expression, rename: Callable[[Field], Field]) -> Expression:
    """The same expression with every field passed through `rename`.

    Common resources (§9.3, §12.8) use this to turn common field names into vendor paths before
    the translation checks them.
    """
    match expression:
        case Group(inner):
            return Group(rename_fields(inner, rename))
        case And(operands):
            return And(tuple(_rename_term(operand, rename) for operand in operands))
        case Or(operands):
            return Or(tuple(_rename_conjunct(operand, rename) for operand in operands))
        case _:
            return replace(expression, field=rename(expression.field))


def _rename_term(term: Term, rename: Callable[[Field], Field]) -> Term:
    renamed = rename_fields(term, rename)
    assert not isinstance(renamed, And | Or)
    return renamed


def _rename_conjunct(term: Term | And, rename: Callable[[Field], Field]) -> Term | And:
    renamed = rename_fields(term, rename)
    assert not isinstance(renamed, Or)
    return renamed
