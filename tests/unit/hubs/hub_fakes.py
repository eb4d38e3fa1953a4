"""Fakes for hub unit tests: an in-memory Graph list with `$top`/`$skip` nextLinks, and a
scripted provider for single calls."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from openelements.elements.base import ProviderRequest, ProviderResponse
from openelements.elements.microsoftgraph import MicrosoftGraphElement
from openelements.kit.clock import ManualClock
from openelements.kit.http import HttpRequest, HttpResponse, KeyedLimiter

BASE_URL = "https://graph.test/v1.0"
NOW = dt.datetime(2026, 4, 15, 9, 30, tzinfo=dt.UTC)


class NoTransport:
    async def send(self, request: HttpRequest) -> HttpResponse:
        raise AssertionError("hub unit tests never reach the network")


def graph_element() -> MicrosoftGraphElement:
    return MicrosoftGraphElement(
        authority="https://login.test/common",
        graph_base_url=BASE_URL,
        transport=NoTransport(),
        limiter=KeyedLimiter(4),
        clock=ManualClock(NOW),
    )


def answer(body: Any, status: int = 200) -> ProviderResponse:
    return ProviderResponse(status, {}, json.dumps(body).encode() if body is not None else b"")


class PagedGraph:
    """Serves `records` like Graph: pages of `$top` (Graph's default 10), `$skip` nextLinks
    that repeat every other option, `@odata.count` with `$count=true`."""

    def __init__(self, records: Sequence[Any], *, empty_pages_at: frozenset[int] = frozenset()):
        self.records = list(records)
        self.requests: list[ProviderRequest] = []
        self.empty_pages_at = empty_pages_at

    async def __call__(self, request: ProviderRequest) -> ProviderResponse:
        self.requests.append(request)
        path, query = _split(request)
        top, skip = int(query.get("$top", "10")), int(query.get("$skip", "0"))
        if skip in self.empty_pages_at:
            page: list[Any] = []
            following = skip
            self.empty_pages_at = self.empty_pages_at - {skip}
        else:
            page = self.records[skip : skip + top]
            following = skip + top
        body: dict[str, Any] = {"value": page}
        if query.get("$count") == "true":
            body["@odata.count"] = len(self.records)
        if following < len(self.records):
            link_query = {k: v for k, v in query.items() if k != "$count"}
            link_query["$skip"] = str(following)
            body["@odata.nextLink"] = f"{BASE_URL}/{path}?{urlencode(link_query, quote_via=quote)}"
        return answer(body)


def _split(request: ProviderRequest) -> tuple[str, dict[str, str]]:
    if request.path.startswith(BASE_URL):
        parts = urlsplit(request.path)
        path = parts.path[len(urlsplit(BASE_URL).path) + 1 :]
        return path, dict(parse_qsl(parts.query))
    return request.path, dict(request.query)


class ScriptedProvider:
    def __init__(self, *answers: ProviderResponse) -> None:
        self.answers = list(answers)
        self.requests: list[ProviderRequest] = []

    async def __call__(self, request: ProviderRequest) -> ProviderResponse:
        self.requests.append(request)
        return self.answers.pop(0)
