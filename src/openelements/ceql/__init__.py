"""CEQL, the query language of the hub's list resources (spec §9, D41).

Parse `where`, `orderBy` and `fields` values into typed trees, print them back as canonical
CEQL, and let each target (Graph OData, the emulator, common-resource mappers) translate the
tree in its own module. Every refusal is a `CeqlError` (HTTP 400).
"""

from openelements.ceql.errors import CeqlError, CeqlSyntaxError, CeqlUnsupported
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
    Predicate,
    SortDirection,
    StringLiteral,
    Term,
    rename_fields,
)
from openelements.ceql.parser import MAX_NESTING, parse_fields, parse_order_by, parse_where
from openelements.ceql.printer import (
    format_field,
    format_fields,
    format_literal,
    format_order_by,
    format_where,
    quote_string,
)

__all__ = [
    "MAX_NESTING",
    "And",
    "BooleanLiteral",
    "CeqlError",
    "CeqlSyntaxError",
    "CeqlUnsupported",
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
    "format_field",
    "format_fields",
    "format_literal",
    "format_order_by",
    "format_where",
    "parse_fields",
    "parse_order_by",
    "parse_where",
    "quote_string",
    "rename_fields",
]
