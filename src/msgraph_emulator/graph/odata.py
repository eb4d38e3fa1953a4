"""OData query options, ordering and paging for Graph collections (§5, §6, G03, G16, G17).

Option names are matched case-insensitively after percent-decoding (`%24TOP` is `$top`).
Pages are cut with `$skip`; `@odata.nextLink` is absolute on the emulator's origin (G09) and
repeats every original option with the next `$skip`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import parse_qsl, quote, urlencode

from msgraph_emulator.graph.odata_filter import (
    Field,
    FilterError,
    Predicate,
    compile_filter,
    sort_key_value,
)
from msgraph_emulator.graph.problems import FILTER_NOT_SUPPORTED, bad_request

T = TypeVar("T")
MAX_TOP = 1000  # G17
LINK_SAFE = "$'(),:/"
KNOWN_OPTIONS = frozenset(
    {
        "$select",
        "$filter",
        "$orderby",
        "$top",
        "$skip",
        "$count",
        "$expand",
        "$search",
        "$skiptoken",
        "$deltatoken",
        "$format",
    }
)
EXPANDABLE = (
    "attachments",
    "extensions",
    "singlevalueextendedproperties",
    "multivalueextendedproperties",
)


@dataclass
class QueryOptions:
    pairs: list[tuple[str, str]] = field(default_factory=list)
    options: dict[str, str] = field(default_factory=dict)
    plain: dict[str, str] = field(default_factory=dict)

    @property
    def select(self) -> list[str] | None:
        raw = self.options.get("$select")
        return [name.strip() for name in raw.split(",") if name.strip()] if raw else None

    @property
    def top(self) -> int | None:
        return _non_negative(self.options, "$top", minimum=1)

    @property
    def skip(self) -> int:
        return _non_negative(self.options, "$skip", minimum=0) or 0

    @property
    def count(self) -> bool:
        return self.options.get("$count", "").lower() == "true"

    @property
    def expand(self) -> list[str]:
        raw = self.options.get("$expand", "")
        return [name.strip().split("(")[0] for name in raw.split(",") if name.strip()]


def _non_negative(options: Mapping[str, str], name: str, *, minimum: int) -> int | None:
    raw = options.get(name)
    if raw is None:
        return None
    if not raw.strip().isdigit() or int(raw) < minimum:
        raise bad_request(f"Invalid value '{raw}' for query option '{name}'.")
    return int(raw)


def read_query(query_string: str) -> QueryOptions:
    """Parse and check a query string: unknown `$`-options and `$search` answer 400 (G17)."""
    query = QueryOptions(pairs=parse_qsl(query_string, keep_blank_values=True))
    for name, value in query.pairs:
        folded = name.strip().lower()
        if folded.startswith("$"):
            if folded not in KNOWN_OPTIONS:
                raise bad_request(f"Query option '{name}' is not supported.")
            query.options[folded] = value
        else:
            query.plain[folded] = value
    if "$search" in query.options:
        raise bad_request("Search is not supported on this resource.")
    _ = (query.top, query.skip)  # validate both now, not when the page is cut
    _check_expand(query.expand)
    return query


def _check_expand(names: Sequence[str]) -> None:
    for name in names:
        if name.lower() not in EXPANDABLE:
            raise bad_request(
                f"Expand is not allowed for property '{name}' according to the entity schema."
            )


def apply_filter(items: list[T], query: QueryOptions, fields: Mapping[str, Field[T]]) -> list[T]:
    text = query.options.get("$filter")
    if text is None:
        return items
    try:
        predicate: Predicate[T] = compile_filter(text, fields)
    except FilterError as exc:
        raise bad_request(FILTER_NOT_SUPPORTED) from exc
    return [item for item in items if predicate(item)]


def apply_orderby(items: list[T], query: QueryOptions, fields: Mapping[str, Field[T]]) -> list[T]:
    raw = query.options.get("$orderby")
    if not raw:
        return items
    keys: list[tuple[Callable[[T], Any], bool]] = []
    for part in raw.split(","):
        words = part.split()
        if (
            not words
            or len(words) > 2
            or words[-1].lower() not in (words[0].lower(), "asc", "desc")
        ):
            raise bad_request(f"The $orderby expression '{raw}' is not supported.")
        found = fields.get(words[0])
        if found is None:
            raise bad_request(f"The $orderby expression '{raw}' is not supported.")
        keys.append((found.read, len(words) == 2 and words[1].lower() == "desc"))
    ordered = list(items)
    for read, descending in reversed(keys):
        ordered.sort(key=lambda item, r=read: sort_key_value(r(item)), reverse=descending)  # type: ignore[misc]
    return ordered


def page_size(query: QueryOptions, *, preferred: int | None, default: int) -> int:
    top = query.top
    if top is not None:
        return min(top, MAX_TOP)
    return min(preferred or default, MAX_TOP)


def next_link(*, origin: str, raw_path: str, query: QueryOptions, skip: int) -> str:
    pairs = [(name, value) for name, value in query.pairs if name.strip().lower() != "$skip"]
    pairs.append(("$skip", str(skip)))
    encoded = urlencode(pairs, quote_via=quote, safe=LINK_SAFE)
    return f"{origin}{raw_path}?{encoded}"
