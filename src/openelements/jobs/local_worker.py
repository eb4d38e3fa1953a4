"""The local runner's pool: at most `concurrency` jobs of this process at a time.

One dispatcher talks to the database in rounds: each round is one transaction that records
the outcomes of the jobs finished since the last round and claims as many jobs as slots are
free. Fewer, larger transactions keep SQLite's single writer (and PostgreSQL) from becoming
the bottleneck. A heartbeat extends the leases of the jobs running here; stopping waits for
them up to a grace period, then cancels the rest and hands them back to the queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from openelements.jobs import repository
from openelements.jobs.api import JobId, UnknownTaskError
from openelements.jobs.execution import run_attempt
from openelements.jobs.periodic import PeriodicDeferrer

if TYPE_CHECKING:
    from openelements.jobs.local import LocalJobs

log = structlog.get_logger("openelements.jobs.local")


@dataclass(frozen=True)
class Outcome:
    job: repository.ClaimedJob
    error: Exception | None


class LocalWorker:
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
        self._wake = wake  # set by deferrals committed in this process
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._running: dict[asyncio.Task[None], JobId] = {}
        self._outcomes: list[Outcome] = []
        self._job_done = asyncio.Event()
        self._stopping = False
        self._dispatcher: asyncio.Task[None] | None = None
        self._side: list[asyncio.Task[None]] = []
        self._connection: AsyncConnection | None = None

    async def start(self) -> None:
        periodic = PeriodicDeferrer(
            self._backend.registry.periodic_tasks,
            defer_period=self._backend.defer_period,
            clock=self._backend.clock,
        )
        self._dispatcher = asyncio.create_task(self._dispatch(), name="jobs-dispatch")
        self._side = [
            asyncio.create_task(periodic.run(), name="jobs-periodic"),
            asyncio.create_task(self._beat(), name="jobs-heartbeat"),
        ]
        log.info("worker_started", owner=self.owner, concurrency=self._concurrency)

    async def stop(self, *, grace: timedelta) -> None:
        deadline = asyncio.get_running_loop().time() + grace.total_seconds()
        self._stopping = True
        self._job_done.set()
        if self._dispatcher is not None:
            await asyncio.wait([self._dispatcher], timeout=grace.total_seconds())
            self._dispatcher.cancel()
            await asyncio.gather(self._dispatcher, return_exceptions=True)
        if self._running:
            remaining = max(0.0, deadline - asyncio.get_running_loop().time())
            await asyncio.wait(list(self._running), timeout=remaining)
        leftover = list(self._running)
        for task in leftover:
            task.cancel()
        await asyncio.gather(*leftover, return_exceptions=True)
        for task in self._side:
            task.cancel()
        await asyncio.gather(*self._side, return_exceptions=True)
        released = await self._release_all(self._take_outcomes())
        log.info("worker_stopped", owner=self.owner, released=released)

    async def _dispatch(self) -> None:
        while not self._stopping:
            free = self._concurrency - len(self._running)
            self._wake.clear()
            self._job_done.clear()
            outcomes = self._take_outcomes()
            try:
                claimed = await self._exchange(outcomes, free=free)
            except IntegrityError:
                self._outcomes[:0] = outcomes  # two claims raced for one lock: go again
                continue
            except asyncio.CancelledError:
                self._outcomes[:0] = outcomes  # stop() records them
                raise
            except Exception:
                self._outcomes[:0] = outcomes
                log.exception("jobs_round_failed")
                await asyncio.sleep(self._backend.timings.poll.total_seconds())
                continue
            for job in claimed:
                self._spawn(job)
            if free == 0 or len(claimed) == free:
                if len(self._running) == self._concurrency:
                    await self._job_done.wait()
                continue
            await self._idle()

    def _take_outcomes(self) -> list[Outcome]:
        outcomes, self._outcomes = self._outcomes, []
        return outcomes

    async def _exchange(self, outcomes: list[Outcome], *, free: int) -> list[repository.ClaimedJob]:
        """One transaction: record the outcomes, then claim up to `free` jobs."""
        backend = self._backend
        if not outcomes and free == 0:
            return []
        async with self._round() as connection:
            await self._record(connection, outcomes)
            if free == 0:
                return []
            return await repository.claim(
                connection,
                owner=self.owner,
                now=backend.clock.now(),
                lease=backend.timings.lease,
                limit=free,
                queues=self._queues,
            )

    async def _release_all(self, outcomes: list[Outcome]) -> int:
        """Record the last outcomes and hand every job still held back to the queue."""
        try:
            async with self._round() as connection:
                await self._record(connection, outcomes)
                return await repository.release(
                    connection, owner=self.owner, now=self._backend.clock.now()
                )
        finally:
            await self._drop_connection()

    @contextlib.asynccontextmanager
    async def _round(self) -> AsyncIterator[AsyncConnection]:
        """A transaction on the connection this worker keeps. Checking one out of the pool
        per round would cost a pre-ping round trip each time; on any error the connection
        is dropped and the next round opens a fresh one."""
        if self._connection is None:
            self._connection = await self._backend.database.engine.connect()
        try:
            async with self._connection.begin():
                yield self._connection
        except BaseException:
            await self._drop_connection()
            raise

    async def _drop_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.close()

    async def _record(self, session: repository.Executor, outcomes: list[Outcome]) -> None:
        now = self._backend.clock.now()
        succeeded = [o.job.id for o in outcomes if o.error is None]
        if succeeded:
            await repository.mark_succeeded(session, succeeded, owner=self.owner, now=now)
        for outcome in outcomes:
            if outcome.error is not None:
                await self._record_failure(session, outcome.job, outcome.error)

    async def _record_failure(
        self, session: repository.Executor, job: repository.ClaimedJob, exc: Exception
    ) -> None:
        backend = self._backend
        error = f"{type(exc).__name__}: {exc}"
        delay = None
        if not isinstance(exc, UnknownTaskError):
            delay = backend.registry.get(job.task_name).retry.delay_after(job.attempts)
        now = backend.clock.now()
        log.warning("job_failed", job_id=job.id, task=job.task_name, error=error, retry_in=delay)
        if delay is None:
            await repository.mark_failed(session, job.id, owner=self.owner, now=now, error=error)
        else:
            await repository.schedule_retry(
                session, job.id, owner=self.owner, run_at=now + delay, error=error
            )

    def _spawn(self, job: repository.ClaimedJob) -> None:
        task = asyncio.create_task(self._run(job), name=f"job-{job.id}")
        self._running[task] = job.id
        task.add_done_callback(self._running.pop)

    async def _run(self, job: repository.ClaimedJob) -> None:
        error: Exception | None = None
        try:
            await run_attempt(
                job_id=job.id,
                task_name=job.task_name,
                attempt=job.attempts,
                args=job.args,
                backend=self._backend,
            )
        except Exception as exc:
            error = exc
        # Not reached when cancelled at shutdown: the job is then released, not recorded.
        self._outcomes.append(Outcome(job=job, error=error))
        self._job_done.set()

    async def _idle(self) -> None:
        """Wait for a deferral here, a finished job (it may free a lock), the next due job
        or the poll interval (deferrals by other processes), whichever comes first."""
        backend = self._backend
        wait = backend.timings.poll.total_seconds()
        now = backend.clock.now()
        async with backend.database.read_session() as session:
            upcoming = await repository.next_run_at(session, after=now)
        if upcoming is not None:
            wait = min(wait, (upcoming - now).total_seconds())
        wake, done = (
            asyncio.ensure_future(self._wake.wait()),
            asyncio.ensure_future(self._job_done.wait()),
        )
        await asyncio.wait(
            [wake, done], timeout=max(wait, 0.0), return_when=asyncio.FIRST_COMPLETED
        )
        for waiter in (wake, done):
            waiter.cancel()

    async def _beat(self) -> None:
        backend = self._backend
        while True:
            await asyncio.sleep(backend.timings.heartbeat.total_seconds())
            running = dict(self._running)
            if not running:
                continue
            try:
                async with backend.database.transaction() as session:
                    kept = await repository.extend_leases(
                        session,
                        list(running.values()),
                        owner=self.owner,
                        expires_at=backend.clock.now() + backend.timings.lease,
                    )
            except Exception:
                log.exception("heartbeat_failed", owner=self.owner)
                continue
            self._stop_lost(running, kept=kept)

    def _stop_lost(self, running: dict[asyncio.Task[None], JobId], *, kept: set[JobId]) -> None:
        """Cancel the runs whose lease another worker took (this process looked dead to it):
        the job runs there now and must not run here as well. Nothing is recorded for them;
        a run that finished meanwhile is done and ignores the cancel."""
        for task, job_id in running.items():
            if job_id not in kept and not task.done():
                log.warning("job_lease_lost", job_id=job_id, owner=self.owner)
                task.cancel()
