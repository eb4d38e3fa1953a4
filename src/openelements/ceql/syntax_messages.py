"""Lark's parse failures → `CeqlSyntaxError` in words a client can act on (§9.5).

`"Error parsing query: expected a value after '=' at column 9"`: what would have been accepted,
after which token, where, and (when there is one) what was found instead.
"""

from __future__ import annotations

from lark import Token
from lark.exceptions import UnexpectedInput, UnexpectedToken

from openelements.ceql.errors import CeqlSyntaxError

__all__ = ["describe_failure"]

_END = "$END"

_TERMINAL_WORDS = {
    "PLAIN_NAME": "a field name",
    "QUOTED_NAME": "a field name",
    "STRING": "a value",
    "INTEGER": "a value",
    "DECIMAL": "a value",
    "DATE_TIME": "a value",
    "TRUE": "a value",
    "FALSE": "a value",
    "COMP_OP": "a comparison operator",
    "_OR": "OR",
    "_AND": "AND",
    "_IN": "IN",
    "_LIKE": "LIKE",
    "_IS": "IS",
    "_NULL": "NULL",
    "NOT": "NOT",
    "DIRECTION": "ASC or DESC",
    "LPAR": "'('",
    "RPAR": "')'",
    "_COMMA": "','",
    _END: "the end of the query",
}

# Most useful first: what a reader most likely left out.
_WORD_ORDER = (
    "a field name",
    "a value",
    "a comparison operator",
    "IN",
    "NOT",
    "LIKE",
    "IS",
    "NULL",
    "AND",
    "OR",
    "ASC or DESC",
    "'('",
    "')'",
    "','",
    "the end of the query",
)

_MAX_FOUND = 20


def describe_failure(
    text: str, failure: UnexpectedInput, *, previous: Token | None, accepted: set[str]
) -> CeqlSyntaxError:
    """`accepted`: the terminal names the parser would have taken at the failure."""
    offset = _offset_of(text, failure)
    line, column = _line_and_column(text, offset)
    expected = _expected_words(accepted)
    parts = ["Error parsing query:"]
    parts.append(f"expected {_either(expected)}" if expected else "unexpected input")
    if previous is not None:
        parts.append(f"after {_quote(str(previous))}")
    parts.append(f"at line {line}, column {column}" if "\n" in text else f"at column {column}")
    message = " ".join(parts) + _found(text, failure, offset)
    return CeqlSyntaxError(message, offset=offset, line=line, column=column, expected=expected)


def _offset_of(text: str, failure: UnexpectedInput) -> int:
    if isinstance(failure, UnexpectedToken) and failure.token.type == _END:
        return len(text)
    position = failure.pos_in_stream
    return len(text) if position is None else position


def _line_and_column(text: str, offset: int) -> tuple[int, int]:
    before = text[:offset]
    line = before.count("\n") + 1
    return line, offset - (before.rfind("\n") + 1) + 1


def _expected_words(accepted: set[str]) -> tuple[str, ...]:
    words = {_TERMINAL_WORDS[name] for name in accepted if name in _TERMINAL_WORDS}
    return tuple(word for word in _WORD_ORDER if word in words)


def _found(text: str, failure: UnexpectedInput, offset: int) -> str:
    if isinstance(failure, UnexpectedToken) and failure.token.type != _END:
        return f", found {_quote(str(failure.token))}"
    if offset >= len(text):
        return ", found the end of the query"
    rest = text[offset:].split(maxsplit=1)
    word = rest[0] if rest else text[offset]
    return f", found {_quote(word[:_MAX_FOUND])}"


def _either(words: tuple[str, ...]) -> str:
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


def _quote(token_text: str) -> str:
    shown = token_text[:_MAX_FOUND]
    return f'"{shown}"' if "'" in shown else f"'{shown}'"
