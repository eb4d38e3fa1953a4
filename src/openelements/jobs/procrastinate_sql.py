"""Operations SQL on procrastinate's tables (`openelements jobs ...`, metrics, housekeeping).

Run through the application's own sessions, so operating the queue needs no procrastinate
connection pool. Writes go through procrastinate's own SQL functions where one exists.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, text
from sqlalchemy.ext.asyncio import AsyncSession

from openelements.jobs.api import JobId, JobInfo, JobStats, JobStatus

# procrastinate's `aborted` (cut short on request) reads as failed; `aborting` is legacy.
_STATUS = {"aborted": JobStatus.FAILED, "aborting": JobStatus.DOING}
_NATIVE = {JobStatus.FAILED: ("failed", "aborted"), JobStatus.DOING: ("doing", "aborting")}


def _status(native: str) -> JobStatus:
    return _STATUS.get(native) or JobStatus(native)


def _natives(statuses: Sequence[JobStatus]) -> list[str]:
    return [name for status in statuses for name in _NATIVE.get(status, (status.value,))]


async def list_jobs(
    session: AsyncSession, *, statuses: Sequence[JobStatus] | None, limit: int
) -> list[JobInfo]:
    query = text(
        "SELECT id, queue_name, task_name, lock, queueing_lock, args, status::text AS status,"
        " scheduled_at, attempts FROM procrastinate_jobs"
        " WHERE CAST(:statuses AS text[]) IS NULL OR status::text = ANY(CAST(:statuses AS text[]))"
        " ORDER BY id DESC LIMIT :limit"
    )
    params = {"statuses": _natives(statuses) if statuses else None, "limit": limit}
    rows = (await session.execute(query, params)).mappings().all()
    return [
        JobInfo(
            id=row["id"],
            task_name=row["task_name"],
            queue=row["queue_name"],
            status=_status(row["status"]),
            attempts=row["attempts"],
            args=row["args"],
            run_at=row["scheduled_at"],
            lock=row["lock"],
            queueing_lock=row["queueing_lock"],
        )
        for row in rows
    ]


async def retry_failed(session: AsyncSession, job_id: JobId) -> bool:
    status = (
        await session.execute(
            text("SELECT status::text FROM procrastinate_jobs WHERE id = :id FOR UPDATE"),
            {"id": job_id},
        )
    ).scalar_one_or_none()
    if status not in _NATIVE[JobStatus.FAILED]:
        return False
    await session.execute(
        text("SELECT procrastinate_retry_job_v2(:id, now(), NULL, NULL, NULL)"), {"id": job_id}
    )
    return True


async def stats(session: AsyncSession) -> JobStats:
    rows = await session.execute(
        text("SELECT status::text, count(*) FROM procrastinate_jobs GROUP BY status")
    )
    counts: dict[JobStatus, int] = {}
    for native, count in rows.all():
        status = _status(native)
        counts[status] = counts.get(status, 0) + count
    # A waiting job became due at scheduled_at, or when it was deferred if it has none.
    waited = await session.execute(
        text(
            "SELECT EXTRACT(EPOCH FROM now() - min(COALESCE(j.scheduled_at, e.at)))"
            " FROM procrastinate_jobs j"
            " JOIN procrastinate_events e ON e.job_id = j.id AND e.type = 'deferred'"
            " WHERE j.status = 'todo' AND (j.scheduled_at IS NULL OR j.scheduled_at <= now())"
        )
    )
    seconds = waited.scalar_one_or_none()
    return JobStats(
        counts=counts, oldest_waiting_seconds=None if seconds is None else max(0.0, float(seconds))
    )


async def purge_finished(session: AsyncSession, *, older_than: timedelta) -> int:
    result = await session.execute(
        text(
            "DELETE FROM procrastinate_jobs j WHERE j.status IN ('succeeded', 'cancelled')"
            " AND (SELECT max(e.at) FROM procrastinate_events e WHERE e.job_id = j.id)"
            " < now() - make_interval(secs => :seconds)"
        ),
        {"seconds": older_than.total_seconds()},
    )
    return int(cast(CursorResult[Any], result).rowcount)
