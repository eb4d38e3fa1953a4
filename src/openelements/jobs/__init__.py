"""Background jobs: the port (`api`), the local runner and the procrastinate adapter.

Domain code imports from here: declare tasks on a `TaskRegistry`, defer them through a
`JobQueue` inside the request's or job's transaction. See `api` for the guarantees.
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
