"""Jobs in a process: the backend chosen by settings, its worker pool and its metrics.

The composition root (container.py) builds one `JobsRuntime`; `serve` starts it with a
worker unless `--no-worker`, `openelements worker` starts it with a worker only. Stopping
waits up to the shutdown grace for running jobs and hands the rest back to the queue.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from prometheus_client import CollectorRegistry

from openelements.jobs.api import JobsBackend, JobWorker, Resources, TaskRegistry, WorkerTimings
from openelements.jobs.housekeeping import housekeeping_tasks
from openelements.jobs.local import LocalJobs
from openelements.jobs.metrics import JobsMetrics
from openelements.jobs.procrastinate import ProcrastinateJobs
from openelements.kit.clock import Clock
from openelements.kit.db import Database
from openelements.settings import ConfigurationError, Settings


@dataclass(frozen=True, kw_only=True)
class JobsConfig:
    backend: Literal["local", "procrastinate"] = "local"
    concurrency: int = 4
    lease: timedelta = timedelta(seconds=30)
    heartbeat: timedelta = timedelta(seconds=10)
    poll: timedelta = timedelta(seconds=1)
    shutdown_grace: timedelta = timedelta(seconds=10)
    retention: timedelta = timedelta(days=7)
    metrics_refresh: timedelta = timedelta(seconds=15)
    task_modules: tuple[str, ...] = ()
    """Extra registries, `package.module:attribute` (plug-ins; tests use it for probe tasks)."""


def jobs_config(settings: Settings) -> JobsConfig:
    if settings.jobs_backend == "procrastinate" and settings.is_local_sqlite:
        raise ConfigurationError("OPENELEMENTS_JOBS_BACKEND=procrastinate needs PostgreSQL")
    _check_timings(settings)
    return JobsConfig(
        backend=settings.jobs_backend,
        concurrency=settings.jobs_concurrency,
        lease=timedelta(seconds=settings.jobs_lease_seconds),
        heartbeat=timedelta(seconds=settings.jobs_heartbeat_seconds),
        poll=timedelta(seconds=settings.jobs_poll_seconds),
        shutdown_grace=timedelta(seconds=settings.jobs_shutdown_grace_seconds),
        retention=timedelta(days=settings.jobs_retention_days),
        metrics_refresh=timedelta(seconds=settings.jobs_metrics_refresh_seconds),
        task_modules=tuple(p.strip() for p in settings.jobs_task_modules.split(",") if p.strip()),
    )


def _check_timings(settings: Settings) -> None:
    positive = {
        "OPENELEMENTS_JOBS_CONCURRENCY": settings.jobs_concurrency,
        "OPENELEMENTS_JOBS_LEASE_SECONDS": settings.jobs_lease_seconds,
        "OPENELEMENTS_JOBS_HEARTBEAT_SECONDS": settings.jobs_heartbeat_seconds,
        "OPENELEMENTS_JOBS_POLL_SECONDS": settings.jobs_poll_seconds,
        "OPENELEMENTS_JOBS_METRICS_REFRESH_SECONDS": settings.jobs_metrics_refresh_seconds,
    }
    for name, value in positive.items():
        if not value > 0:
            raise ConfigurationError(f"{name} must be greater than 0")
    # A lease that runs out between two heartbeats hands a running job to another worker.
    if settings.jobs_heartbeat_seconds >= settings.jobs_lease_seconds:
        raise ConfigurationError(
            "OPENELEMENTS_JOBS_HEARTBEAT_SECONDS must be shorter than"
            " OPENELEMENTS_JOBS_LEASE_SECONDS (a third of it is a good value)"
        )


def build_jobs_runtime(
    settings: Settings,
    *,
    database: Database,
    clock: Clock,
    registry: TaskRegistry,
    resources: Resources,
    metrics_registry: CollectorRegistry,
) -> JobsRuntime:
    """What container.py calls: settings -> backend -> runtime, metrics registered."""
    config = jobs_config(settings)
    backend = build_backend(
        config, database=database, registry=registry, resources=resources, clock=clock
    )
    return JobsRuntime(backend, config=config, metrics_registry=metrics_registry)


def load_registry(path: str) -> TaskRegistry:
    module_name, _, attribute = path.partition(":")
    registry = getattr(importlib.import_module(module_name), attribute or "registry")
    if not isinstance(registry, TaskRegistry):
        raise TypeError(f"{path} is not a TaskRegistry")
    return registry


def build_backend(
    config: JobsConfig,
    *,
    database: Database,
    registry: TaskRegistry,
    resources: Resources,
    clock: Clock,
) -> JobsBackend:
    """The configured backend, running `registry` plus housekeeping and plug-in tasks."""
    tasks = TaskRegistry()
    tasks.include(housekeeping_tasks(retention=config.retention))
    tasks.include(registry)
    for path in config.task_modules:
        tasks.include(load_registry(path))
    timings = WorkerTimings(lease=config.lease, heartbeat=config.heartbeat, poll=config.poll)
    if config.backend == "procrastinate":
        return ProcrastinateJobs(
            database=database,
            registry=tasks,
            resources=resources,
            clock=clock,
            timings=timings,
            pool_size=config.concurrency + 2,
        )
    return LocalJobs(
        database=database, registry=tasks, resources=resources, clock=clock, timings=timings
    )


class JobsRuntime:
    def __init__(
        self,
        backend: JobsBackend,
        *,
        config: JobsConfig,
        metrics_registry: CollectorRegistry | None = None,
    ) -> None:
        self.backend = backend
        self.config = config
        self._metrics = JobsMetrics(backend, refresh_every=config.metrics_refresh)
        if metrics_registry is not None:
            self._metrics.register(metrics_registry)
        self._metrics_loop: asyncio.Task[None] | None = None
        self._worker: JobWorker | None = None

    async def start(
        self,
        *,
        worker: bool,
        concurrency: int | None = None,
        queues: Sequence[str] | None = None,
        metrics: bool = True,
    ) -> None:
        if metrics:
            self._metrics_loop = asyncio.create_task(self._metrics.run(), name="jobs-metrics")
        if worker:
            self._worker = self.backend.worker(
                concurrency=concurrency or self.config.concurrency, queues=queues
            )
            await self._worker.start()

    async def stop(self) -> None:
        if self._worker is not None:
            await self._worker.stop(grace=self.config.shutdown_grace)
            self._worker = None
        if self._metrics_loop is not None:
            self._metrics_loop.cancel()
            await asyncio.gather(self._metrics_loop, return_exceptions=True)
            self._metrics_loop = None
