from __future__ import annotations

import asyncio
import json

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from msgraph_emulator.batch import BatchItem, ItemResponse, parse_batch, routes, run_batch


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_dependants_of_a_failed_item_get_424_and_never_run() -> None:
    items = parse_batch(
        {
            "requests": [
                {"id": "1", "method": "GET", "url": "/fail"},
                {"id": "2", "method": "GET", "url": "/ok", "dependsOn": ["1"]},
                {"id": "3", "method": "GET", "url": "/ok", "dependsOn": ["2"]},
                {"id": "4", "method": "GET", "url": "/ok"},
            ]
        }
    )
    ran: list[str] = []

    async def dispatch(item: BatchItem) -> ItemResponse:
        ran.append(item.id)
        return ItemResponse(404 if item.url == "/fail" else 200, {})

    answers = await run_batch(items, dispatch)
    assert {k: v.status for k, v in answers.items()} == {"1": 404, "2": 424, "3": 424, "4": 200}
    assert sorted(ran) == ["1", "4"]
    assert answers["2"].body["error"]["code"] == "FailedDependency"


@pytest.mark.anyio
async def test_at_most_four_items_run_at_once_and_dependencies_run_in_order() -> None:
    items = parse_batch(
        {
            "requests": [{"id": str(i), "method": "GET", "url": "/x"} for i in range(10)]
            + [{"id": "a", "method": "GET", "url": "/x", "dependsOn": ["9"]}]
        }
    )
    running = peak = 0
    finished: list[str] = []

    async def dispatch(item: BatchItem) -> ItemResponse:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.01)
        running -= 1
        finished.append(item.id)
        return ItemResponse(200, {})

    await run_batch(items, dispatch)
    assert peak == 4
    assert finished.index("a") > finished.index("9")


class Emulatorish:
    origin = "http://emulator.test"


def echo_app() -> Starlette:
    async def echo(request: Request) -> Response:
        body = await request.body()
        return JSONResponse(
            {
                "path": request.url.path,
                "query": request.url.query,
                "auth": request.headers.get("authorization"),
                "body": body.decode(),
            },
            status_code=201,
        )

    async def raw(request: Request) -> Response:
        return Response(b"\x00\x01", media_type="application/octet-stream")

    async def empty(request: Request) -> Response:
        return Response(status_code=204)

    async def broken(request: Request) -> Response:
        raise RuntimeError("a handler bug")

    app = Starlette(
        routes=[
            Route("/v1.0/me/echo", echo, methods=["POST"]),
            Route("/v1.0/me/raw", raw),
            Route("/v1.0/me/empty", empty, methods=["DELETE"]),
            Route("/v1.0/me/broken", broken),
            *[Route("/v1.0" + r.path, r.endpoint, methods=["POST"]) for r in routes()],  # type: ignore[attr-defined]
        ]
    )
    app.state.emulator = Emulatorish()
    return app


def test_items_run_through_the_app_with_the_batch_authorization() -> None:
    client = TestClient(echo_app(), base_url="http://emulator.test")
    answer = client.post(
        "/v1.0/$batch",
        headers={"Authorization": "Bearer abc"},
        json={
            "requests": [
                {
                    "id": "1",
                    "method": "POST",
                    "url": "http://emulator.test/v1.0/me/echo?x=1",
                    "headers": {
                        "Content-Type": "application/json",
                        "Authorization": "Bearer other",
                    },
                    "body": {"subject": "s"},
                },
                {"id": "2", "method": "GET", "url": "/me/raw"},
                {"id": "3", "method": "DELETE", "url": "/me/empty"},
                {"id": "4", "method": "GET", "url": "https://elsewhere.test/v1.0/me/raw"},
            ]
        },
    )
    assert answer.status_code == 200
    responses = {r["id"]: r for r in answer.json()["responses"]}
    assert responses["1"]["status"] == 201
    assert responses["1"]["body"] == {
        "path": "/v1.0/me/echo",
        "query": "x=1",
        "auth": "Bearer abc",
        "body": json.dumps({"subject": "s"}),
    }
    assert responses["2"]["body"] == "AAE="
    assert responses["3"] == {"id": "3", "status": 204, "headers": {}}
    assert responses["4"]["status"] == 400


def test_an_item_whose_handler_fails_answers_500_and_its_siblings_still_answer() -> None:
    """Starlette re-raises a handler's exception after answering 500: that answer is the
    item's, and dependants get 424 instead of waiting forever."""
    client = TestClient(echo_app(), base_url="http://emulator.test")
    answer = client.post(
        "/v1.0/$batch",
        json={
            "requests": [
                {"id": "1", "method": "GET", "url": "/me/broken"},
                {"id": "2", "method": "GET", "url": "/me/raw", "dependsOn": ["1"]},
                {"id": "3", "method": "GET", "url": "/me/raw"},
            ]
        },
    )
    assert answer.status_code == 200
    statuses = {r["id"]: r["status"] for r in answer.json()["responses"]}
    assert statuses == {"1": 500, "2": 424, "3": 200}


@pytest.mark.anyio
async def test_a_dispatch_that_raises_still_settles_every_item() -> None:
    items = parse_batch(
        {
            "requests": [
                {"id": "1", "method": "GET", "url": "/raise"},
                {"id": "2", "method": "GET", "url": "/ok", "dependsOn": ["1"]},
            ]
        }
    )

    async def dispatch(item: BatchItem) -> ItemResponse:
        if item.url == "/raise":
            raise RuntimeError("no answer at all")
        return ItemResponse(200, {})

    answers = await run_batch(items, dispatch)
    assert {k: v.status for k, v in answers.items()} == {"1": 500, "2": 424}
