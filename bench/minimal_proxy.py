"""The floor for any Python gateway: FastAPI + one aiohttp session, no auth, no database.

    .venv/bin/python bench/minimal_proxy.py UPSTREAM PORT

Forwards GET `/{path}` with its query and `Authorization` header to UPSTREAM and answers
Graph's bytes as they came.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import uvicorn
import yarl
from fastapi import FastAPI, Request, Response

UPSTREAM, PORT = sys.argv[1].rstrip("/"), int(sys.argv[2])
session: aiohttp.ClientSession


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    global session
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100))
    yield
    await session.close()


app = FastAPI(lifespan=lifespan)


@app.get("/{path:path}")
async def forward(path: str, request: Request) -> Response:
    headers = {"Authorization": request.headers.get("authorization", "")}
    raw = request.scope["raw_path"].decode()  # keeps %2F inside Graph ids
    url = f"{UPSTREAM}{raw}?{request.url.query}" if request.url.query else f"{UPSTREAM}{raw}"
    async with session.get(yarl.URL(url, encoded=True), headers=headers) as upstream:
        body = await upstream.read()
        return Response(body, upstream.status, media_type=upstream.headers.get("content-type"))


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=PORT, log_level="warning", access_log=False)
