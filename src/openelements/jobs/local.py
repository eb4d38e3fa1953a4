"""The local runner: jobs in the `job` table, run by a bounded pool inside the process.

Deferral is a transactional outbox: the row is inserted in the caller's transaction, so it
exists exactly when that transaction commits; an after-commit hook only wakes this process's
pool early (other processes find the row by polling). A claimed job is leased to its worker;
a heartbeat extends the leases of running jobs, and a job whose worker died is claimed again
once its lease expires. Retries are rows due at `now + back-off`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy.exc import IntegrityError
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
    UnknownTaskError,
)
from openelements.jobs.execution import PERIOD_ARG, run_attempt
from openelements.jobs.periodic import PeriodicDeferrer
from openelements.kit.clock import Clock, SystemClock
from openelements.kit.db import Database, on_commit

log = structlog.get_logger("openelements.jobs.local")


@dataclass(frozen=True, kw_only=True)
class RunnerTimings:
    lease: timedelta = timedelta(seconds=30)
    """A job whose worker stopped heartbeating for this long is run again elsewhere."""
    heartbeat: timedelta = timedelta(seconds=10)
    poll: timedelta = timedelta(seconds=1)
    """Longest wait before looking for work deferred by another process."""


class LocalJobs:
    """The `local` backend (OPENELEMENTS_JOBS_BACKEND=local), on SQLite or PostgreSQL."""

    def __init__(
        self,
        *,
        database: Database,
        registry: TaskRegistry,
        resources: Resources | None = None,
        timings: RunnerTimings | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.database = database
        self.registry = registry
        self.resources = resources or Resources()
        self.timings = timings or RunnerTimings()
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
        declared = self.registry.get(task if isinstance(task, str) else task.name)
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


class LocalWorker:
    """A pool of at most `concurrency` running jobs, with its heartbeat and periodic loop."""

    def __init__(
        self,
        backend: LocalJobs,
        *,
        concurrency: int,
        queues: Sequence[str] | None,
        wake: asyncio.Event,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self._backend = backend
        self._concurrency = concurrency
        self._queues = list(queues) if queues else None
        self._wake = wake
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._running: dict[asyncio.Task[None], JobId] = {}
        self._slot_freed = asyncio.Event()
        self._loops: list[asyncio.Task[None]] = []
        self._heartbeat: asyncio.Task[None] | None = None

    async def start(self) -> None:
        periodic = PeriodicDeferrer(
            self._backend.registry.periodic_tasks,
            defer_period=self._backend.defer_period,
            clock=self._backend.clock,
        )
        self._loops = [
            asyncio.create_task(self._dispatch(), name="jobs-dispatch"),
            asyncio.create_task(periodic.run(), name="jobs-periodic"),
        ]
        self._heartbeat = asyncio.create_task(self._beat(), name="jobs-heartbeat")
        log.info("worker_started", owner=self.owner, concurrency=self._concurrency)

    async def stop(self, *, grace: timedelta) -> None:
        for loop in self._loops:
            loop.cancel()
        await asyncio.gather(*self._loops, return_exceptions=True)
        if self._running:
            await asyncio.wait(list(self._running), timeout=grace.total_seconds())
        leftover = dict(self._running)
        for task in leftover:
            task.cancel()
        await asyncio.gather(*leftover, return_exceptions=True)
        if leftover:
            await self._release(list(leftover.values()))
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            await asyncio.gather(self._heartbeat, return_exceptions=True)
        log.info("worker_stopped", owner=self.owner, released=len(leftover))

    async def _dispatch(self) -> None:
        while True:
            free = self._concurrency - len(self._running)
            if free == 0:
                self._slot_freed.clear()
                await self._slot_freed.wait()
                continue
            self._wake.clear()
            try:
                claimed = await self._claim(free)
            except Exception:
                log.exception("claim_failed")
                claimed = []
            for job in claimed:
                task = asyncio.create_task(self._run(job), name=f"job-{job.id}")
                self._running[task] = job.id
                task.add_done_callback(self._finished)
            if len(claimed) < free:
                await self._idle()

    async def _claim(self, limit: int) -> list[repository.ClaimedJob]:
        backend = self._backend
        try:
            async with backend.database.transaction() as session:
                return await repository.claim(
                    session,
                    owner=self.owner,
                    now=backend.clock.now(),
                    lease=backend.timings.lease,
                    limit=limit,
                    queues=self._queues,
                )
        except IntegrityError:
            # Two PostgreSQL claims raced for the same lock; the index refused one. Try again.
            return []

    async def _idle(self) -> None:
        backend = self._backend
        wait = backend.timings.poll.total_seconds()
        now = backend.clock.now()
        async with backend.database.read_session() as session:
            upcoming = await repository.next_run_at(session, after=now)
        if upcoming is not None:
            wait = min(wait, (upcoming - now).total_seconds())
        try:
            async with asyncio.timeout(max(wait, 0.0)):
                await self._wake.wait()
        except TimeoutError:
            pass

    async def _run(self, job: repository.ClaimedJob) -> None:
        try:
            await run_attempt(
                job_id=job.id,
                task_name=job.task_name,
                attempt=job.attempts,
                args=job.args,
                backend=self._backend,
            )
        except asyncio.CancelledError:
            raise  # stop() hands the job back
        except Exception as exc:
            await asyncio.shield(self._record_failure(job, exc))
        else:
            await asyncio.shield(self._record_success(job))

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running.pop(task, None)
        self._slot_freed.set()
        self._wake.set()  # a finished job may free a lock another job waits for

    async def _record_success(self, job: repository.ClaimedJob) -> None:
        backend = self._backend
        async with backend.database.transaction() as session:
            await repository.mark_succeeded(
                session, job.id, owner=self.owner, now=backend.clock.now()
            )

    async def _record_failure(self, job: repository.ClaimedJob, exc: Exception) -> None:
        backend = self._backend
        error = f"{type(exc).__name__}: {exc}"
        delay = None
        if not isinstance(exc, UnknownTaskError):
            delay = backend.registry.get(job.task_name).retry.delay_after(job.attempts)
        now = backend.clock.now()
        log.warning("job_failed", job_id=job.id, task=job.task_name, error=error, retry_in=delay)
        async with backend.database.transaction() as session:
            if delay is None:
                await repository.mark_failed(
                    session, job.id, owner=self.owner, now=now, error=error
                )
            else:
                await repository.schedule_retry(
                    session, job.id, owner=self.owner, run_at=now + delay, error=error
                )

    async def _beat(self) -> None:
        backend = self._backend
        while True:
            await asyncio.sleep(backend.timings.heartbeat.total_seconds())
            try:
                async with backend.database.transaction() as session:
                    await repository.extend_leases(
                        session,
                        owner=self.owner,
                        expires_at=backend.clock.now() + backend.timings.lease,
                    )
            except Exception:
                log.exception("heartbeat_failed", owner=self.owner)

    async def _release(self, job_ids: list[JobId]) -> None:
        backend = self._backend
        async with backend.database.transaction() as session:
            await repository.release(session, job_ids, owner=self.owner, now=backend.clock.now())
