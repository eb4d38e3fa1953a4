"""One contract, every backend: what domain code may rely on when it defers work."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from datetime import UTC, datetime, timedelta

import pytest
from jobs_harness import JobsHarness, eventually

from openelements.jobs.api import JobContext, JobsBackend, JobStatus, TaskRegistry
from openelements.jobs.housekeeping import housekeeping_tasks
from openelements.jobs.retry_policy import RetryPolicy
from openelements.jobs.schedule import Interval

pytestmark = pytest.mark.anyio


async def status_of(backend: JobsBackend, job_id: int) -> JobStatus:
    jobs = await backend.list_jobs(limit=1000)
    return next(job.status for job in jobs if job.id == job_id)


async def test_a_deferred_job_runs_once_with_its_arguments(harness: JobsHarness) -> None:
    registry = TaskRegistry()
    runs: list[tuple[int, dict[str, object], int]] = []

    @registry.task(name="test.record")
    async def record(ctx: JobContext, *, item: str, count: int) -> None:
        runs.append((ctx.job_id, {"item": item, "count": count}, ctx.attempt))

    backend = harness.backend(registry)
    async with harness.database.transaction() as session:
        job_id = await backend.defer(session, record, args={"item": "a", "count": 2})
    await harness.start(backend)

    await eventually(lambda: bool(runs))
    assert runs == [(job_id, {"item": "a", "count": 2}, 1)]
    await eventually(lambda: _has_status(backend, job_id, JobStatus.SUCCEEDED))
    await asyncio.sleep(0.2)
    assert len(runs) == 1


async def _has_status(backend: JobsBackend, job_id: int | None, status: JobStatus) -> bool:
    assert job_id is not None
    return await status_of(backend, job_id) == status


async def test_a_failing_job_is_retried_after_each_back_off_then_fails(
    harness: JobsHarness,
) -> None:
    registry = TaskRegistry()
    policy = RetryPolicy(max_attempts=3, first_delay=timedelta(milliseconds=400), multiplier=2)
    attempts: list[tuple[int, float]] = []

    @registry.task(name="test.flaky", retry=policy)
    async def flaky(ctx: JobContext) -> None:
        attempts.append((ctx.attempt, time.monotonic()))
        raise RuntimeError("receiver down")

    backend = harness.backend(registry)
    async with harness.database.transaction() as session:
        job_id = await backend.defer(session, flaky)
    await harness.start(backend)

    await eventually(lambda: _has_status(backend, job_id, JobStatus.FAILED))
    assert [attempt for attempt, _ in attempts] == [1, 2, 3]
    gaps = [later - earlier for (_, earlier), (_, later) in itertools.pairwise(attempts)]
    for gap, expected in zip(gaps, (0.4, 0.8), strict=True):
        assert expected <= gap < expected + 0.5, gaps


async def test_a_retry_that_succeeds_completes_the_job(harness: JobsHarness) -> None:
    registry = TaskRegistry()
    attempts: list[int] = []

    @registry.task(
        name="test.second_time_lucky",
        retry=RetryPolicy(max_attempts=5, first_delay=timedelta(milliseconds=50)),
    )
    async def second_time_lucky(ctx: JobContext) -> None:
        attempts.append(ctx.attempt)
        if ctx.attempt == 1:
            raise RuntimeError("first attempt fails")

    backend = harness.backend(registry)
    async with harness.database.transaction() as session:
        job_id = await backend.defer(session, second_time_lucky)
    await harness.start(backend)

    await eventually(lambda: _has_status(backend, job_id, JobStatus.SUCCEEDED))
    assert attempts == [1, 2]


async def test_jobs_sharing_a_lock_never_run_at_the_same_time(harness: JobsHarness) -> None:
    registry = TaskRegistry()
    running: dict[str, int] = {"L": 0, "free": 0}
    peak: dict[str, int] = {"L": 0, "free": 0}
    done: list[str] = []

    @registry.task(name="test.occupy")
    async def occupy(ctx: JobContext, *, group: str) -> None:
        running[group] += 1
        peak[group] = max(peak[group], running[group])
        await asyncio.sleep(0.1)
        running[group] -= 1
        done.append(group)

    backend = harness.backend(registry)
    async with harness.database.transaction() as session:
        for _ in range(4):
            await backend.defer(session, occupy, args={"group": "L"}, lock="instance-1")
            await backend.defer(session, occupy, args={"group": "free"})
    await harness.start(backend, concurrency=4)

    await eventually(lambda: len(done) == 8)
    assert peak["L"] == 1
    assert peak["free"] > 1  # the pool does run jobs side by side


async def test_a_queueing_lock_keeps_at_most_one_waiting_job(harness: JobsHarness) -> None:
    registry = TaskRegistry()
    runs: list[int] = []

    @registry.task(name="test.refresh")
    async def refresh(ctx: JobContext, *, n: int) -> None:
        runs.append(n)

    @registry.task(name="test.other")
    async def other(ctx: JobContext, *, n: int) -> None:
        runs.append(n)

    backend = harness.backend(registry)
    async with harness.database.transaction() as session:
        first = await backend.defer(session, refresh, args={"n": 1}, queueing_lock="inst-1")
        second = await backend.defer(session, refresh, args={"n": 2}, queueing_lock="inst-1")
        # The refused deferral leaves the caller's transaction usable.
        third = await backend.defer(session, other, args={"n": 3})
    assert first is not None
    assert second is None
    assert third is not None

    await harness.start(backend)
    await eventually(lambda: sorted(runs) == [1, 3])
    async with harness.database.transaction() as session:
        again = await backend.defer(session, refresh, args={"n": 4}, queueing_lock="inst-1")
    assert again is not None  # the key is free once its job has left the queue
    await eventually(lambda: 4 in runs)


async def test_a_deferral_is_discarded_when_its_transaction_rolls_back(
    harness: JobsHarness,
) -> None:
    registry = TaskRegistry()
    runs: list[str] = []

    @registry.task(name="test.notify")
    async def notify(ctx: JobContext, *, what: str) -> None:
        runs.append(what)

    backend = harness.backend(registry)
    with contextlib.suppress(RuntimeError):
        async with harness.database.transaction() as session:
            await backend.defer(session, notify, args={"what": "rolled back"})
            raise RuntimeError("the request failed after deferring")
    async with harness.database.transaction() as session:
        await backend.defer(session, notify, args={"what": "committed"})
    await harness.start(backend)

    await eventually(lambda: runs == ["committed"])
    await asyncio.sleep(0.3)
    assert runs == ["committed"]
    assert len(await backend.list_jobs()) == 1


async def test_a_job_does_not_run_before_its_run_at(harness: JobsHarness) -> None:
    registry = TaskRegistry()
    ran_at: list[datetime] = []

    @registry.task(name="test.later")
    async def later(ctx: JobContext) -> None:
        ran_at.append(datetime.now(UTC))

    backend = harness.backend(registry)
    await harness.start(backend)
    run_at = datetime.now(UTC) + timedelta(milliseconds=600)
    async with harness.database.transaction() as session:
        await backend.defer(session, later, run_at=run_at)

    await eventually(lambda: bool(ran_at))
    assert ran_at[0] >= run_at


async def test_a_periodic_task_fires_once_per_period_with_two_runners(
    harness: JobsHarness,
) -> None:
    periods: list[datetime | None] = []

    def registry_with_tick() -> TaskRegistry:
        registry = TaskRegistry()

        @registry.periodic(name="test.tick", schedule=Interval(timedelta(seconds=1)))
        async def tick(ctx: JobContext) -> None:
            periods.append(ctx.scheduled_for)

        return registry

    first = harness.backend(registry_with_tick())
    second = harness.backend(registry_with_tick())
    await harness.start(first)
    await harness.start(second)
    await asyncio.sleep(2.2)

    assert None not in periods
    assert len(periods) >= 2
    assert len(set(periods)) == len(periods), periods


async def test_a_handler_running_past_its_timeout_fails_the_attempt(
    harness: JobsHarness,
) -> None:
    registry = TaskRegistry()

    @registry.task(name="test.slow", timeout=timedelta(milliseconds=100))
    async def slow(ctx: JobContext) -> None:
        await asyncio.sleep(5)

    backend = harness.backend(registry)
    async with harness.database.transaction() as session:
        job_id = await backend.defer(session, slow)
    await harness.start(backend)
    await eventually(lambda: _has_status(backend, job_id, JobStatus.FAILED), within=3)


async def test_stopping_a_worker_waits_for_short_jobs_and_hands_back_long_ones(
    harness: JobsHarness,
) -> None:
    registry = TaskRegistry()
    finished: list[tuple[str, int]] = []
    started: list[str] = []

    @registry.task(name="test.work")
    async def work(ctx: JobContext, *, name: str, seconds: float) -> None:
        started.append(name)
        if ctx.attempt == 1:
            await asyncio.sleep(seconds)
        finished.append((name, ctx.attempt))

    backend = harness.backend(registry)
    async with harness.database.transaction() as session:
        short = await backend.defer(session, work, args={"name": "short", "seconds": 0.2})
        long = await backend.defer(session, work, args={"name": "long", "seconds": 30})
    worker = await harness.start(backend)
    await eventually(lambda: len(started) == 2)
    await harness.stop(worker, grace=timedelta(milliseconds=600))

    assert finished == [("short", 1)]
    assert await status_of(backend, short or 0) == JobStatus.SUCCEEDED
    assert await status_of(backend, long or 0) == JobStatus.TODO

    await harness.start(backend)
    await eventually(lambda: ("long", 2) in finished)


async def test_operators_cancel_waiting_jobs_and_retry_failed_ones(
    harness: JobsHarness,
) -> None:
    registry = TaskRegistry()
    runs: list[str] = []
    broken = {"yes": True}

    @registry.task(name="test.op")
    async def op(ctx: JobContext, *, name: str) -> None:
        runs.append(name)
        if broken["yes"] and name == "fails":
            raise RuntimeError("broken")

    backend = harness.backend(registry)
    async with harness.database.transaction() as session:
        cancelled = await backend.defer(session, op, args={"name": "cancelled"})
        fails = await backend.defer(session, op, args={"name": "fails"})
    assert cancelled is not None
    assert fails is not None
    assert await backend.cancel(cancelled)
    stats = await backend.stats()
    assert stats.counts[JobStatus.TODO] == 1
    assert stats.oldest_waiting_seconds is not None

    await harness.start(backend)
    await eventually(lambda: _has_status(backend, fails, JobStatus.FAILED))
    assert not await backend.cancel(fails)  # only waiting jobs can be cancelled
    broken["yes"] = False
    assert await backend.retry(fails)
    await eventually(lambda: _has_status(backend, fails, JobStatus.SUCCEEDED))
    assert not await backend.retry(fails)  # only failed jobs can be retried

    assert runs == ["fails", "fails"]
    assert await status_of(backend, cancelled) == JobStatus.CANCELLED
    stats = await backend.stats()
    assert stats.counts == {JobStatus.SUCCEEDED: 1, JobStatus.CANCELLED: 1}
    assert stats.oldest_waiting_seconds is None


async def test_purging_deletes_only_old_finished_jobs(harness: JobsHarness) -> None:
    registry = TaskRegistry()

    @registry.task(name="test.quick")
    async def quick(ctx: JobContext) -> None:
        return None

    backend = harness.backend(registry)
    async with harness.database.transaction() as session:
        done = await backend.defer(session, quick)
    await harness.start(backend)
    await eventually(lambda: _has_status(backend, done, JobStatus.SUCCEEDED))
    async with harness.database.transaction() as session:
        waiting = await backend.defer(session, quick, run_at=datetime.now(UTC) + timedelta(hours=1))

    assert await backend.purge_finished(older_than=timedelta(hours=1)) == 0
    await asyncio.sleep(0.1)
    assert await backend.purge_finished(older_than=timedelta(milliseconds=50)) == 1
    assert [job.id for job in await backend.list_jobs()] == [waiting]


async def test_a_worker_given_queues_runs_only_their_jobs(harness: JobsHarness) -> None:
    registry = TaskRegistry()
    runs: list[str] = []

    @registry.task(name="test.deliver", queue="webhooks")
    async def deliver(ctx: JobContext) -> None:
        runs.append("webhooks")

    @registry.task(name="test.export", queue="bulk")
    async def export(ctx: JobContext) -> None:
        runs.append("bulk")

    backend = harness.backend(registry)
    async with harness.database.transaction() as session:
        await backend.defer(session, deliver)
        bulk_job = await backend.defer(session, export)
    worker = backend.worker(concurrency=2, queues=["webhooks"])
    await worker.start()
    harness.workers.append(worker)

    await eventually(lambda: runs == ["webhooks"])
    await asyncio.sleep(0.3)
    assert runs == ["webhooks"]
    assert await status_of(backend, bulk_job or 0) == JobStatus.TODO


async def test_the_housekeeping_task_purges_finished_jobs_periodically(
    harness: JobsHarness,
) -> None:
    registry = housekeeping_tasks(
        retention=timedelta(milliseconds=100), every=Interval(timedelta(seconds=1))
    )

    @registry.task(name="test.done")
    async def done(ctx: JobContext) -> None:
        return None

    backend = harness.backend(registry)
    async with harness.database.transaction() as session:
        job_id = await backend.defer(session, done)
    await harness.start(backend)

    async def purged() -> bool:
        return job_id not in [job.id for job in await backend.list_jobs(limit=1000)]

    await eventually(purged)
