"""Calls to Microsoft Graph for one connected mailbox (microsoft-graph.md §19).

Every call goes through the shared retrying transport (429/503/504 with `Retry-After`), waits
for one of the mailbox's 4 slots (`KeyedLimiter`, Outlook's concurrency limit per app and
mailbox), sends a fresh `client-request-id`, and maps Graph's error envelope per D79:

    Graph 400 403 404 405 406 409 415 422 -> same status, reason phrase
    Graph 412                         -> 409 "Conflict"
    Graph 401                         -> AccessTokenRejected (the caller refreshes once, D19)
    Graph 429 after the retries       -> 429 + the last Retry-After (D78)
    Graph 5xx, no answer, timeout     -> 502 "Provider server error"
    any other 4xx                     -> same status, reason phrase

`providerMessage` is `"<error.code>: <error.message>"`. Failures are logged with Graph's
`request-id` and `x-ms-ags-diagnostic`; the access token never is.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import uuid
from collections.abc import Callable
from http import HTTPStatus
from typing import Any
from urllib.parse import quote, urlencode

import structlog

from openelements.elements.base import (
    AccessTokenRejected,
    ProviderFailure,
    ProviderRequest,
    ProviderResponse,
)
from openelements.kit.http import (
    HttpRequest,
    HttpResponse,
    KeyedLimiter,
    Transport,
    TransportFailure,
    json_body,
    parse_retry_after,
)

__all__ = ["GraphClient", "encode_segment", "graph_failure"]

log = structlog.get_logger(__name__)

SAME_STATUS = frozenset({400, 403, 404, 405, 406, 409, 415, 422})
PROVIDER_SERVER_ERROR = "Provider server error"


def encode_segment(value: str) -> str:
    """D34: a Graph id as one path segment (ids hold `/`, `+`, `=`)."""
    return quote(value, safe="")


class GraphClient:
    def __init__(
        self,
        *,
        base_url: str,
        transport: Transport,
        limiter: KeyedLimiter,
        request_ids: Callable[[], str] = lambda: str(uuid.uuid4()),
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._transport = transport
        self._limiter = limiter
        self._request_ids = request_ids

    @property
    def base_url(self) -> str:
        return self._base_url

    async def call(
        self, request: ProviderRequest, *, access_token: str, mailbox: str
    ) -> ProviderResponse:
        outbound = self._outbound(request, access_token)
        async with self._limiter.hold(mailbox.lower()):
            try:
                response = await self._transport.send(outbound)
            except TransportFailure as exc:
                log.warning("graph.unreachable", method=request.method, reason=str(exc))
                raise ProviderFailure(PROVIDER_SERVER_ERROR, status=502) from exc
        if 200 <= response.status < 300:
            return ProviderResponse(response.status, response.headers, response.body)
        _log_failure(request, response)
        if response.status == 401:
            raise AccessTokenRejected(_provider_message(response))
        raise graph_failure(response)

    def url_for(self, request: ProviderRequest) -> str:
        """Absolute URL; a path that already is a Graph URL (an `@odata.nextLink`) is kept."""
        if request.path.startswith(self._base_url + "/"):
            url = request.path
        else:
            url = f"{self._base_url}/{request.path.lstrip('/')}"
        if request.query:
            separator = "&" if "?" in url else "?"
            url = f"{url}{separator}{urlencode(request.query, quote_via=quote)}"
        return url

    def _outbound(self, request: ProviderRequest, access_token: str) -> HttpRequest:
        headers = {
            "Accept": "application/json",
            "client-request-id": self._request_ids(),
            **request.headers,
            "Authorization": f"Bearer {access_token}",
        }
        body = None
        if request.json_body is not None:
            headers["Content-Type"] = "application/json"
            body = json_body(request.json_body)
        return HttpRequest(
            method=request.method.upper(),
            url=self.url_for(request),
            headers=headers,
            body=body,
            idempotent=request.idempotent,
        )


def _graph_error(response: HttpResponse) -> tuple[str | None, str | None]:
    try:
        envelope = json.loads(response.body) if response.body else None
    except ValueError:
        return None, None
    error: Any = envelope.get("error") if isinstance(envelope, dict) else None
    if not isinstance(error, dict):
        return None, None
    code, message = error.get("code"), error.get("message")
    return (
        code if isinstance(code, str) else None,
        message if isinstance(message, str) else None,
    )


def _provider_message(response: HttpResponse) -> str | None:
    code, message = _graph_error(response)
    if code and message:
        return f"{code}: {message}"
    return code or message


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Provider error"


def graph_failure(response: HttpResponse) -> ProviderFailure:
    """A non-2xx, non-401 Graph answer as the error the customer sees (D79)."""
    code, _ = _graph_error(response)
    common: dict[str, Any] = {
        "provider_status": response.status,
        "provider_code": code,
        "provider_message": _provider_message(response),
    }
    status = response.status
    if status == 412:
        return ProviderFailure("Conflict", status=409, **common)
    if status == 429:
        wait = parse_retry_after(response.header("retry-after"), now=dt.datetime.now(dt.UTC))
        seconds = math.ceil(wait) if wait is not None else None
        return ProviderFailure(
            "Too Many Requests", status=429, retry_after_seconds=seconds, **common
        )
    if status >= 500 or status < 400:
        return ProviderFailure(PROVIDER_SERVER_ERROR, status=502, **common)
    return ProviderFailure(_reason(status), status=status, **common)


def _log_failure(request: ProviderRequest, response: HttpResponse) -> None:
    code, _ = _graph_error(response)
    log.info(
        "graph.failure",
        method=request.method,
        status=response.status,
        code=code,
        request_id=response.header("request-id"),
        diagnostic=response.header("x-ms-ags-diagnostic"),
    )
