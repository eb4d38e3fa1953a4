"""Hub list pages over provider pages (spec §9.6, D45-D47).

A hub page of `pageSize` records is filled from provider pages of at most 100 (`$top`), by
following the provider's `@odata.nextLink` verbatim; `$skip` is built only for the first
request of `page=N`. The page ends with a cursor when more records may exist: the provider
still offered a nextLink, or the last provider page had records this page did not take (then
the cursor points at that same provider page and says how many of its records to skip).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import orjson

from openelements.elements.base import ProviderRequest, ProviderResponse
from openelements.hubs.cursor import INVALID_TOKEN, PageCursor
from openelements.kit.errors import BadRequest, ProviderError

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "PROVIDER_PAGE_MAX",
    "Decode",
    "Fetch",
    "Page",
    "PageRequest",
    "absolute_url",
    "first_request",
    "page_request",
    "read_page",
]

DEFAULT_PAGE_SIZE = 200  # D45.1
MAX_PAGE_SIZE = 2000
PROVIDER_PAGE_MAX = 100  # D45.2: pagination.max of the element
NEXT_LINK = "@odata.nextLink"
COUNT = "@odata.count"

Fetch = Callable[[ProviderRequest], Awaitable[ProviderResponse]]
Decode = Callable[[bytes], Any]


@dataclass(frozen=True, slots=True)
class PageRequest:
    page_size: int | None
    """As sent; None means the cursor's size or the default."""
    page: int
    next_page: str | None
    return_count: bool


@dataclass(slots=True)
class Page:
    records: list[Any] = field(default_factory=list)
    next: PageCursor | None = None
    total: int | None = None


def page_request(query: Mapping[str, str]) -> PageRequest:
    """Reads `pageSize`, `page`, `nextPage` and `returnCount`; 400 when out of range."""
    page_size = _whole(query.get("pageSize"), name="pageSize", low=1, high=MAX_PAGE_SIZE)
    page = _whole(query.get("page"), name="page", low=1, high=None)
    next_page = (query.get("nextPage") or "").strip() or None
    return_count = (query.get("returnCount") or "").strip().lower() == "true"
    return PageRequest(
        page_size=page_size, page=page or 1, next_page=next_page, return_count=return_count
    )


def _whole(text: str | None, *, name: str, low: int, high: int | None) -> int | None:
    if text is None or not text.strip():
        return None
    try:
        value = int(text.strip())
    except ValueError:
        value = low - 1
    if value < low or (high is not None and value > high):
        upper = f" and {high}" if high is not None else ""
        raise BadRequest(f"{name} must be a whole number between {low}{upper}")
    return value


def first_request(
    path: str, options: Mapping[str, str], *, page: int, page_size: int, return_count: bool
) -> ProviderRequest:
    """The first provider request of a page (D45.2, D45.3, D47)."""
    query = {**options, "$top": str(min(page_size, PROVIDER_PAGE_MAX))}
    if page > 1:
        query["$skip"] = str((page - 1) * page_size)
    if return_count:
        query["$count"] = "true"
    return ProviderRequest("GET", path, query=query)


def absolute_url(base_url: str, request: ProviderRequest) -> str:
    url = f"{base_url.rstrip('/')}/{request.path.lstrip('/')}"
    if request.query:
        url = f"{url}?{urlencode(request.query, quote_via=quote)}"
    return url


def resume_request(cursor: PageCursor, *, base_url: str) -> ProviderRequest:
    """D45.7: the cursor may only lead back to the provider this deployment calls."""
    if not cursor.link.startswith(base_url.rstrip("/") + "/"):
        raise BadRequest(INVALID_TOKEN)
    return ProviderRequest("GET", cursor.link)


async def read_page(
    fetch: Fetch,
    request: ProviderRequest,
    *,
    page_size: int,
    skip: int,
    base_url: str,
    decode: Decode = orjson.loads,
) -> Page:
    """Fill one hub page, starting at `request` and skipping `skip` records of its answer."""
    page = Page()
    first = True
    while True:
        body = await _list_body(fetch, request, decode)
        if first and isinstance(body.get(COUNT), int):
            page.total = body[COUNT]
        first = False
        unread = body["value"][skip:]
        needed = page_size - len(page.records)
        page.records.extend(unread[:needed])
        link = body.get(NEXT_LINK)
        if len(unread) > needed:  # D46: this provider page still has records
            url = request.path if _is_absolute(request) else absolute_url(base_url, request)
            page.next = PageCursor(link=url, skip=skip + needed, page_size=page_size)
            return page
        if not isinstance(link, str):
            return page
        if len(page.records) >= page_size:
            page.next = PageCursor(link=link, skip=0, page_size=page_size)
            return page
        request, skip = ProviderRequest("GET", link), 0


def _is_absolute(request: ProviderRequest) -> bool:
    return request.path.startswith(("http://", "https://")) and not request.query


async def _list_body(fetch: Fetch, request: ProviderRequest, decode: Decode) -> dict[str, Any]:
    raw = (await fetch(request)).body
    body = decode(raw) if raw else None
    if not isinstance(body, dict) or not isinstance(body.get("value"), list):
        raise ProviderError("Provider server error: the list answer has no 'value' array")
    return body
