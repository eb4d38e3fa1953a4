"""All SQL of the local runner, on the `job` table (models.py explains the columns).

Claiming is one `UPDATE ... WHERE id IN (SELECT ... LIMIT n) RETURNING`: on PostgreSQL the
inner select takes `FOR UPDATE SKIP LOCKED`, so concurrent workers pick disjoint rows; on
SQLite the transaction starts with `BEGIN IMMEDIATE` (kit.db), so claims are serialized.
A job with a lock is eligible only when no other job with that lock is running and no
earlier job with that lock waits (FIFO per lock, as procrastinate does); the unique index on
running locks backs this up if two claims ever race.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Result, and_, delete, exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import aliased

from openelements.jobs.api import JobId, JobInfo, JobStatus, JSONValue
from openelements.jobs.models import JobRow

TODO, DOING = JobStatus.TODO.value, JobStatus.DOING.value
FINISHED = (JobStatus.SUCCEEDED.value, JobStatus.CANCELLED.value)
ERROR_LIMIT = 2000

Executor = AsyncSession | AsyncConnection
"""The worker's hot path runs on a connection it keeps (no pool checkout per round)."""


@dataclass(frozen=True, kw_only=True)
class ClaimedJob:
    id: JobId
    task_name: str
    args: Mapping[str, JSONValue]
    attempts: int


@dataclass(frozen=True, kw_only=True)
class NewJob:
    task_name: str
    queue: str
    args: Mapping[str, JSONValue]
    run_at: datetime
    lock: str | None = None
    queueing_lock: str | None = None
    periodic_key: str | None = None


async def insert_job(session: AsyncSession, job: NewJob, *, now: datetime) -> JobId | None:
    """Insert a waiting job; None when a unique key (queueing lock, period) is taken."""
    values: dict[str, Any] = {
        "task_name": job.task_name,
        "queue": job.queue,
        "args": dict(job.args),
        "status": TODO,
        "attempts": 0,
        "run_at": job.run_at,
        "lock": job.lock,
        "queueing_lock": job.queueing_lock,
        "periodic_key": job.periodic_key,
        "created_at": now,
    }
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(JobRow).values(**values).on_conflict_do_nothing().returning(JobRow.id)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def claim(
    session: Executor,
    *,
    owner: str,
    now: datetime,
    lease: timedelta,
    limit: int,
    queues: Sequence[str] | None,
) -> list[ClaimedJob]:
    other = aliased(JobRow)
    lock_taken = exists().where(
        other.lock == JobRow.lock,
        other.id != JobRow.id,
        or_(other.status == DOING, and_(other.status == TODO, other.id < JobRow.id)),
    )
    due = or_(
        and_(
            JobRow.status == TODO,
            JobRow.run_at <= now,
            or_(JobRow.lock.is_(None), ~lock_taken),
        ),
        # Orphaned by a dead process: it still holds its lock, so no lock check.
        and_(JobRow.status == DOING, JobRow.lease_expires_at < now),
    )
    candidates = select(JobRow.id).where(due)
    if queues:
        candidates = candidates.where(JobRow.queue.in_(queues))
    candidates = (
        candidates.order_by(JobRow.id).limit(limit).with_for_update(skip_locked=True, of=JobRow)
    )
    statement = (
        update(JobRow)
        .where(JobRow.id.in_(candidates.scalar_subquery()))
        .values(
            status=DOING,
            attempts=JobRow.attempts + 1,
            lease_owner=owner,
            lease_expires_at=now + lease,
        )
        .returning(JobRow.id, JobRow.task_name, JobRow.args, JobRow.attempts)
        .execution_options(synchronize_session=False)
    )
    rows = (await session.execute(statement)).all()
    return [
        ClaimedJob(id=r.id, task_name=r.task_name, args=r.args, attempts=r.attempts) for r in rows
    ]


async def next_run_at(session: Executor, *, after: datetime) -> datetime | None:
    """The earliest future `run_at` of a waiting job (the runner sleeps until then)."""
    statement = select(func.min(JobRow.run_at)).where(JobRow.status == TODO, JobRow.run_at > after)
    return (await session.execute(statement)).scalar_one_or_none()


def _rowcount(result: Result[Any]) -> int:
    return int(cast(CursorResult[Any], result).rowcount)


def _owned(job_id: JobId, owner: str) -> Any:
    # A worker that lost its lease (another one reclaimed the job) must not overwrite it.
    return and_(JobRow.id == job_id, JobRow.lease_owner == owner, JobRow.status == DOING)


async def mark_succeeded(
    session: Executor, job_ids: Sequence[JobId], *, owner: str, now: datetime
) -> int:
    statement = (
        update(JobRow)
        .where(JobRow.id.in_(job_ids), JobRow.lease_owner == owner, JobRow.status == DOING)
        .values(
            status=JobStatus.SUCCEEDED.value,
            finished_at=now,
            lease_owner=None,
            lease_expires_at=None,
            last_error=None,
        )
        .execution_options(synchronize_session=False)
    )
    return _rowcount(await session.execute(statement))


async def mark_failed(
    session: Executor, job_id: JobId, *, owner: str, now: datetime, error: str
) -> bool:
    statement = (
        update(JobRow)
        .where(_owned(job_id, owner))
        .values(
            status=JobStatus.FAILED.value,
            finished_at=now,
            lease_owner=None,
            lease_expires_at=None,
            last_error=error[:ERROR_LIMIT],
        )
        .execution_options(synchronize_session=False)
    )
    return _rowcount(await session.execute(statement)) > 0


async def schedule_retry(
    session: Executor, job_id: JobId, *, owner: str, run_at: datetime, error: str
) -> bool:
    statement = (
        update(JobRow)
        .where(_owned(job_id, owner))
        .values(
            status=TODO,
            run_at=run_at,
            lease_owner=None,
            lease_expires_at=None,
            last_error=error[:ERROR_LIMIT],
        )
        .execution_options(synchronize_session=False)
    )
    return _rowcount(await session.execute(statement)) > 0


async def extend_leases(
    session: Executor, job_ids: Sequence[JobId], *, owner: str, expires_at: datetime
) -> set[JobId]:
    """Extend the leases `owner` still holds; the ids not returned were taken over."""
    statement = (
        update(JobRow)
        .where(JobRow.id.in_(job_ids), JobRow.lease_owner == owner, JobRow.status == DOING)
        .values(lease_expires_at=expires_at)
        .returning(JobRow.id)
        .execution_options(synchronize_session=False)
    )
    return set((await session.execute(statement)).scalars())


async def release(session: Executor, *, owner: str, now: datetime) -> int:
    """Hand every job this owner still holds back to the queue, due at once (shutdown)."""
    statement = (
        update(JobRow)
        .where(JobRow.lease_owner == owner, JobRow.status == DOING)
        .values(status=TODO, run_at=now, lease_owner=None, lease_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(await session.execute(statement))


async def list_jobs(
    session: AsyncSession, *, statuses: Sequence[JobStatus] | None, limit: int
) -> list[JobInfo]:
    statement = select(JobRow).order_by(JobRow.id.desc()).limit(limit)
    if statuses:
        statement = statement.where(JobRow.status.in_([s.value for s in statuses]))
    rows = (await session.execute(statement)).scalars().all()
    return [
        JobInfo(
            id=row.id,
            task_name=row.task_name,
            queue=row.queue,
            status=JobStatus(row.status),
            attempts=row.attempts,
            args=row.args,
            run_at=row.run_at,
            lock=row.lock,
            queueing_lock=row.queueing_lock,
        )
        for row in rows
    ]


async def retry_failed(session: AsyncSession, job_id: JobId, *, now: datetime) -> bool:
    statement = (
        update(JobRow)
        .where(JobRow.id == job_id, JobRow.status == JobStatus.FAILED.value)
        .values(status=TODO, run_at=now, finished_at=None)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(await session.execute(statement)) > 0


async def cancel_waiting(session: AsyncSession, job_id: JobId, *, now: datetime) -> bool:
    statement = (
        update(JobRow)
        .where(JobRow.id == job_id, JobRow.status == TODO)
        .values(status=JobStatus.CANCELLED.value, finished_at=now)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(await session.execute(statement)) > 0


async def count_by_status(session: AsyncSession) -> dict[JobStatus, int]:
    statement = select(JobRow.status, func.count()).group_by(JobRow.status)
    return {JobStatus(status): count for status, count in (await session.execute(statement)).all()}


async def oldest_due_run_at(session: AsyncSession, *, now: datetime) -> datetime | None:
    statement = select(func.min(JobRow.run_at)).where(JobRow.status == TODO, JobRow.run_at <= now)
    return (await session.execute(statement)).scalar_one_or_none()


async def purge_finished(session: AsyncSession, *, before: datetime) -> int:
    statement = delete(JobRow).where(JobRow.status.in_(FINISHED), JobRow.finished_at < before)
    return _rowcount(await session.execute(statement))
