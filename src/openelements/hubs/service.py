"""One hub call: resource → provider request(s) → the hub's answer (spec §8.2, §9.6).

    answer = await HubCall(element=..., instance=..., fetch=..., cursors=..., clock=...).run(
        method="GET", segments=["calendars"], query={...}, body=b"", if_match=None)

Answers are the provider's JSON passed through: a list is a bare array, a create or update
the object (200), a delete or an action 200 with an empty body; nulls removed unless the
instance turned `filter.response.nulls` off (D32). Provider failures arrive already mapped
(D79) as `ElementsError`s and are not caught here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import orjson

from openelements.elements.base import Element, HubResource, ProviderRequest, ResourceKind
from openelements.hubs.access import HubInstance
from openelements.hubs.bodies import loads_without_nulls, writable_body
from openelements.hubs.cursor import CursorSealer, PageCursor, query_fingerprint
from openelements.hubs.paging import (
    DEFAULT_PAGE_SIZE,
    Decode,
    Fetch,
    Page,
    first_request,
    page_request,
    read_page,
    resume_request,
)
from openelements.hubs.routing import ResourceMatch, match_resource
from openelements.kit.clock import Clock
from openelements.kit.errors import BadRequest

__all__ = [
    "INSTANCE_HEADER",
    "NEXT_PAGE_HEADER",
    "RETURNED_COUNT_HEADER",
    "TOTAL_COUNT_HEADER",
    "HubAnswer",
    "HubCall",
]

INSTANCE_HEADER = "Elements-Element-Instance-Id"  # spec §6.12
RETURNED_COUNT_HEADER = "Elements-Returned-Count"
TOTAL_COUNT_HEADER = "Elements-Total-Count"
NEXT_PAGE_HEADER = "Elements-Next-Page-Token"
QUERY_KEYS = ("where", "orderBy", "fields", "startDateTime", "endDateTime")


@dataclass(slots=True)
class HubAnswer:
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def encode_json(value: Any) -> bytes:
    return orjson.dumps(value)


class HubCall:
    def __init__(
        self,
        *,
        element: Element,
        instance: HubInstance,
        fetch: Fetch,
        cursors: CursorSealer,
        clock: Clock,
    ) -> None:
        self._element = element
        self._instance = instance
        self._fetch = fetch
        self._cursors = cursors
        self._clock = clock
        self._base_url = element.deployment_configuration().get("base.url", "")
        # D32 while decoding: Graph's answer is read once, nulls dropped on the way.
        self._decode: Decode = loads_without_nulls if instance.filter_nulls else orjson.loads

    async def run(
        self,
        *,
        method: str,
        segments: Sequence[str],
        query: Mapping[str, str],
        body: bytes,
        if_match: str | None,
    ) -> HubAnswer:
        match = match_resource(self._element.hub_resources(), segments, method=method)
        kind = match.resource.kind
        if kind is ResourceKind.PING:
            answer = await self._ping(match)
        elif method == "GET" and kind is ResourceKind.COLLECTION:
            answer = await self._list(match, query)
        else:
            answer = await self._one(match, method=method, body=body, if_match=if_match)
        answer.headers[INSTANCE_HEADER] = str(self._instance.instance_id)
        return answer

    # --- lists ---------------------------------------------------------------------------

    async def _list(self, match: ResourceMatch, query: Mapping[str, str]) -> HubAnswer:
        paging = page_request(query)
        fingerprint = query_fingerprint(
            [match.concrete_path, *(query.get(key) for key in QUERY_KEYS)]
        )
        if paging.next_page is not None:  # D45.6: nextPage wins over page
            cursor = self._cursors.open(
                paging.next_page, instance_id=self._instance.instance_id, fingerprint=fingerprint
            )
            size = paging.page_size or cursor.page_size
            request = resume_request(cursor, base_url=self._base_url)
            page = await self._read(request, page_size=size, skip=cursor.skip)
        else:
            size = paging.page_size or DEFAULT_PAGE_SIZE
            options = self._list_options(match, query)
            request = first_request(
                self._vendor_path(match, "GET"),
                options,
                page=paging.page,
                page_size=size,
                return_count=paging.return_count,
            )
            page = await self._read(request, page_size=size, skip=0)
        return self._page_answer(page, fingerprint=fingerprint)

    def _list_options(self, match: ResourceMatch, query: Mapping[str, str]) -> dict[str, str]:
        return self._element.list_query_options(
            match.resource,
            where=query.get("where"),
            order_by=query.get("orderBy"),
            fields=query.get("fields"),
            start_date_time=query.get("startDateTime") if match.resource.window else None,
            end_date_time=query.get("endDateTime") if match.resource.window else None,
        )

    async def _read(self, request: ProviderRequest, *, page_size: int, skip: int) -> Page:
        return await read_page(
            self._fetch,
            request,
            page_size=page_size,
            skip=skip,
            base_url=self._base_url,
            decode=self._decode,
        )

    def _page_answer(self, page: Page, *, fingerprint: str) -> HubAnswer:
        answer = HubAnswer(body=encode_json(page.records))
        answer.headers[RETURNED_COUNT_HEADER] = str(len(page.records))
        if page.total is not None:
            answer.headers[TOTAL_COUNT_HEADER] = str(page.total)
        if page.next is not None:
            answer.headers[NEXT_PAGE_HEADER] = self._seal(page.next, fingerprint)
        return answer

    def _seal(self, cursor: PageCursor, fingerprint: str) -> str:
        return self._cursors.seal(
            cursor, instance_id=self._instance.instance_id, fingerprint=fingerprint
        )

    # --- single objects, creates, updates, deletes, actions --------------------------------

    async def _one(
        self, match: ResourceMatch, *, method: str, body: bytes, if_match: str | None
    ) -> HubAnswer:
        resource = match.resource
        json_body = self._request_body(resource, method=method, body=body)
        headers = {"If-Match": if_match} if if_match and method in {"PATCH", "DELETE"} else {}
        response = await self._fetch(
            ProviderRequest(
                method,
                self._vendor_path(match, method),
                json_body=json_body,
                headers=headers,
            )
        )
        if method == "DELETE" or not response.body:
            return HubAnswer(body=b"")
        document = self._decode(response.body)
        if resource.list_answer and isinstance(document, dict):
            values = document.get("value")
            document = values if isinstance(values, list) else []
        return HubAnswer(body=encode_json(document))

    def _request_body(self, resource: HubResource, *, method: str, body: bytes) -> Any:
        if method not in {"POST", "PATCH", "PUT"}:
            return None
        if not body.strip():
            if resource.kind is ResourceKind.ACTION:
                return {}
            raise BadRequest("Invalid request body: a JSON object is required")
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise BadRequest("Invalid request body: not valid JSON") from None
        return writable_body(document, read_only=resource.read_only_fields)

    async def _ping(self, match: ResourceMatch) -> HubAnswer:
        resource = match.resource
        await self._fetch(
            ProviderRequest("GET", self._vendor_path(match, "GET"), query=resource.vendor_query)
        )
        now = self._clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
        return HubAnswer(body=encode_json({"dateTime": now, "endpoint": self._element.key}))

    # --- shared --------------------------------------------------------------------------

    def _vendor_path(self, match: ResourceMatch, method: str) -> str:
        """D34: each parameter percent-encoded as one segment of the provider path."""
        template = match.resource.vendor_paths[method]
        for name, value in match.parameters.items():
            template = template.replace("{" + name + "}", quote(value, safe=""))
        return template
