"""Backends under test (conftest.py's `harness`): local on SQLite and on PostgreSQL,
procrastinate on PostgreSQL.

Every contract test runs once per backend on a fresh database whose schema is the one
revision 0003_jobs creates (the `job` table, procrastinate's shipped SQL). Timings are
shrunk so leases, heartbeats and polls take fractions of a second.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from procrastinate.schema import SchemaManager

from openelements.jobs.api import (
    JobContext,
    JobsBackend,
    JobWorker,
    Resources,
    TaskRegistry,
    WorkerTimings,
)
from openelements.jobs.local import LocalJobs
from openelements.jobs.models import JobRow
from openelements.jobs.procrastinate import ProcrastinateJobs
from openelements.kit.db import Database

LEASE = timedelta(seconds=1)
HEARTBEAT = timedelta(milliseconds=200)
POLL = timedelta(milliseconds=50)

BACKENDS = [
    pytest.param(("local", "sqlite_url"), id="local-sqlite"),
    pytest.param(("local", "postgres_url"), id="local-postgres", marks=pytest.mark.postgres),
    pytest.param(
        ("procrastinate", "postgres_url"), id="procrastinate-postgres", marks=pytest.mark.postgres
    ),
]


async def create_jobs_schema(database: Database) -> None:
    async with database.engine.begin() as connection:
        await connection.run_sync(JobRow.metadata.create_all, tables=[JobRow.__table__])
        if database.backend == "postgresql":
            await connection.exec_driver_sql(SchemaManager.get_schema().replace("%", "%%"))


@dataclass
class JobsHarness:
    """Builds backends on one database and stops every worker it started."""

    kind: str
    database: Database
    workers: list[JobWorker] = field(default_factory=list)

    def backend(self, registry: TaskRegistry, *, database: Database | None = None) -> JobsBackend:
        db = database or self.database
        resources = Resources({Database: db})
        if self.kind == "local":
            timings = WorkerTimings(lease=LEASE, heartbeat=HEARTBEAT, poll=POLL)
            return LocalJobs(database=db, registry=registry, resources=resources, timings=timings)
        return ProcrastinateJobs(
            database=db,
            registry=registry,
            resources=resources,
            timings=WorkerTimings(lease=LEASE, heartbeat=HEARTBEAT, poll=POLL),
        )

    async def start(self, backend: JobsBackend, *, concurrency: int = 4) -> JobWorker:
        worker = backend.worker(concurrency=concurrency)
        await worker.start()
        self.workers.append(worker)
        return worker

    async def stop(self, worker: JobWorker, *, grace: timedelta = timedelta(seconds=2)) -> None:
        self.workers.remove(worker)
        await worker.stop(grace=grace)


async def eventually(
    check: Callable[[], Awaitable[bool]] | Callable[[], bool], *, within: float = 10.0
) -> None:
    """Wait until `check` holds; fail after `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        outcome = check()
        if isinstance(outcome, Awaitable):
            outcome = await outcome
        if outcome:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {within} s")
        await asyncio.sleep(0.02)


probe_tasks = TaskRegistry()
"""Loaded by apps under test through OPENELEMENTS_JOBS_TASK_MODULES=jobs_harness:probe_tasks."""
probe_runs: list[str] = []


@probe_tasks.task(name="probe.record")
async def record_probe(ctx: JobContext, *, mark: str) -> None:
    probe_runs.append(mark)
