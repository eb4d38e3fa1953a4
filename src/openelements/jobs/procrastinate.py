"""The procrastinate backend (OPENELEMENTS_JOBS_BACKEND=procrastinate), PostgreSQL only.

The task registry is mapped onto one procrastinate `App`: each task becomes a procrastinate
task whose retry strategy asks our `RetryPolicy`; `lock` and `queueing_lock` are
procrastinate's own; periodic tasks use procrastinate's periodic-defer function, so the
database dedupes periods exactly as with procrastinate's own scheduler (we compute periods
ourselves because our schedules also include fixed intervals, which cron cannot express).

Deferral runs procrastinate's insert on the caller's own connection, inside a savepoint of
the caller's transaction (procrastinate's `connection=` option). Chosen over an after-commit
hook because it is atomic: a rollback discards the job, and a crash between commit and hook
cannot lose it. The savepoint keeps a queueing-lock conflict from aborting the caller's
transaction.

procrastinate does not re-run the jobs of a dead worker by itself; the worker here sweeps
jobs of workers whose heartbeat is older than the lease and puts them back in the queue.
A job cut short by shutdown is likewise put back, whatever its retry policy.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from procrastinate import App, PsycopgConnector, RetryDecision
from procrastinate import exceptions as procrastinate_errors
from procrastinate import jobs as procrastinate_jobs
from procrastinate.job_context import JobContext as ProcrastinateContext
from procrastinate.retry import BaseRetryStrategy
from procrastinate.worker import Worker
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from openelements.jobs import procrastinate_sql
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
    WorkerTimings,
)
from openelements.jobs.execution import PERIOD_ARG, run_attempt
from openelements.jobs.periodic import PeriodicDeferrer
from openelements.jobs.retry_policy import RetryPolicy
from openelements.kit.clock import Clock, SystemClock
from openelements.kit.db import Database

log = structlog.get_logger("openelements.jobs.procrastinate")


class PolicyRetry(BaseRetryStrategy):
    """procrastinate's retry hook answered by our RetryPolicy."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy

    def get_retry_decision(self, *, exception: BaseException, job: Any) -> Any:
        if isinstance(exception, asyncio.CancelledError):
            return RetryDecision(retry_at=datetime.now(UTC))  # shutdown: hand it back
        if isinstance(exception, UnknownTaskError):
            return None
        delay = self.policy.delay_after(int(job.attempts) + 1)
        if delay is None:
            return None
        return RetryDecision(retry_at=datetime.now(UTC) + delay)


def conninfo(database_url: str) -> str:
    """libpq connection string of a SQLAlchemy `postgresql+psycopg://` URL."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        raise ValueError("the procrastinate jobs backend needs PostgreSQL")
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class ProcrastinateJobs:
    def __init__(
        self,
        *,
        database: Database,
        registry: TaskRegistry,
        resources: Resources | None = None,
        timings: WorkerTimings | None = None,
        clock: Clock | None = None,
        pool_size: int = 6,
    ) -> None:
        """`pool_size`: procrastinate's own connections in this process; a worker needs about
        one per concurrent job plus a couple (its LISTEN connection is separate)."""
        self.database = database
        self.registry = registry
        self.resources = resources or Resources()
        self.timings = timings or WorkerTimings()
        self.clock = clock or SystemClock()
        self._conninfo = conninfo(database.engine.url.render_as_string(hide_password=False))
        connector = PsycopgConnector(conninfo=self._conninfo, min_size=1, max_size=pool_size)
        self.app = App(connector=connector)
        for task in registry.tasks.values():
            self._map(task)

    def _map(self, task: Task) -> None:
        async def run(context: ProcrastinateContext, /, **kwargs: Any) -> None:
            assert context.job.id is not None
            await run_attempt(
                job_id=context.job.id,
                task_name=task.name,
                attempt=int(context.job.attempts) + 1,
                args=kwargs,
                backend=self,
            )

        self.app.task(
            name=task.name, queue=task.queue, retry=PolicyRetry(task.retry), pass_context=True
        )(run)

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
        name = self.registry.resolve(task).name
        connection = await session.connection()
        raw = await connection.get_raw_connection()
        deferrer = self.app.configure_task(
            name,
            allow_unknown=False,
            lock=lock,
            queueing_lock=queueing_lock,
            schedule_at=run_at,
            task_kwargs=dict(args or {}),
            connection=raw.driver_connection,
        )
        # An explicit savepoint: the insert runs on the driver connection, where a unique
        # violation would otherwise abort the caller's whole transaction.
        await connection.exec_driver_sql("SAVEPOINT openelements_defer")
        try:
            job_id = await deferrer.defer_async()
        except procrastinate_errors.AlreadyEnqueued:
            await connection.exec_driver_sql("ROLLBACK TO SAVEPOINT openelements_defer")
            return None
        await connection.exec_driver_sql("RELEASE SAVEPOINT openelements_defer")
        return int(job_id)

    async def defer_period(self, periodic: PeriodicTask, start: datetime) -> bool:
        timestamp = int(start.timestamp())
        job = procrastinate_jobs.Job(
            id=None,
            queue=periodic.task.queue,
            lock=None,
            queueing_lock=None,
            task_name=periodic.task.name,
            task_kwargs={PERIOD_ARG: timestamp},
        )
        job_id = await self.app.job_manager.defer_periodic_job(
            job=job, periodic_id="", defer_timestamp=timestamp
        )
        return job_id is not None

    def worker(
        self, *, concurrency: int, queues: Sequence[str] | None = None
    ) -> ProcrastinateWorker:
        return ProcrastinateWorker(self, concurrency=concurrency, queues=queues)

    async def list_jobs(
        self, *, statuses: Sequence[JobStatus] | None = None, limit: int = 100
    ) -> list[JobInfo]:
        async with self.database.read_session() as session:
            return await procrastinate_sql.list_jobs(session, statuses=statuses, limit=limit)

    async def retry(self, job_id: JobId) -> bool:
        async with self.database.transaction() as session:
            return await procrastinate_sql.retry_failed(session, job_id)

    async def cancel(self, job_id: JobId) -> bool:
        async with self.database.transaction() as session:
            result = await session.execute(
                text("SELECT procrastinate_cancel_job_v1(:id, false, false)"), {"id": job_id}
            )
            return result.scalar_one() is not None

    async def stats(self) -> JobStats:
        async with self.database.read_session() as session:
            return await procrastinate_sql.stats(session)

    async def purge_finished(self, *, older_than: timedelta) -> int:
        async with self.database.transaction() as session:
            return await procrastinate_sql.purge_finished(session, older_than=older_than)


class ProcrastinateWorker:
    """procrastinate's worker, our periodic loop and the sweep of dead workers' jobs."""

    def __init__(
        self, backend: ProcrastinateJobs, *, concurrency: int, queues: Sequence[str] | None
    ) -> None:
        self._backend = backend
        timings = backend.timings
        self._worker = Worker(
            app=backend.app,
            queues=list(queues) if queues else None,
            concurrency=concurrency,
            install_signal_handlers=False,
            fetch_job_polling_interval=timings.poll.total_seconds(),
            abort_job_polling_interval=timings.poll.total_seconds(),
            update_heartbeat_interval=timings.heartbeat.total_seconds(),
            stalled_worker_timeout=timings.lease.total_seconds(),
        )
        self._concurrency = concurrency
        self._tasks: list[asyncio.Task[None]] = []
        self._run: asyncio.Task[None] | None = None

    async def start(self) -> None:
        backend = self._backend
        await backend.app.open_async()
        periodic = PeriodicDeferrer(
            backend.registry.periodic_tasks, defer_period=backend.defer_period, clock=backend.clock
        )
        self._run = asyncio.create_task(
            self._worker.run(),  # type: ignore[no-untyped-call]
            name="procrastinate-worker",
        )
        self._tasks = [
            asyncio.create_task(periodic.run(), name="jobs-periodic"),
            asyncio.create_task(self._sweep(), name="jobs-sweep"),
        ]
        log.info("worker_started", concurrency=self._concurrency)

    async def stop(self, *, grace: timedelta) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._run is not None:
            # Jobs still running after the grace period are cancelled and queued again.
            self._worker.shutdown_graceful_timeout = grace.total_seconds()
            self._worker.stop()  # type: ignore[no-untyped-call]
            with contextlib.suppress(asyncio.CancelledError):
                await self._run
        await self._backend.app.close_async()
        log.info("worker_stopped")

    async def _sweep(self) -> None:
        manager = self._backend.app.job_manager
        timings = self._backend.timings
        while True:
            try:
                stalled = await manager.get_stalled_jobs(
                    seconds_since_heartbeat=timings.lease.total_seconds()
                )
                for job in stalled:
                    await self._requeue(job)
            except Exception:
                log.exception("sweep_failed")
            await asyncio.sleep(timings.heartbeat.total_seconds())

    async def _requeue(self, job: Any) -> None:
        try:
            await self._backend.app.job_manager.retry_job(job)
        except procrastinate_errors.ConnectorException:
            return  # another worker requeued it first
        log.warning("stalled_job_requeued", job_id=job.id, task=job.task_name)
