"""The Graph client: URL building, headers, per-mailbox governor, D79 error mapping."""

from __future__ import annotations

import asyncio
import json

import pytest
from element_fakes import ScriptedTransport, json_answer

from openelements.elements.base import AccessTokenRejected, ProviderFailure, ProviderRequest
from openelements.elements.microsoftgraph.graph_client import GraphClient, encode_segment
from openelements.kit.http import HttpRequest, HttpResponse, KeyedLimiter, TransportFailure

BASE = "http://graph.test/v1.0"


def graph(transport: object, limiter: KeyedLimiter | None = None) -> GraphClient:
    ids = iter(f"crid-{n}" for n in range(1000))
    return GraphClient(
        base_url=BASE + "/",
        transport=transport,  # type: ignore[arg-type]
        limiter=limiter or KeyedLimiter(4),
        request_ids=lambda: next(ids),
    )


def graph_error(status: int, code: str, message: str, **headers: str) -> HttpResponse:
    return json_answer(status, {"error": {"code": code, "message": message}}, **headers)


async def call(client: GraphClient, request: ProviderRequest | None = None) -> object:
    request = request or ProviderRequest("GET", "me/calendar")
    return await client.call(request, access_token="at-secret", mailbox="dana@acme.example")


@pytest.mark.anyio
async def test_a_call_sends_bearer_token_accept_and_a_client_request_id() -> None:
    transport = ScriptedTransport(json_answer(200, {"id": "cal"}))
    response = await call(graph(transport))
    sent = transport.requests[0]
    assert sent.url == f"{BASE}/me/calendar"
    assert sent.headers["Authorization"] == "Bearer at-secret"
    assert sent.headers["Accept"] == "application/json"
    assert sent.headers["client-request-id"] == "crid-0"
    assert response.json() == {"id": "cal"}  # type: ignore[attr-defined]


@pytest.mark.anyio
async def test_json_bodies_and_query_options_are_encoded() -> None:
    transport = ScriptedTransport(json_answer(201, {"id": "e"}))
    request = ProviderRequest(
        "post",
        f"me/calendars/{encode_segment('AAMkAD/x+=')}/events",
        query={"$select": "id,subject", "$filter": "subject eq 'a b'"},
        json_body={"subject": "Planning"},
    )
    await call(graph(transport), request)
    sent = transport.requests[0]
    assert sent.method == "POST"
    assert sent.url == (
        f"{BASE}/me/calendars/AAMkAD%2Fx%2B%3D/events"
        "?%24select=id%2Csubject&%24filter=subject%20eq%20%27a%20b%27"
    )
    assert sent.headers["Content-Type"] == "application/json"
    assert json.loads(sent.body or b"") == {"subject": "Planning"}


@pytest.mark.anyio
async def test_a_next_link_is_followed_verbatim() -> None:
    transport = ScriptedTransport(json_answer(200, {"value": []}))
    link = f"{BASE}/me/events?$skip=10&$top=10"
    await call(graph(transport), ProviderRequest("GET", link))
    assert transport.requests[0].url == link


@pytest.mark.parametrize(
    ("graph_status", "status", "message"),
    [
        (400, 400, "Bad Request"),
        (403, 403, "Forbidden"),
        (404, 404, "Not Found"),
        (405, 405, "Method Not Allowed"),
        (406, 406, "Not Acceptable"),
        (409, 409, "Conflict"),
        (412, 409, "Conflict"),
        (415, 415, "Unsupported Media Type"),
        (422, 422, "Unprocessable Entity"),
        (410, 410, "Gone"),
        (500, 502, "Provider server error"),
        (502, 502, "Provider server error"),
        (503, 502, "Provider server error"),
        (504, 502, "Provider server error"),
    ],
)
@pytest.mark.anyio
async def test_graph_errors_map_to_platform_errors(
    graph_status: int, status: int, message: str
) -> None:
    transport = ScriptedTransport(graph_error(graph_status, "ErrorX", "It broke."))
    with pytest.raises(ProviderFailure) as caught:
        await call(graph(transport))
    assert caught.value.status == status
    assert caught.value.message == message
    assert caught.value.provider_message == "ErrorX: It broke."
    assert caught.value.provider_code == "ErrorX"
    assert caught.value.provider_status == graph_status


@pytest.mark.anyio
async def test_throttling_after_retries_passes_retry_after_on() -> None:
    transport = ScriptedTransport(
        graph_error(429, "ApplicationThrottled", "Over the limit.", retry_after="7")
    )
    with pytest.raises(ProviderFailure) as caught:
        await call(graph(transport))
    assert caught.value.status == 429
    assert caught.value.headers() == {"Retry-After": "7"}


@pytest.mark.anyio
async def test_401_raises_access_token_rejected_for_the_refresh_path() -> None:
    transport = ScriptedTransport(
        graph_error(401, "InvalidAuthenticationToken", "Lifetime validation failed.")
    )
    with pytest.raises(AccessTokenRejected) as caught:
        await call(graph(transport))
    assert (
        caught.value.provider_message == "InvalidAuthenticationToken: Lifetime validation failed."
    )


@pytest.mark.anyio
async def test_no_answer_is_a_502() -> None:
    with pytest.raises(ProviderFailure) as caught:
        await call(graph(ScriptedTransport(TransportFailure("refused"))))
    assert caught.value.status == 502
    assert caught.value.provider_message is None


@pytest.mark.anyio
async def test_an_error_without_the_envelope_still_maps() -> None:
    bare = HttpResponse(status=404, headers={}, body=b"<html>gone</html>")
    with pytest.raises(ProviderFailure) as caught:
        await call(graph(ScriptedTransport(bare)))
    assert caught.value.status == 404
    assert caught.value.provider_message is None


class GatedTransport:
    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.in_flight = 0
        self.peak = 0

    async def send(self, request: HttpRequest) -> HttpResponse:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        await self.gate.wait()
        self.in_flight -= 1
        return json_answer(200, {})


@pytest.mark.anyio
async def test_at_most_four_calls_per_mailbox_are_in_flight() -> None:
    transport = GatedTransport()
    client = graph(transport)
    tasks = [asyncio.create_task(call(client)) for _ in range(12)]
    await asyncio.sleep(0.01)
    assert transport.in_flight == 4
    transport.gate.set()
    await asyncio.gather(*tasks)
    assert transport.peak == 4


def test_encode_segment_escapes_every_reserved_character() -> None:
    assert encode_segment("AAMk/AD+x=_-") == "AAMk%2FAD%2Bx%3D_-"
