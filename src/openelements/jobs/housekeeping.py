"""The jobs package's own periodic task: delete finished jobs past their retention.

The first real user of periodic tasks; the instances domain's token refresh follows the same
path (a periodic task in its `tasks.py`, included by the composition root).
"""

from __future__ import annotations

from datetime import timedelta

from openelements.jobs.api import JobContext, TaskRegistry
from openelements.jobs.retry_policy import RetryPolicy
from openelements.jobs.schedule import Interval

PURGE_TASK = "jobs.purge_finished"
PURGE_EVERY = Interval(timedelta(hours=1))


def housekeeping_tasks(*, retention: timedelta, every: Interval = PURGE_EVERY) -> TaskRegistry:
    registry = TaskRegistry()

    @registry.periodic(
        name=PURGE_TASK,
        schedule=every,
        retry=RetryPolicy(max_attempts=3, first_delay=timedelta(seconds=30)),
        timeout=timedelta(minutes=5),
    )
    async def purge_finished(ctx: JobContext) -> None:
        deleted = await ctx.jobs.purge_finished(older_than=retention)
        ctx.logger.info("finished_jobs_purged", deleted=deleted, retention=str(retention))

    return registry
