"""Jobs across real processes: a worker killed with SIGKILL mid-job, and `serve` draining
its jobs when it stops.

The worker and serve processes load this module's `registry` through
OPENELEMENTS_JOBS_TASK_MODULES (PYTHONPATH points at this directory).
"""

from __future__ import annotations

import asyncio
import base64
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import httpx2
import pytest
from sqlalchemy import text

from openelements import migrations
from openelements.jobs import JobContext, JobsBackend, JobStatus, Resources, TaskRegistry
from openelements.jobs.runtime import JobsConfig, build_backend
from openelements.kit.clock import SystemClock
from openelements.kit.crypto import generate_key
from openelements.kit.db import Database

pytestmark = pytest.mark.slow
OPENELEMENTS = Path(sys.executable).with_name("openelements")
HERE = Path(__file__).resolve().parent

registry = TaskRegistry()


@registry.task(name="e2e.apply_once")
async def apply_once(ctx: JobContext, *, key: str, hang_first: bool) -> None:
    """The idempotent-handler pattern: the effect is keyed, so a re-run after a crash (the
    effect committed, the job not yet marked done) finds it and does not repeat it."""
    database = ctx.resources.get(Database)
    async with database.transaction() as session:
        await _record_attempt(session, key=key, attempt=ctx.attempt)
        await session.execute(
            text("INSERT INTO e2e_effect (key) VALUES (:key) ON CONFLICT (key) DO NOTHING"),
            {"key": key},
        )
    if hang_first and ctx.attempt == 1:
        await asyncio.sleep(3600)  # the test kills the worker here


async def _record_attempt(session: object, *, key: str, attempt: int) -> None:
    await session.execute(  # type: ignore[attr-defined]
        text("INSERT INTO e2e_attempt (key, attempt, pid) VALUES (:key, :attempt, :pid)"),
        {"key": key, "attempt": attempt, "pid": os.getpid()},
    )


@registry.task(name="e2e.sleep")
async def sleep_then_finish(ctx: JobContext, *, key: str, seconds: float) -> None:
    """Sleeps on its first attempt only, so a run handed back at shutdown finishes next time."""
    database = ctx.resources.get(Database)
    async with database.transaction() as session:
        await _record_attempt(session, key=key, attempt=ctx.attempt)
    if ctx.attempt == 1:
        await asyncio.sleep(seconds)


@registry.task(name="e2e.share")
async def share(ctx: JobContext, *, key: str) -> None:
    database = ctx.resources.get(Database)
    async with database.transaction() as session:
        await _record_attempt(session, key=key, attempt=ctx.attempt)
    await asyncio.sleep(0.05)


def _environment(url: str, backend: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENELEMENTS_")}
    env.update(
        {
            "OPENELEMENTS_DATABASE_URL": url,
            "OPENELEMENTS_JOBS_BACKEND": backend,
            "OPENELEMENTS_JOBS_TASK_MODULES": f"{Path(__file__).stem}:registry",
            "OPENELEMENTS_JOBS_LEASE_SECONDS": "1",
            "OPENELEMENTS_JOBS_HEARTBEAT_SECONDS": "0.2",
            "OPENELEMENTS_JOBS_POLL_SECONDS": "0.1",
            "OPENELEMENTS_JOBS_SHUTDOWN_GRACE_SECONDS": "1",
            "OPENELEMENTS_ENCRYPTION_KEYS": f"k1:{generate_key()}",
            "OPENELEMENTS_HMAC_PEPPER": base64.b64encode(secrets.token_bytes(32)).decode(),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")])),
        }
    )
    return env


@contextmanager
def _process(
    args: list[str], *, env: dict[str, str], cwd: Path, log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as output:
        process = subprocess.Popen(
            [str(OPENELEMENTS), *args], cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)


async def _prepared(url: str, backend: str) -> JobsBackend:
    """The database as `openelements db upgrade` leaves it, plus the tables the tasks use."""
    await asyncio.to_thread(migrations.upgrade, url)  # alembic runs its own event loop
    database = Database.from_url(url)
    async with database.transaction() as session:
        await session.execute(text("CREATE TABLE e2e_effect (key VARCHAR(50) PRIMARY KEY)"))
        await session.execute(
            text("CREATE TABLE e2e_attempt (key VARCHAR(50), attempt INTEGER, pid INTEGER)")
        )
    config = JobsConfig(backend=backend)  # type: ignore[arg-type]
    return build_backend(
        config,
        database=database,
        registry=registry,
        resources=Resources({Database: database}),
        clock=SystemClock(),
    )


async def _rows(backend: JobsBackend, query: str) -> list[tuple[object, ...]]:
    database = _database_of(backend)
    async with database.read_session() as session:
        return [tuple(row) for row in (await session.execute(text(query))).all()]


def _database_of(backend: JobsBackend) -> Database:
    database = getattr(backend, "database", None)
    assert isinstance(database, Database)
    return database


async def _until(check: Callable[[], Awaitable[bool]], *, within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {within} s")
        await asyncio.sleep(0.05)


async def _status(backend: JobsBackend, job_id: int) -> JobStatus:
    return next(job.status for job in await backend.list_jobs() if job.id == job_id)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(
    params=[
        pytest.param(("local", "sqlite_url"), id="local-sqlite"),
        pytest.param(("local", "postgres_url"), id="local-postgres", marks=pytest.mark.postgres),
        pytest.param(
            ("procrastinate", "postgres_url"),
            id="procrastinate-postgres",
            marks=pytest.mark.postgres,
        ),
    ]
)
def deployment(request: pytest.FixtureRequest) -> tuple[str, str]:
    kind, url_fixture = request.param
    return kind, str(request.getfixturevalue(url_fixture))


@pytest.mark.anyio
async def test_a_job_cut_short_by_sigkill_completes_after_restart_and_applies_once(
    deployment: tuple[str, str], tmp_path: Path
) -> None:
    kind, url = deployment
    env = _environment(url, kind)
    jobs = await _prepared(url, kind)
    async with _database_of(jobs).transaction() as session:
        job_id = await jobs.defer(session, apply_once, args={"key": "k1", "hang_first": True})
    assert job_id is not None
    attempts = "SELECT key, attempt FROM e2e_attempt ORDER BY attempt"

    with _process(["worker"], env=env, cwd=tmp_path, log=tmp_path / "worker.log") as first:
        await _until(lambda: _has_rows(jobs, attempts, 1), within=30, what="first attempt")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    assert await _status(jobs, job_id) == JobStatus.DOING  # orphaned by the dead worker

    with _process(["worker"], env=env, cwd=tmp_path, log=tmp_path / "worker.log") as second:
        await _until(
            lambda: _is(jobs, job_id, JobStatus.SUCCEEDED), within=30, what="run after restart"
        )
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=15) == 0

    assert await _rows(jobs, attempts) == [("k1", 1), ("k1", 2)]  # it really ran twice
    assert await _rows(jobs, "SELECT key FROM e2e_effect") == [("k1",)]  # its effect, once
    await _database_of(jobs).dispose()


async def _has_rows(backend: JobsBackend, query: str, count: int) -> bool:
    return len(await _rows(backend, query)) >= count


async def _is(backend: JobsBackend, job_id: int, status: JobStatus) -> bool:
    return await _status(backend, job_id) == status


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def _healthy(base: str) -> bool:
    try:
        async with httpx2.AsyncClient() as client:
            return (await client.get(f"{base}/health", timeout=2)).status_code == 200
    except httpx2.TransportError:
        return False


@pytest.mark.anyio
async def test_serve_stopping_waits_for_short_jobs_and_leaves_long_ones_for_later(
    sqlite_url: str, tmp_path: Path
) -> None:
    env = _environment(sqlite_url, "local")
    jobs = await _prepared(sqlite_url, "local")
    base = f"http://127.0.0.1:{_free_port()}"
    started = "SELECT key FROM e2e_attempt WHERE attempt = 1"

    with _process(
        ["serve", "--port", base.rsplit(":", 1)[1]],
        env=env,
        cwd=tmp_path,
        log=tmp_path / "serve.log",
    ) as serve:
        await _until(lambda: _healthy(base), within=30, what="serve answering")
        async with _database_of(jobs).transaction() as session:
            short = await jobs.defer(
                session, sleep_then_finish, args={"key": "short", "seconds": 0.3}
            )
            long = await jobs.defer(
                session, sleep_then_finish, args={"key": "long", "seconds": 600}
            )
        assert short is not None
        assert long is not None
        await _until(lambda: _has_rows(jobs, started, 2), within=30, what="both jobs started")
        serve.send_signal(signal.SIGTERM)
        # The grace (1 s) bounds the wait for the long job; uvicorn then re-raises SIGTERM.
        assert serve.wait(timeout=20) in {0, -signal.SIGTERM}
    output = (tmp_path / "serve.log").read_text()
    assert '"released": 1' in output
    assert "Application shutdown complete" in output

    assert await _status(jobs, short) == JobStatus.SUCCEEDED  # waited for
    assert await _status(jobs, long) == JobStatus.TODO  # handed back, not lost

    worker = jobs.worker(concurrency=1)  # whoever runs jobs next picks it up
    await worker.start()
    await _until(lambda: _is(jobs, long, JobStatus.SUCCEEDED), within=30, what="long job rerun")
    await worker.stop(grace=timedelta(seconds=1))
    assert sorted(await _rows(jobs, "SELECT key, attempt FROM e2e_attempt")) == [
        ("long", 1),
        ("long", 2),
        ("short", 1),
    ]
    await _database_of(jobs).dispose()


@pytest.mark.postgres
@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["local", "procrastinate"])
async def test_worker_processes_on_one_postgresql_share_the_work(
    kind: str, postgres_url: str, tmp_path: Path
) -> None:
    env = _environment(postgres_url, kind)
    jobs = await _prepared(postgres_url, kind)
    logs = [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]
    arguments = ["worker", "--concurrency", "2"]
    with (
        _process(arguments, env=env, cwd=tmp_path, log=logs[0]) as first,
        _process(arguments, env=env, cwd=tmp_path, log=logs[1]) as second,
    ):
        for log in logs:
            await _until(lambda log=log: _logged(log, "worker_running"), within=30, what="start")
        async with _database_of(jobs).transaction() as session:
            for n in range(40):
                await jobs.defer(session, share, args={"key": f"job-{n}"})
        rows = "SELECT key, attempt, pid FROM e2e_attempt"
        await _until(lambda: _has_rows(jobs, rows, 40), within=60, what="all jobs run")
        await asyncio.sleep(0.3)  # a duplicate run would show up here
        for process in (first, second):
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=15) == 0

    runs = await _rows(jobs, rows)
    assert sorted(key for key, _, _ in runs) == sorted(f"job-{n}" for n in range(40))
    assert {pid for _, _, pid in runs} == {first.pid, second.pid}  # both took part
    await _database_of(jobs).dispose()


async def _logged(log: Path, event: str) -> bool:
    return log.exists() and event in log.read_text()
