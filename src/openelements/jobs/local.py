"""The local runner: jobs in the `job` table, run by a bounded pool inside the process
(local_worker.py).

Deferral is a transactional outbox: the row is inserted in the caller's transaction, so it
exists exactly when that transaction commits; an after-commit hook only wakes this process's
pool early (other processes find the row by polling). A claimed job is leased to its worker;
a heartbeat extends the leases of running jobs, and a job whose worker died is claimed again
once its lease expires. Retries are rows due at `now + back-off`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from datetime import datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from openelements.jobs import repository
from openelements.jobs.api import (
    JobArgs,
    JobId,
    JobInfo,
    JobStats,
    JobStatus,
    PeriodicTask,
    Resources,
    Task,
    TaskRegistry,
    WorkerTimings,
)
from openelements.jobs.execution import PERIOD_ARG
from openelements.jobs.local_worker import LocalWorker
from openelements.kit.clock import Clock, SystemClock
from openelements.kit.db import Database, on_commit

log = structlog.get_logger("openelements.jobs.local")


class LocalJobs:
    """The `local` backend (OPENELEMENTS_JOBS_BACKEND=local), on SQLite or PostgreSQL."""

    def __init__(
        self,
        *,
        database: Database,
        registry: TaskRegistry,
        resources: Resources | None = None,
        timings: WorkerTimings | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.database = database
        self.registry = registry
        self.resources = resources or Resources()
        self.timings = timings or WorkerTimings()
        self.clock = clock or SystemClock()
        self._wake = asyncio.Event()

    async def defer(
        self,
        session: AsyncSession,
        task: Task | str,
        *,
        args: JobArgs | None = None,
        run_at: datetime | None = None,
        lock: str | None = None,
        queueing_lock: str | None = None,
    ) -> JobId | None:
        declared = self.registry.resolve(task)
        now = self.clock.now()
        job = repository.NewJob(
            task_name=declared.name,
            queue=declared.queue,
            args=dict(args or {}),
            run_at=run_at or now,
            lock=lock,
            queueing_lock=queueing_lock,
        )
        job_id = await repository.insert_job(session, job, now=now)
        if job_id is not None:
            _wake_after_commit(session, self._wake)
        return job_id

    async def defer_period(self, periodic: PeriodicTask, start: datetime) -> bool:
        timestamp = int(start.timestamp())
        job = repository.NewJob(
            task_name=periodic.task.name,
            queue=periodic.task.queue,
            args={PERIOD_ARG: timestamp},
            run_at=start,
            periodic_key=f"{periodic.task.name}@{timestamp}",
        )
        async with self.database.transaction() as session:
            job_id = await repository.insert_job(session, job, now=self.clock.now())
        if job_id is not None:
            self._wake.set()
        return job_id is not None

    def worker(self, *, concurrency: int, queues: Sequence[str] | None = None) -> LocalWorker:
        return LocalWorker(self, concurrency=concurrency, queues=queues, wake=self._wake)

    async def list_jobs(
        self, *, statuses: Sequence[JobStatus] | None = None, limit: int = 100
    ) -> list[JobInfo]:
        async with self.database.read_session() as session:
            return await repository.list_jobs(session, statuses=statuses, limit=limit)

    async def retry(self, job_id: JobId) -> bool:
        async with self.database.transaction() as session:
            done = await repository.retry_failed(session, job_id, now=self.clock.now())
        self._wake.set()
        return done

    async def cancel(self, job_id: JobId) -> bool:
        async with self.database.transaction() as session:
            return await repository.cancel_waiting(session, job_id, now=self.clock.now())

    async def stats(self) -> JobStats:
        now = self.clock.now()
        async with self.database.read_session() as session:
            counts = await repository.count_by_status(session)
            oldest = await repository.oldest_due_run_at(session, now=now)
        waited = None if oldest is None else max(0.0, (now - oldest).total_seconds())
        return JobStats(counts=counts, oldest_waiting_seconds=waited)

    async def purge_finished(self, *, older_than: timedelta) -> int:
        async with self.database.transaction() as session:
            return await repository.purge_finished(session, before=self.clock.now() - older_than)


def _wake_after_commit(session: AsyncSession, wake: asyncio.Event) -> None:
    # A session from outside Database.transaction() has no hook: polling finds the job.
    with contextlib.suppress(RuntimeError):
        on_commit(session, wake.set)
