"""The `$filter` subset the emulator evaluates (G16).

Supported: `eq ne gt ge lt le`, `and or not`, parentheses, `startswith(field,'x')`,
`contains(field,'x')`, `null`, string / number / boolean literals and unquoted DateTimeOffset
literals, on the fields of a `FieldTable` (slash paths). Anything else raises `FilterError`
(answered as `400 BadRequest "This filter query is not supported."`). A filter compiles once into a
predicate. String comparisons ignore case, as Exchange does; `start/dateTime` and `end/dateTime`
compare as text, as observed on the real service.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from msgraph_emulator.graph.wire_time import WireTimeError, parse_offset

T = TypeVar("T")
Predicate = Callable[[T], bool]

STRING, TEXT_TIME, DATETIME, BOOLEAN, NUMBER = "string", "textTime", "datetime", "boolean", "number"

_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')"
    r"|(?P<datetime>\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?)"
    r"|(?P<number>-?\d+(?:\.\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:/[A-Za-z_][A-Za-z0-9_]*)*)"
    r"|(?P<punct>[(),]))"
)
_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "gt": operator.gt,
    "ge": operator.ge,
    "lt": operator.lt,
    "le": operator.le,
}
_FUNCTIONS = ("startswith", "contains")


class FilterError(ValueError):
    pass


@dataclass(frozen=True)
class Field(Generic[T]):
    kind: str
    read: Callable[[T], Any]


FieldTable = Mapping[str, Field[T]]


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str


def _tokenize(text: str) -> list[_Token]:
    tokens, position = [], 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise FilterError(f"unexpected character at {position}")
        kind = match.lastgroup or ""
        tokens.append(_Token(kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser(Generic[T]):
    def __init__(self, tokens: list[_Token], fields: FieldTable[T]) -> None:
        self.tokens = tokens
        self.position = 0
        self.fields = fields

    def peek(self) -> _Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self, text: str | None = None) -> _Token:
        token = self.peek()
        if token is None or (text is not None and token.text.lower() != text):
            raise FilterError(f"expected {text or 'a token'}")
        self.position += 1
        return token

    def at_word(self, word: str) -> bool:
        token = self.peek()
        return token is not None and token.kind == "name" and token.text.lower() == word

    def parse(self) -> Predicate[T]:
        predicate = self.disjunction()
        if self.peek() is not None:
            raise FilterError("trailing input")
        return predicate

    def disjunction(self) -> Predicate[T]:
        parts = [self.conjunction()]
        while self.at_word("or"):
            self.take()
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else (lambda item: any(p(item) for p in parts))

    def conjunction(self) -> Predicate[T]:
        parts = [self.negation()]
        while self.at_word("and"):
            self.take()
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else (lambda item: all(p(item) for p in parts))

    def negation(self) -> Predicate[T]:
        if self.at_word("not"):
            self.take()
            inner = self.negation()
            return lambda item: not inner(item)
        return self.primary()

    def primary(self) -> Predicate[T]:
        token = self.peek()
        if token is not None and token.text == "(":
            self.take("(")
            inner = self.disjunction()
            self.take(")")
            return inner
        if token is not None and token.kind == "name" and token.text.lower() in _FUNCTIONS:
            return self.function()
        return self.comparison()

    def field(self) -> Field[T]:
        token = self.take()
        found = self.fields.get(token.text) if token.kind == "name" else None
        if found is None:
            raise FilterError(f"unsupported field {token.text}")
        return found

    def function(self) -> Predicate[T]:
        name = self.take().text.lower()
        self.take("(")
        field = self.field()
        self.take(",")
        literal = self.take()
        self.take(")")
        if field.kind != STRING or literal.kind != "string":
            raise FilterError(f"{name} needs a string field and a string")
        needle = _unquote(literal.text).casefold()
        read = field.read
        if name == "startswith":
            return lambda item: (read(item) or "").casefold().startswith(needle)
        return lambda item: needle in (read(item) or "").casefold()

    def comparison(self) -> Predicate[T]:
        field = self.field()
        op_token = self.take()
        compare = _COMPARISONS.get(op_token.text.lower())
        if op_token.kind != "name" or compare is None:
            raise FilterError(f"unsupported operator {op_token.text}")
        literal = _literal(field.kind, self.take())
        return _compiled(field, compare, literal, equality=op_token.text.lower() in ("eq", "ne"))


def _unquote(text: str) -> str:
    return text[1:-1].replace("''", "'")


_NULL = object()


def _literal(kind: str, token: _Token) -> Any:
    if token.kind == "name" and token.text.lower() == "null":
        return _NULL
    if kind in (STRING, TEXT_TIME) and token.kind in ("string", "datetime"):
        value = _unquote(token.text) if token.kind == "string" else token.text
        return value.casefold() if kind == STRING else value
    if kind == BOOLEAN and token.kind == "name" and token.text.lower() in ("true", "false"):
        return token.text.lower() == "true"
    if kind == NUMBER and token.kind == "number":
        return float(token.text)
    if kind == DATETIME and token.kind in ("datetime", "string"):
        text = _unquote(token.text) if token.kind == "string" else token.text
        try:
            return parse_offset(text)
        except WireTimeError as exc:
            raise FilterError(str(exc)) from exc
    raise FilterError(f"literal {token.text} does not fit a {kind} field")


def _compiled(
    field: Field[T], compare: Callable[[Any, Any], bool], literal: Any, *, equality: bool
) -> Predicate[T]:
    read, folds = field.read, field.kind == STRING
    if literal is _NULL:
        if not equality:
            raise FilterError("null only compares with eq and ne")
        return lambda item: compare(read(item), None)

    def predicate(item: T) -> bool:
        value = read(item)
        if value is None:
            return compare is operator.ne
        if folds and isinstance(value, str):
            value = value.casefold()
        return bool(compare(value, literal))

    return predicate


def compile_filter(text: str, fields: FieldTable[T]) -> Predicate[T]:
    """A predicate for `text`, or FilterError when it leaves the supported subset."""
    if not text.strip():
        raise FilterError("empty filter")
    return _Parser(_tokenize(text), fields).parse()


def sort_key_value(value: Any) -> tuple[int, Any]:
    """Orders None first, then values; strings ignore case, datetimes compare as instants."""
    if value is None:
        return (0, "")
    if isinstance(value, str):
        return (1, value.casefold())
    if isinstance(value, datetime | bool | int | float):
        return (1, value)
    return (1, str(value))
