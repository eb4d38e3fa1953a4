"""kit.db against real databases: the UTC type, the unit of work, SQLite write rules."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from openelements.kit.db import NAMING_CONVENTION, Database, UTCDateTime, on_commit

metadata = MetaData(naming_convention=NAMING_CONVENTION)
probe = Table(
    "probe",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(40), nullable=False, unique=True),
    Column("seen_at", UTCDateTime(), nullable=True),
)
counter = Table("counter", metadata, Column("id", Integer, primary_key=True), Column("n", Integer))

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database.from_url(database_url)
    async with db.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    try:
        yield db
    finally:
        await db.dispose()


@pytest.fixture
async def sqlite_database(sqlite_url: str) -> AsyncIterator[Database]:
    db = Database.from_url(sqlite_url)
    async with db.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
        await connection.execute(insert(counter).values(id=1, n=0))
    try:
        yield db
    finally:
        await db.dispose()


async def test_utc_datetime_round_trips_identically(database: Database) -> None:
    moments = {
        "utc": datetime(2026, 3, 29, 0, 59, 59, 123456, tzinfo=UTC),
        "offset": datetime(2026, 3, 29, 3, 0, tzinfo=timezone(timedelta(hours=2))),
    }
    async with database.transaction() as session:
        for name, moment in moments.items():
            await session.execute(insert(probe).values(name=name, seen_at=moment))
    async with database.read_session() as session:
        result = await session.execute(select(probe.c.name, probe.c.seen_at))
        rows = dict(result.all())
    assert rows["utc"] == moments["utc"]
    assert rows["utc"].tzinfo is UTC
    assert rows["offset"] == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert rows["offset"].tzinfo is UTC


async def test_utc_datetime_orders_and_compares_in_sql(database: Database) -> None:
    base = datetime(2026, 1, 1, tzinfo=UTC)
    async with database.transaction() as session:
        for i in (3, 1, 2):
            await session.execute(
                insert(probe).values(name=f"p{i}", seen_at=base + timedelta(microseconds=i))
            )
    async with database.read_session() as session:
        names = (
            await session.scalars(
                select(probe.c.name)
                .where(probe.c.seen_at > base + timedelta(microseconds=1))
                .order_by(probe.c.seen_at)
            )
        ).all()
    assert names == ["p2", "p3"]


async def test_naive_datetime_is_refused(database: Database) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        async with database.transaction() as session:
            await session.execute(insert(probe).values(name="n", seen_at=datetime(2026, 1, 1)))


async def test_transaction_commits_at_the_end_and_rolls_back_on_error(database: Database) -> None:
    async with database.transaction() as session:
        await session.execute(insert(probe).values(name="kept"))

    async def failing_unit_of_work() -> None:
        async with database.transaction() as session:
            await session.execute(insert(probe).values(name="dropped"))
            raise RuntimeError("service failed")

    with pytest.raises(RuntimeError):
        await failing_unit_of_work()
    async with database.read_session() as session:
        names = (await session.scalars(select(probe.c.name))).all()
    assert names == ["kept"]


async def test_on_commit_runs_after_commit_only(database: Database) -> None:
    seen: list[str] = []

    async def async_callback() -> None:
        async with database.read_session() as session:
            seen.append(str(await session.scalar(select(func.count()).select_from(probe))))

    async with database.transaction() as session:
        await session.execute(insert(probe).values(name="a"))
        on_commit(session, async_callback)
        on_commit(session, lambda: seen.append("sync"))
        assert seen == []
    assert seen == ["1", "sync"]

    async def duplicate_insert() -> None:
        async with database.transaction() as session:
            on_commit(session, lambda: seen.append("never"))
            await session.execute(insert(probe).values(name="a"))

    with pytest.raises(IntegrityError):
        await duplicate_insert()
    assert seen == ["1", "sync"]


async def test_failing_after_commit_callback_does_not_undo_the_commit(database: Database) -> None:
    ran: list[str] = []

    def broken() -> None:
        raise ValueError("downstream failed")

    async with database.transaction() as session:
        await session.execute(insert(probe).values(name="durable"))
        on_commit(session, broken)
        on_commit(session, lambda: ran.append("next"))
    assert ran == ["next"]
    async with database.read_session() as session:
        assert await session.scalar(select(probe.c.name)) == "durable"


async def test_on_commit_outside_a_unit_of_work_is_an_error(database: Database) -> None:
    async with database.read_session() as session:
        with pytest.raises(RuntimeError, match=r"Database\.transaction"):
            on_commit(session, lambda: None)


async def test_read_session_never_writes(database: Database) -> None:
    async with database.read_session() as session:
        await session.execute(insert(probe).values(name="core-insert"))
    async with database.read_session() as session:
        assert await session.scalar(select(func.count()).select_from(probe)) == 0


async def test_fifty_concurrent_read_modify_write_transactions_on_sqlite(
    sqlite_database: Database,
) -> None:
    """The aiosqlite default (deferred BEGIN) fails these with "database is locked" or loses
    increments; BEGIN IMMEDIATE makes them queue."""

    async def bump(i: int) -> None:
        async with sqlite_database.transaction() as session:
            current = await session.scalar(select(counter.c.n).where(counter.c.id == 1))
            assert current is not None
            await asyncio.sleep(0)  # let the others interleave between read and write
            await session.execute(update(counter).where(counter.c.id == 1).values(n=current + 1))
            await session.execute(insert(probe).values(name=f"writer-{i}"))

    await asyncio.gather(*(bump(i) for i in range(50)))
    async with sqlite_database.read_session() as session:
        assert await session.scalar(select(counter.c.n)) == 50
        assert await session.scalar(select(func.count()).select_from(probe)) == 50


async def test_sqlite_connections_use_wal_and_foreign_keys(sqlite_database: Database) -> None:
    async with sqlite_database.engine.connect() as connection:
        assert (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
        assert (await connection.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1
        assert (await connection.exec_driver_sql("PRAGMA busy_timeout")).scalar() == 15000
