"""JSON batching: `POST /v1.0/$batch` (spec §11, G28).

A batch parses as a whole (otherwise 400): at most 20 items, unique ids (case-insensitively),
`method` and `url` present, `headers` with `Content-Type` whenever there is a `body`,
dependencies (`dependsOn`, or the SDK's `depends_on`) naming known ids without cycles.

Each item then runs through the *same ASGI app* with the batch's `Authorization`, so the
auth, throttling (items count one by one), fault and request-log middleware apply to it as to
a request of its own. At most four items run at a time; an item whose dependency did not
succeed answers 424 without running.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Scope

from msgraph_emulator.errors import GraphError

MAX_REQUESTS = 20
CONCURRENT_ITEMS = 4
GRAPH_PREFIX = "/v1.0"
METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
FAILED_DEPENDENCY_BODY = {
    "error": {"code": "FailedDependency", "message": "The dependent request failed."}  # G28
}
_DROPPED_RESPONSE_HEADERS = frozenset({"content-length", "date", "server", "transfer-encoding"})
# Graph writes these response header names in its own spelling; others are title-cased.
_HEADER_SPELLING = {
    "odata-version": "OData-Version",
    "www-authenticate": "WWW-Authenticate",
    "request-id": "request-id",
    "client-request-id": "client-request-id",
    "x-ms-ags-diagnostic": "x-ms-ags-diagnostic",
}


def bad_batch(message: str) -> GraphError:
    return GraphError(400, "BadRequest", message)


@dataclass(frozen=True)
class BatchItem:
    id: str
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    depends_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class ItemResponse:
    status: int
    headers: dict[str, str]
    body: Any = None  # a JSON value, a base64 string, or None

    def to_json(self, item_id: str) -> dict[str, Any]:
        document: dict[str, Any] = {"id": item_id, "status": self.status, "headers": self.headers}
        if self.body is not None:
            document["body"] = self.body
        return document


def parse_batch(document: object) -> list[BatchItem]:
    if not isinstance(document, dict) or not isinstance(document.get("requests"), list):
        raise bad_batch("Invalid batch payload format.")
    raw_items: list[Any] = document["requests"]
    if not raw_items:
        raise bad_batch("The batch request must contain at least one request.")
    if len(raw_items) > MAX_REQUESTS:
        raise bad_batch(f"The batch request exceeds the limit of {MAX_REQUESTS} requests.")
    items = [parse_item(raw) for raw in raw_items]
    check_ids(items)
    return items


def parse_item(raw: object) -> BatchItem:
    if not isinstance(raw, dict):
        raise bad_batch("Invalid batch payload format.")
    item_id, method, url = raw.get("id"), raw.get("method"), raw.get("url")
    if not isinstance(item_id, str | int) or isinstance(item_id, bool) or str(item_id) == "":
        raise bad_batch("Each request in a batch needs an id.")
    if not isinstance(method, str) or method.upper() not in METHODS:
        raise bad_batch(f"Request '{item_id}' has a missing or invalid method.")
    if not isinstance(url, str) or not url:
        raise bad_batch(f"Request '{item_id}' has no url.")
    headers = parse_headers(raw.get("headers"), item_id=str(item_id))
    body = parse_body(raw.get("body"), headers=headers, item_id=str(item_id))
    depends = raw.get("dependsOn", raw.get("depends_on"))
    return BatchItem(
        id=str(item_id),
        method=method.upper(),
        url=url,
        headers=headers,
        body=body,
        depends_on=parse_depends_on(depends, item_id=str(item_id)),
    )


def parse_headers(raw: object, *, item_id: str) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise bad_batch(f"Request '{item_id}' has invalid headers.")
    headers: dict[str, str] = {}
    for name, value in raw.items():
        if isinstance(value, list | tuple | set):  # the SDK may send a header's values as a list
            value = ", ".join(str(v) for v in value)
        if not isinstance(value, str | int | float) or not _is_latin1(f"{name}{value}"):
            # HTTP header fields are Latin-1 octets: anything else cannot reach the item.
            raise bad_batch(f"Request '{item_id}' has an invalid value for header '{name}'.")
        headers[str(name)] = str(value)
    return headers


def _is_latin1(text: str) -> bool:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def parse_body(raw: object, *, headers: Mapping[str, str], item_id: str) -> bytes | None:
    if raw is None:
        return None
    if not any(name.lower() == "content-type" for name in headers):
        raise bad_batch(f"Request '{item_id}' has a body but no Content-Type header.")
    if isinstance(raw, dict | list):
        return json.dumps(raw).encode()
    if isinstance(raw, str):
        try:
            return base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise bad_batch(f"Request '{item_id}' has a body that is not valid base64.") from exc
    raise bad_batch(f"Request '{item_id}' has an invalid body.")


def parse_depends_on(raw: object, *, item_id: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if isinstance(raw, str):
        return (raw,)
    if not isinstance(raw, list) or not all(isinstance(d, str | int) for d in raw):
        raise bad_batch(f"Request '{item_id}' has an invalid dependsOn.")
    return tuple(str(d) for d in raw)


def check_ids(items: Sequence[BatchItem]) -> None:
    """Unique ids (case-insensitively), known dependencies, no cycles."""
    by_key = {}
    for item in items:
        key = item.id.casefold()
        if key in by_key:
            raise bad_batch(f"Batch request ids must be unique; '{item.id}' is repeated.")
        by_key[key] = item
    for item in items:
        for dependency in item.depends_on:
            if dependency.casefold() not in by_key:
                raise bad_batch(f"Request '{item.id}' depends on unknown request '{dependency}'.")
    _check_acyclic(items, by_key)


def _check_acyclic(items: Sequence[BatchItem], by_key: Mapping[str, BatchItem]) -> None:
    visiting: set[str] = set()
    done: set[str] = set()

    def visit(item: BatchItem) -> None:
        key = item.id.casefold()
        if key in done:
            return
        if key in visiting:
            raise bad_batch(f"The dependencies of request '{item.id}' form a cycle.")
        visiting.add(key)
        for dependency in item.depends_on:
            visit(by_key[dependency.casefold()])
        visiting.discard(key)
        done.add(key)

    for item in items:
        visit(item)


Dispatch = Callable[[BatchItem], Awaitable[ItemResponse]]


async def run_batch(
    items: Sequence[BatchItem], dispatch: Dispatch, *, concurrency: int = CONCURRENT_ITEMS
) -> dict[str, ItemResponse]:
    """Run every item once its dependencies are answered; 424 when one did not succeed."""
    gate = asyncio.Semaphore(concurrency)
    answers: dict[str, asyncio.Future[ItemResponse]] = {
        item.id.casefold(): asyncio.get_running_loop().create_future() for item in items
    }

    async def run(item: BatchItem) -> None:
        for dependency in item.depends_on:
            previous = await answers[dependency.casefold()]
            if not 200 <= previous.status < 300:
                answers[item.id.casefold()].set_result(failed_dependency())
                return
        async with gate:
            try:
                answer = await dispatch(item)
            except Exception:  # one item's failure must not leave its dependants waiting
                answer = error_item(500, "generalException", "An internal server error occurred.")
            answers[item.id.casefold()].set_result(answer)

    await asyncio.gather(*(run(item) for item in items))
    return {item.id: answers[item.id.casefold()].result() for item in items}


def failed_dependency() -> ItemResponse:
    return ItemResponse(424, {"Content-Type": "application/json"}, FAILED_DEPENDENCY_BODY)


def item_path(url: str, *, origins: Sequence[str]) -> tuple[str, str] | None:
    """(path under /v1.0, query) for a relative, versioned or same-origin absolute URL;
    None for another origin (G28)."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        origin = f"{parts.scheme}://{parts.netloc}".rstrip("/").lower()
        if origin not in {o.rstrip("/").lower() for o in origins}:
            return None
    path = parts.path if parts.path.startswith("/") else f"/{parts.path}"
    if path != GRAPH_PREFIX and not path.startswith(GRAPH_PREFIX + "/"):
        path = GRAPH_PREFIX + path
    return path, parts.query


class AppDispatcher:
    """Runs an item through the ASGI app with the batch's `Authorization`."""

    def __init__(self, request: Request, *, origins: Sequence[str]) -> None:
        self._app: ASGIApp = request.scope["app"]
        self._outer = request.scope
        self._authorization = request.headers.get("authorization")
        self._origins = origins

    async def __call__(self, item: BatchItem) -> ItemResponse:
        target = item_path(item.url, origins=self._origins)
        if target is None:
            return error_item(400, "BadRequest", "The batch item URL must be on this service.")
        path, query = target
        if path.rstrip("/").lower() == f"{GRAPH_PREFIX}/$batch":
            return error_item(400, "BadRequest", "A batch cannot contain a batch.")
        status, headers, body = await self._call(item, path=path, query=query)
        return ItemResponse(status, headers, response_body(headers, body))

    async def _call(
        self, item: BatchItem, *, path: str, query: str
    ) -> tuple[int, dict[str, str], bytes]:
        scope = self._scope(item, path=path, query=query)
        body_sent = False
        finished = asyncio.Event()
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def receive() -> Message:
            nonlocal body_sent
            if not body_sent:
                body_sent = True
                return {"type": "http.request", "body": item.body or b"", "more_body": False}
            await finished.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    finished.set()

        try:
            await self._app(scope, receive, send)
        except Exception:
            # Starlette re-raises a handler's exception after answering 500: keep that answer.
            if "status" not in start:
                raise
        finally:
            finished.set()
        headers = {
            header_name(k.decode("latin-1")): v.decode("latin-1")
            for k, v in start.get("headers", [])
            if k.decode("latin-1").lower() not in _DROPPED_RESPONSE_HEADERS
        }
        return int(start.get("status", 500)), headers, b"".join(chunks)

    def _scope(self, item: BatchItem, *, path: str, query: str) -> Scope:
        headers = [
            (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in item.headers.items()
        ]
        headers = [h for h in headers if h[0] not in (b"authorization", b"content-length", b"host")]
        if self._authorization:
            headers.append((b"authorization", self._authorization.encode("latin-1")))
        headers.append((b"content-length", str(len(item.body or b"")).encode()))
        host = dict(self._outer.get("headers", [])).get(b"host")
        if host:
            headers.append((b"host", host))
        return {
            "type": "http",
            "asgi": self._outer.get("asgi", {"version": "3.0"}),
            "http_version": self._outer.get("http_version", "1.1"),
            "method": item.method,
            "scheme": self._outer.get("scheme", "http"),
            "path": unquote(path),
            "raw_path": path.encode("latin-1", errors="replace"),
            "query_string": query.encode("latin-1", errors="replace"),
            "root_path": "",
            "headers": headers,
            "server": self._outer.get("server"),
            "client": self._outer.get("client"),
            "state": {},
        }


def header_name(raw: str) -> str:
    lowered = raw.lower()
    spelled = _HEADER_SPELLING.get(lowered)
    return spelled or "-".join(part.capitalize() for part in lowered.split("-"))


def response_body(headers: Mapping[str, str], body: bytes) -> Any:
    if not body:
        return None
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    if "json" in content_type.lower():
        try:
            return json.loads(body)
        except ValueError:
            pass
    return base64.b64encode(body).decode()


def error_item(status: int, code: str, message: str) -> ItemResponse:
    return ItemResponse(
        status, {"Content-Type": "application/json"}, {"error": {"code": code, "message": message}}
    )


async def post_batch(request: Request) -> Response:
    try:
        document = json.loads(await request.body())
    except ValueError as exc:
        raise bad_batch("Invalid batch payload format.") from exc
    items = parse_batch(document)
    origins = [f"{request.url.scheme}://{request.url.netloc}", request.app.state.emulator.origin]
    answers = await run_batch(items, AppDispatcher(request, origins=origins))
    responses = [answers[item.id].to_json(item.id) for item in items]
    return JSONResponse({"responses": responses})


def routes() -> list[BaseRoute]:
    """Relative to the `/v1.0` mount."""
    return [Route("/$batch", post_batch, methods=["POST"])]
