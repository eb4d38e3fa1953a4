"""Jobs per second through the queue, per backend, job kind and number of worker processes.

    .venv/bin/python bench/jobs_throughput.py [--jobs 2000] [--concurrency 4]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test] [--only local-sqlite]

For each case: a fresh database with the jobs schema, N jobs deferred up front (deferral rate
reported too), then W worker processes (each a pool of --concurrency, as `openelements
worker` runs) are started; the clock runs from the moment all are ready until every job has
succeeded. Job kinds: `noop` (the queue's own cost) and `sleep10ms` (an I/O-bound handler,
like a webhook delivery). The goal: 10,000 deliveries a minute (170 jobs/s) on PostgreSQL
with 4 workers, 100 jobs/s on SQLite.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import multiprocessing.synchronize
import os
import secrets
import signal
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import psycopg
import structlog
from procrastinate.schema import SchemaManager
from sqlalchemy import text
from sqlalchemy.engine import make_url

from openelements.jobs import JobContext, JobsBackend, Resources, TaskRegistry
from openelements.jobs.models import JobRow
from openelements.jobs.runtime import JobsConfig, build_backend
from openelements.kit.clock import SystemClock
from openelements.kit.db import Database

registry = TaskRegistry()


@registry.task(name="bench.noop")
async def noop(ctx: JobContext) -> None:
    return None


@registry.task(name="bench.sleep10ms")
async def sleep10ms(ctx: JobContext) -> None:
    await asyncio.sleep(0.01)


TASKS = {"noop": noop, "sleep10ms": sleep10ms}


@dataclass(frozen=True)
class Case:
    backend: str
    database: str  # sqlite | postgresql
    kind: str
    workers: int

    @property
    def label(self) -> str:
        return f"{self.backend}/{self.database}"


def _backend(kind: str, url: str) -> JobsBackend:
    config = JobsConfig(
        backend=kind,  # type: ignore[arg-type]
        poll=timedelta(milliseconds=50),
        heartbeat=timedelta(seconds=5),
        lease=timedelta(seconds=30),
    )
    database = Database.from_url(url)
    return build_backend(
        config,
        database=database,
        registry=registry,
        resources=Resources({Database: database}),
        clock=SystemClock(),
    )


def _database(backend: JobsBackend) -> Database:
    database = getattr(backend, "database", None)
    assert isinstance(database, Database)
    return database


def _quiet() -> None:
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))


def _worker_process(
    kind: str,
    url: str,
    concurrency: int,
    ready: multiprocessing.synchronize.Semaphore,
    go: multiprocessing.synchronize.Event,
) -> None:
    _quiet()

    async def run() -> None:
        backend = _backend(kind, url)
        worker = backend.worker(concurrency=concurrency)
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        ready.release()
        await asyncio.to_thread(go.wait)
        await worker.start()
        await stop.wait()
        await worker.stop(grace=timedelta(seconds=1))
        await _database(backend).dispose()

    asyncio.run(run())


async def _prepare(url: str) -> None:
    database = Database.from_url(url)
    async with database.engine.begin() as connection:
        await connection.run_sync(JobRow.metadata.create_all, tables=[JobRow.__table__])
        if database.backend == "postgresql":
            await connection.exec_driver_sql(SchemaManager.get_schema().replace("%", "%%"))
    await database.dispose()


async def _defer_all(backend: JobsBackend, kind: str, count: int) -> float:
    started = time.perf_counter()
    database = _database(backend)
    for offset in range(0, count, 500):
        async with database.transaction() as session:
            for _ in range(min(500, count - offset)):
                await backend.defer(session, TASKS[kind])
    return count / (time.perf_counter() - started)


async def _succeeded(backend: JobsBackend, kind: str) -> int:
    table = "job" if kind == "local" else "procrastinate_jobs"
    async with _database(backend).read_session() as session:
        # Only the benchmark's jobs: the periodic housekeeping job runs too.
        query = (
            f"SELECT count(*) FROM {table} WHERE status = 'succeeded' AND task_name LIKE 'bench.%'"
        )
        result = await session.execute(text(query))
        return int(result.scalar_one())


def run_case(case: Case, *, url: str, jobs: int, concurrency: int) -> tuple[float, float]:
    asyncio.run(_prepare(url))
    backend = _backend(case.backend, url)
    defer_rate = asyncio.run(_defer_all(backend, case.kind, jobs))
    context = multiprocessing.get_context("spawn")
    ready, go = context.Semaphore(0), context.Event()
    processes = [
        context.Process(target=_worker_process, args=(case.backend, url, concurrency, ready, go))
        for _ in range(case.workers)
    ]
    for process in processes:
        process.start()
    for _ in processes:
        ready.acquire()
    started = time.perf_counter()
    go.set()
    elapsed = asyncio.run(_wait_done(backend, case.backend, jobs, started))
    for process in processes:
        os.kill(process.pid or 0, signal.SIGTERM)
    for process in processes:
        process.join(timeout=30)
    return defer_rate, jobs / elapsed


async def _wait_done(backend: JobsBackend, kind: str, jobs: int, started: float) -> float:
    try:
        while True:
            if await _succeeded(backend, kind) >= jobs:
                return time.perf_counter() - started
            await asyncio.sleep(0.05)
    finally:
        await _database(backend).dispose()


def _postgres_database(admin_url: str) -> tuple[str, str]:
    name = f"oe_bench_{secrets.token_hex(4)}"
    url = make_url(admin_url)
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False), name


def _drop_postgres_database(admin_url: str, name: str) -> None:
    dsn = make_url(admin_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=4, help="pool size per worker")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--only", help="local-sqlite, local-postgresql or procrastinate-postgresql")
    args = parser.parse_args()
    _quiet()
    setups = [("local", "sqlite"), ("local", "postgresql"), ("procrastinate", "postgresql")]
    print(f"{args.jobs} jobs per case, {args.concurrency} concurrent jobs per worker process")
    print(f"{'backend':<26}{'job':<11}{'workers':>8}{'deferred/s':>12}{'jobs/s':>10}")
    for backend, database in setups:
        if args.only and args.only != f"{backend}-{database}":
            continue
        for kind in TASKS:
            for workers in (1, 4):
                case = Case(backend=backend, database=database, kind=kind, workers=workers)
                defer_rate, rate = _run(case, args)
                print(
                    f"{case.label:<26}{kind:<11}{workers:>8}{defer_rate:>12.0f}{rate:>10.0f}",
                    flush=True,
                )


def _run(case: Case, args: argparse.Namespace) -> tuple[float, float]:
    if case.database == "sqlite":
        with tempfile.TemporaryDirectory() as directory:
            url = f"sqlite+aiosqlite:///{Path(directory) / 'bench.db'}"
            return run_case(case, url=url, jobs=args.jobs, concurrency=args.concurrency)
    url, name = _postgres_database(args.postgres)
    try:
        return run_case(case, url=url, jobs=args.jobs, concurrency=args.concurrency)
    finally:
        _drop_postgres_database(args.postgres, name)


if __name__ == "__main__":
    main()
