"""CEQL errors. All are `BadRequest` (400), so the one HTTP mapping in `kit` handles them (§9.5).

BadRequest (kit)          400
└── CeqlError                   any query the gateway refuses
    ├── CeqlSyntaxError         the parser rejects the text; message starts "Error parsing query"
    └── CeqlUnsupported         parses, but the target cannot express a term (D42, D43, D44)
"""

from __future__ import annotations

from openelements.kit.errors import BadRequest

__all__ = ["CeqlError", "CeqlSyntaxError", "CeqlUnsupported"]


class CeqlError(BadRequest):
    """A `where`, `orderBy` or `fields` value the gateway refuses."""


class CeqlSyntaxError(CeqlError):
    """The text is not CEQL.

    `offset` is 0-based into the text; `line` and `column` are 1-based. At the end of the text
    they point just past the last character. `expected` names what would have been accepted
    there, in words (`"a value"`, `"AND"`, `")"`).
    """

    def __init__(
        self,
        message: str,
        *,
        offset: int,
        line: int,
        column: int,
        expected: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message)
        self.offset = offset
        self.line = line
        self.column = column
        self.expected = expected


class CeqlUnsupported(CeqlError):
    """A valid term the target (Graph OData) cannot express; never dropped silently.

    `term` is the offending term in canonical CEQL (a field name, a predicate, an `orderBy`
    item); `resource` is the list resource it was meant for (`"calendar-view"`).
    """

    def __init__(self, message: str, *, term: str, resource: str) -> None:
        super().__init__(message)
        self.term = term
        self.resource = resource
