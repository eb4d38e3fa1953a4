"""The request's unit of work through the real app: commit on success, rollback on error,
committed before the response leaves, read sessions that cannot write."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from sqlalchemy import Integer, String, func, insert, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from openelements.app import create_app
from openelements.container import ContainerDep, ReadSession, WriteSession
from openelements.kit.db import Database, on_commit
from openelements.kit.errors import Conflict
from openelements.settings import API_BASE_PATH, Settings


class _Base(DeclarativeBase):
    pass


class Note(_Base):
    __tablename__ = "note"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(String(40))


class _RecordResponseStart:
    def __init__(self, app: ASGIApp, *, events: list[str]) -> None:
        self.app, self.events = app, events

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def recording_send(message: Message) -> None:
            if message["type"] == "http.response.start" and scope["method"] == "POST":
                self.events.append("response-start")
            await send(message)

        await self.app(scope, receive, recording_send)


def _router(events: list[str]) -> APIRouter:
    router = APIRouter(prefix=f"{API_BASE_PATH}/notes")

    @router.post("/{text}")
    async def add(text: str, session: WriteSession, container: ContainerDep) -> dict[str, int]:
        session.add(Note(text=text))
        await session.flush()

        async def seen_after_commit() -> None:
            async with container.database.read_session() as reader:
                count = await reader.scalar(select(func.count()).select_from(Note))
            events.append(f"committed:{count}")

        on_commit(session, seen_after_commit)
        if text == "clash":
            raise Conflict("Note clashes")
        return {"count": len(events)}

    @router.get("")
    async def count(session: ReadSession) -> dict[str, int]:
        return {"count": await session.scalar(select(func.count()).select_from(Note)) or 0}

    @router.put("/sneaky")
    async def sneaky(session: ReadSession) -> None:
        session.add(Note(text="sneaky"))
        await session.flush()

    return router


@pytest.fixture
def events() -> list[str]:
    return []


@pytest.fixture
def client(migrated_sqlite_url: str, events: list[str]) -> Iterator[TestClient]:
    url = migrated_sqlite_url

    async def create_tables() -> None:
        database = Database.from_url(url)
        async with database.engine.begin() as connection:
            await connection.run_sync(_Base.metadata.create_all)
            await connection.execute(insert(Note).values(text="seed"))
        await database.dispose()

    asyncio.run(create_tables())
    settings = Settings(
        database_url=url,
        encryption_keys=f"k1:{base64.b64encode(bytes(32)).decode()}",
        hmac_pepper=base64.b64encode(bytes(32)).decode(),
    )
    app = create_app(settings, start_worker=False)
    app.include_router(_router(events))
    app.add_middleware(_RecordResponseStart, events=events)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def test_write_session_commits_before_the_response_is_sent(
    client: TestClient, events: list[str]
) -> None:
    response = client.post(f"{API_BASE_PATH}/notes/hello")
    assert response.status_code == 200
    assert events == ["committed:2", "response-start"]
    assert client.get(f"{API_BASE_PATH}/notes").json() == {"count": 2}


def test_error_rolls_the_request_back_and_skips_after_commit(
    client: TestClient, events: list[str]
) -> None:
    assert client.post(f"{API_BASE_PATH}/notes/clash").status_code == 409
    assert events == ["response-start"]
    assert client.get(f"{API_BASE_PATH}/notes").json() == {"count": 1}


def test_read_session_refuses_to_write(client: TestClient) -> None:
    response = client.put(f"{API_BASE_PATH}/notes/sneaky")
    assert response.status_code == 500
    assert client.get(f"{API_BASE_PATH}/notes").json() == {"count": 1}
