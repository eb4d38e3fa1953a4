"""CEQL text → syntax tree, with LALR (spec §9.7) and errors that say where and what (§9.5)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedInput
from lark.parsers.lalr_interactive_parser import InteractiveParser

from openelements.ceql.errors import CeqlSyntaxError
from openelements.ceql.nodes import (
    And,
    BooleanLiteral,
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
)
from openelements.ceql.syntax_messages import describe_failure

__all__ = ["MAX_NESTING", "parse_fields", "parse_order_by", "parse_where"]

# Deeper parentheses are refused: printers and translators recurse over the tree.
MAX_NESTING = 32


def parse_where(text: str) -> Expression:
    """Parse a `where` value. Raises `CeqlSyntaxError`."""
    result: Expression = _parse(text, "where")
    return result


def parse_order_by(text: str) -> tuple[OrderTerm, ...]:
    """Parse an `orderBy` value: `field [asc|desc], …`. Raises `CeqlSyntaxError`."""
    result: tuple[OrderTerm, ...] = _parse(text, "order_by")
    return result


def parse_fields(text: str) -> tuple[Field, ...]:
    """Parse a `fields` value: `field, …`. Raises `CeqlSyntaxError`."""
    result: tuple[Field, ...] = _parse(text, "fields")
    return result


def _parse(text: str, start: str) -> Any:
    interactive = _lark(start).parse_interactive(text, start=start)
    previous: Token | None = None
    depth = 0
    try:
        for token in interactive.iter_parse():
            depth += {"LPAR": 1, "RPAR": -1}.get(token.type, 0)
            if depth > MAX_NESTING:
                raise _nesting_error(text, token)
            previous = token
        return interactive.feed_eof(previous)  # type: ignore[no-untyped-call]
    except _InvalidLiteral as invalid:
        raise _literal_error(text, invalid) from None
    except UnexpectedInput as failure:
        accepted = _accepted_terminals(interactive, failure)
        raise describe_failure(text, failure, previous=previous, accepted=accepted) from None


def _accepted_terminals(interactive: InteractiveParser, failure: UnexpectedInput) -> set[str]:
    """What the parser would take next, exactly (the lexer's own set is a merged superset)."""
    try:
        return set(interactive.accepts())  # type: ignore[no-untyped-call]
    except UnexpectedInput:
        return set(getattr(failure, "expected", None) or getattr(failure, "allowed", None) or ())


def _nesting_error(text: str, token: Token) -> CeqlSyntaxError:
    offset = token.start_pos or 0
    line, column = token.line or 1, token.column or 1
    return CeqlSyntaxError(
        f"Error parsing query: parentheses nested deeper than {MAX_NESTING} "
        f"at {_where_in(text, line, column)}",
        offset=offset,
        line=line,
        column=column,
    )


def _where_in(text: str, line: int, column: int) -> str:
    return f"line {line}, column {column}" if "\n" in text else f"column {column}"


@cache
def _lark(start: str) -> Lark:
    """One parser per entry point, so each error lists only what that entry point accepts."""
    grammar = resources.files("openelements.ceql").joinpath("grammar.lark").read_text("utf-8")
    return Lark(
        grammar,
        parser="lalr",
        lexer="contextual",
        start=start,
        transformer=_TreeBuilder(),
        maybe_placeholders=False,
    )


class _InvalidLiteral(Exception):
    """Raised inside the parse when a token has the right shape but no meaning (`2015-13-01`)."""

    def __init__(self, token: Token, what: str) -> None:
        super().__init__(what)
        self.token = token
        self.what = what


def _literal_error(text: str, invalid: _InvalidLiteral) -> CeqlSyntaxError:
    token = invalid.token
    line, column = token.line or 1, token.column or 1
    return CeqlSyntaxError(
        f"Error parsing query: invalid {invalid.what} {str(token)!r} "
        f"at {_where_in(text, line, column)}",
        offset=token.start_pos or 0,
        line=line,
        column=column,
        expected=(f"a valid {invalid.what}",),
    )


class _TreeBuilder(Transformer[Token, Any]):
    """Called by the LALR parser on each reduction (no recursion, no intermediate tree)."""

    def where(self, children: list[Expression]) -> Expression:
        return children[0]

    def or_expr(self, children: list[Term | And]) -> Expression:
        return children[0] if len(children) == 1 else Or(tuple(children))

    def and_expr(self, children: list[Term]) -> Term | And:
        return children[0] if len(children) == 1 else And(tuple(children))

    def group(self, children: list[Any]) -> Group:
        _, inner, _ = children
        return Group(inner)

    def comparison(self, children: list[Any]) -> Comparison:
        field, operator, value = children
        return Comparison(field, ComparisonOperator(str(operator)), value)

    def in_list(self, children: list[Any]) -> InList:
        negated = isinstance(children[1], Token) and children[1].type == "NOT"
        values = tuple(child for child in children[1:] if not isinstance(child, Token))
        return InList(children[0], values, negated=negated)

    def like(self, children: list[Any]) -> Like:
        field, pattern = children
        return Like(field, pattern.value)

    def is_null(self, children: list[Any]) -> IsNull:
        return IsNull(children[0], negated=len(children) == 2)

    def field(self, children: list[Token]) -> Field:
        text = str(children[0])
        return Field(text[1:-1] if children[0].type == "QUOTED_NAME" else text)

    def string(self, children: list[Token]) -> StringLiteral:
        return StringLiteral(str(children[0])[1:-1].replace("''", "'"))

    def integer(self, children: list[Token]) -> IntegerLiteral:
        return IntegerLiteral(int(children[0]))

    def decimal(self, children: list[Token]) -> DecimalLiteral:
        return DecimalLiteral(Decimal(str(children[0])))

    def boolean(self, children: list[Token]) -> BooleanLiteral:
        return BooleanLiteral(children[0].type == "TRUE")

    def date_time(self, children: list[Token]) -> Literal:
        token = children[0]
        try:
            if "T" in token:
                return DateTimeLiteral(datetime.fromisoformat(str(token)))
            return DateLiteral(date.fromisoformat(str(token)))
        except ValueError:
            raise _InvalidLiteral(token, "date-time" if "T" in token else "date") from None

    def order_by(self, children: list[OrderTerm]) -> tuple[OrderTerm, ...]:
        return tuple(children)

    def order_term(self, children: list[Any]) -> OrderTerm:
        if len(children) == 1:
            return OrderTerm(children[0])
        return OrderTerm(children[0], SortDirection(str(children[1]).lower()))

    def fields(self, children: list[Field]) -> tuple[Field, ...]:
        return tuple(children)
