"""Database engine, the UTC column type and the unit of work.

One `Database` per process. The request or job boundary opens the unit of work:

    async with database.transaction() as session:
        await service.do_something(session, ...)     # services flush, never commit
    # committed here; after-commit callbacks (on_commit) ran

SQLite rules (DESIGN.md §3): WAL journal, a busy timeout, foreign keys on, and `BEGIN IMMEDIATE`
for every write transaction. The sqlite3/aiosqlite default opens transactions lazily as
DEFERRED; two such transactions that both read and then write deadlock on the upgrade to a
write lock and one fails with "database is locked" (or, with read-modify-write in Python, an
update is lost). Taking the write lock at BEGIN makes writers queue on busy_timeout instead.
We follow SQLAlchemy's documented recipe: the driver's own BEGIN handling is switched off
(`isolation_level = None`) and the engine's "begin" event emits ours. Read-only sessions
(`Database.read_session`) use a plain deferred `BEGIN` so they never wait for writers (WAL).

PostgreSQL goes through psycopg 3 (`postgresql+psycopg://`), default READ COMMITTED.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy import BigInteger, DateTime, Dialect, Integer, MetaData, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

__all__ = [
    "NAMING_CONVENTION",
    "AfterCommit",
    "Base",
    "Database",
    "ObjectId",
    "UTCDateTime",
    "create_engine",
    "on_commit",
]

log = structlog.get_logger(__name__)

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

DEFAULT_SQLITE_BUSY_TIMEOUT_MS = 15_000
_READ_ONLY_OPTION = "openelements_read_only"
_AFTER_COMMIT_KEY = "openelements.after_commit"
_UNIT_OF_WORK_KEY = "openelements.unit_of_work"

AfterCommit = Callable[[], Awaitable[None] | None]

# Ids of platform objects: 64-bit on PostgreSQL (any id `kit.ids.parse_object_id` accepts can be
# queried); on SQLite INTEGER PRIMARY KEY, the rowid alias that autoincrements.
ObjectId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is tz-aware UTC in Python on every backend.

    Binding a naive datetime is an error (it would be ambiguous). PostgreSQL stores
    `timestamptz`; SQLite stores the naive UTC wall time as fixed-width text, which sorts
    and compares correctly. Values read back are always `tzinfo=UTC`.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r} bound to a UTC column")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base of every table. `Mapped[datetime]` columns are UTCDateTime."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


def create_engine(
    url: str, *, sqlite_busy_timeout_ms: int = DEFAULT_SQLITE_BUSY_TIMEOUT_MS, echo: bool = False
) -> AsyncEngine:
    """An async engine with the SQLite rules applied; PostgreSQL via psycopg 3."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = _create_async_engine(url, echo=echo)
        _apply_sqlite_rules(engine, busy_timeout_ms=sqlite_busy_timeout_ms)
        return engine
    return _create_async_engine(url, echo=echo, pool_pre_ping=True)


def _apply_sqlite_rules(engine: AsyncEngine, *, busy_timeout_ms: int) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to the "begin" hook below (SQLAlchemy's recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        read_only = conn.get_execution_options().get(_READ_ONLY_OPTION, False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def on_commit(session: AsyncSession, callback: AfterCommit) -> None:
    """Run `callback` once the unit of work that owns `session` has committed.

    Callbacks run in registration order, only after a successful commit, never after a
    rollback. A failing callback is logged and does not undo the commit or stop the others:
    the data is already durable, so callers must make the follow-up recoverable (for jobs:
    a durable row the runner also finds by polling).
    """
    if not session.info.get(_UNIT_OF_WORK_KEY):
        raise RuntimeError("on_commit needs a session from Database.transaction()")
    session.info.setdefault(_AFTER_COMMIT_KEY, []).append(callback)


class Database:
    """Engine plus the unit-of-work factory. Build one per process; `dispose` at shutdown."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False, autoflush=True)
        self._read_sessions = async_sessionmaker(
            engine.execution_options(**{_READ_ONLY_OPTION: True}), expire_on_commit=False
        )

    @classmethod
    def from_url(
        cls, url: str, *, sqlite_busy_timeout_ms: int = DEFAULT_SQLITE_BUSY_TIMEOUT_MS
    ) -> Database:
        return cls(create_engine(url, sqlite_busy_timeout_ms=sqlite_busy_timeout_ms))

    @property
    def backend(self) -> str:
        """`sqlite` or `postgresql`."""
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """The unit of work: commits when the block ends, rolls back if it raises."""
        session = self._sessions()
        session.info[_UNIT_OF_WORK_KEY] = True
        try:
            async with session.begin():
                yield session
            callbacks: list[AfterCommit] = session.info.pop(_AFTER_COMMIT_KEY, [])
        finally:
            await session.close()
        await _run_after_commit(callbacks)

    @asynccontextmanager
    async def read_session(self) -> AsyncIterator[AsyncSession]:
        """A session for reads only: never commits, and refuses to flush changes."""
        session = self._read_sessions()
        event.listen(session.sync_session, "before_flush", _refuse_flush)
        try:
            yield session
        finally:
            await session.close()  # rolls back whatever the reads began

    async def dispose(self) -> None:
        await self.engine.dispose()


def _refuse_flush(session: Session, _context: Any, _instances: Any) -> None:
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("write attempted in a read-only session")


async def _run_after_commit(callbacks: list[AfterCommit]) -> None:
    for callback in callbacks:
        try:
            result = callback()
            if inspect.isawaitable(result):
                await result
        except Exception:
            log.exception("after_commit_callback_failed", callback=repr(callback))
