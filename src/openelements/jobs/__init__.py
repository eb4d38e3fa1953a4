"""Background jobs: the port (`api`), the local runner and the procrastinate adapter.

Domain code imports from here; `api` states the guarantees. In a domain's `tasks.py`:

    registry = TaskRegistry()

    @registry.task(
        name="events.deliver",
        queue="webhooks",
        retry=RetryPolicy(max_attempts=10, first_delay=timedelta(seconds=4), multiplier=4,
                          max_delay=timedelta(days=3)),
        timeout=timedelta(seconds=10),
    )
    async def deliver(ctx: JobContext, *, delivery_id: str) -> None:
        database = ctx.resources.get(Database)
        ...

    @registry.periodic(name="instances.refresh_idle", schedule=Interval(timedelta(minutes=5)))
    async def refresh_idle(ctx: JobContext) -> None: ...   # ctx.scheduled_for = period start

container.py includes it (`tasks.include(events.tasks.registry)`); a request or job defers in
its own unit of work, so the job exists only if that transaction commits:

    async with database.transaction() as session:           # or the request's WriteSession
        await service.record(session, ...)
        await container.jobs.backend.defer(
            session, deliver, args={"delivery_id": id}, queueing_lock=f"delivery-{id}"
        )
"""

from openelements.jobs.api import (
    DEFAULT_QUEUE,
    JobArgs,
    JobContext,
    JobId,
    JobInfo,
    JobQueue,
    JobsBackend,
    JobStats,
    JobStatus,
    JobTimeoutError,
    JobWorker,
    PeriodicTask,
    Resources,
    Task,
    TaskRegistry,
    UnknownTaskError,
)
from openelements.jobs.retry_policy import NO_RETRY, RetryPolicy
from openelements.jobs.schedule import Cron, Interval, Schedule

__all__ = [
    "DEFAULT_QUEUE",
    "NO_RETRY",
    "Cron",
    "Interval",
    "JobArgs",
    "JobContext",
    "JobId",
    "JobInfo",
    "JobQueue",
    "JobStats",
    "JobStatus",
    "JobTimeoutError",
    "JobWorker",
    "JobsBackend",
    "PeriodicTask",
    "Resources",
    "RetryPolicy",
    "Schedule",
    "Task",
    "TaskRegistry",
    "UnknownTaskError",
]
