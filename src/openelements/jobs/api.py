"""The jobs port: what domain code sees of background work (DESIGN.md §2, §4, §7).

A domain declares its tasks on a `TaskRegistry` in its `tasks.py`; the composition root
includes every registry into one and hands it to a backend (`local` or `procrastinate`).
Both backends run the same handlers with the same guarantees:

- at-least-once: a job whose process dies is run again (leases, stalled-worker sweeps), so
  handlers are idempotent;
- `defer` writes the job in the caller's transaction: it exists only if that transaction
  commits (a rollback discards it, a crash after commit cannot lose it);
- a `lock` serializes jobs (never two running with the same lock); a `queueing_lock` keeps at
  most one waiting job per key (`defer` then returns None);
- a periodic task fires once per period however many processes run, because the database
  refuses a second job for the same (task, period start);
- a failed attempt waits its back-off for real before the next one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol, TypeVar, cast

from sqlalchemy.ext.asyncio import AsyncSession
from structlog.typing import FilteringBoundLogger

from openelements.jobs.retry_policy import NO_RETRY, RetryPolicy
from openelements.jobs.schedule import Schedule

JSONValue = str | int | float | bool | None | list["JSONValue"] | dict[str, "JSONValue"]
JobArgs = Mapping[str, JSONValue]
JobId = int
Handler = Callable[..., Awaitable[None]]
"""`async def handler(ctx: JobContext, **args) -> None`; args are the job's JSON arguments."""

DEFAULT_QUEUE = "default"
T = TypeVar("T")


class JobStatus(StrEnum):
    TODO = "todo"
    DOING = "doing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class UnknownTaskError(LookupError):
    """A job names a task no registry declares (renamed or removed code)."""


class JobTimeoutError(Exception):
    """A handler ran longer than its task's timeout; the attempt counts as failed."""


@dataclass(frozen=True, kw_only=True)
class Task:
    name: str
    handler: Handler
    queue: str = DEFAULT_QUEUE
    retry: RetryPolicy = NO_RETRY
    timeout: timedelta | None = None


@dataclass(frozen=True, kw_only=True)
class WorkerTimings:
    """Leases and polling of a worker pool, the same for both backends."""

    lease: timedelta = timedelta(seconds=30)
    """A job whose worker stopped heartbeating for this long is run again elsewhere."""
    heartbeat: timedelta = timedelta(seconds=10)
    poll: timedelta = timedelta(seconds=1)
    """Longest wait before looking for work deferred by another process or due again."""


@dataclass(frozen=True, kw_only=True)
class PeriodicTask:
    """A task without arguments deferred once per period of `schedule`."""

    task: Task
    schedule: Schedule


class Resources:
    """Objects handlers need (database, HTTP client, services), looked up by type.

    The composition root fills it; `kit` and `jobs` never import the domain types stored here.
    """

    def __init__(self, items: Mapping[type[Any], object] | None = None) -> None:
        self._items: dict[type[Any], object] = dict(items or {})

    def add(self, kind: type[T], item: T) -> None:
        self._items[kind] = item

    def get(self, kind: type[T]) -> T:
        try:
            return cast(T, self._items[kind])
        except KeyError:
            raise LookupError(f"no resource of type {kind.__qualname__}") from None


@dataclass(frozen=True, kw_only=True)
class JobContext:
    job_id: JobId
    task_name: str
    attempt: int
    """1 on the first run, 2 on the first retry (a run cut short by a crash counts too)."""
    logger: FilteringBoundLogger
    resources: Resources
    jobs: JobsBackend
    """The backend running this job: defer follow-up work, or operate the queue."""
    scheduled_for: datetime | None = None
    """The period start, for periodic tasks."""


class TaskRegistry:
    """Tasks by name. `@registry.task(...)` and `@registry.periodic(...)` declare them."""

    def __init__(self) -> None:
        self._tasks: dict[str, Task] = {}
        self._periodic: dict[str, PeriodicTask] = {}

    def task(
        self,
        *,
        name: str,
        queue: str = DEFAULT_QUEUE,
        retry: RetryPolicy = NO_RETRY,
        timeout: timedelta | None = None,
    ) -> Callable[[Handler], Task]:
        def declare(handler: Handler) -> Task:
            task = Task(name=name, handler=handler, queue=queue, retry=retry, timeout=timeout)
            self.add(task)
            return task

        return declare

    def periodic(
        self,
        *,
        name: str,
        schedule: Schedule,
        queue: str = DEFAULT_QUEUE,
        retry: RetryPolicy = NO_RETRY,
        timeout: timedelta | None = None,
    ) -> Callable[[Handler], Task]:
        declare_task = self.task(name=name, queue=queue, retry=retry, timeout=timeout)

        def declare(handler: Handler) -> Task:
            task = declare_task(handler)
            self._periodic[name] = PeriodicTask(task=task, schedule=schedule)
            return task

        return declare

    def add(self, task: Task) -> None:
        if task.name in self._tasks:
            raise ValueError(f"task {task.name!r} is declared twice")
        self._tasks[task.name] = task

    def include(self, other: TaskRegistry) -> None:
        for task in other.tasks.values():
            self.add(task)
        self._periodic.update(other.periodic_tasks)

    def get(self, name: str) -> Task:
        try:
            return self._tasks[name]
        except KeyError:
            raise UnknownTaskError(name) from None

    def resolve(self, task: Task | str) -> Task:
        """The declared task `task` names; `UnknownTaskError` when none is."""
        return self.get(task if isinstance(task, str) else task.name)

    @property
    def tasks(self) -> Mapping[str, Task]:
        return dict(self._tasks)

    @property
    def periodic_tasks(self) -> Mapping[str, PeriodicTask]:
        return dict(self._periodic)


@dataclass(frozen=True, kw_only=True)
class JobInfo:
    id: JobId
    task_name: str
    queue: str
    status: JobStatus
    attempts: int
    args: Mapping[str, JSONValue]
    run_at: datetime | None
    lock: str | None = None
    queueing_lock: str | None = None


@dataclass(frozen=True, kw_only=True)
class JobStats:
    counts: Mapping[JobStatus, int] = field(default_factory=dict)
    oldest_waiting_seconds: float | None = None
    """How long the oldest due job has waited since it became due; None when none waits."""


class JobQueue(Protocol):
    """What a request or a job uses to defer work."""

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
        """Add a job inside `session`'s transaction; None if `queueing_lock` already waits."""
        ...


class JobWorker(Protocol):
    """A bounded pool running jobs in this process."""

    async def start(self) -> None: ...

    async def stop(self, *, grace: timedelta) -> None:
        """Stop claiming; wait up to `grace` for running jobs, then hand the rest back."""
        ...


class JobsBackend(JobQueue, Protocol):
    """A backend: deferral, a worker pool, and the operations behind `openelements jobs`."""

    registry: TaskRegistry
    resources: Resources

    def worker(self, *, concurrency: int, queues: Sequence[str] | None = None) -> JobWorker: ...

    async def list_jobs(
        self, *, statuses: Sequence[JobStatus] | None = None, limit: int = 100
    ) -> list[JobInfo]: ...

    async def retry(self, job_id: JobId) -> bool:
        """Queue a failed job again, now. False if it is not failed."""
        ...

    async def cancel(self, job_id: JobId) -> bool:
        """Cancel a waiting job. False if it is not waiting."""
        ...

    async def stats(self) -> JobStats: ...

    async def purge_finished(self, *, older_than: timedelta) -> int:
        """Delete succeeded and cancelled jobs finished before now - older_than."""
        ...
