"""Operating the queue: `openelements jobs ...`, /metrics, and the schema `db upgrade` applies."""

from __future__ import annotations

import asyncio
import base64
import secrets
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from jobs_harness import BACKENDS, JobsHarness, eventually
from sqlalchemy import create_engine, inspect
from typer.testing import CliRunner

from openelements import migrations
from openelements.app import create_app
from openelements.cli import app as cli
from openelements.jobs import JobContext, JobStatus, TaskRegistry
from openelements.kit.crypto import generate_key
from openelements.kit.db import Database
from openelements.settings import Settings


@pytest.fixture(params=BACKENDS)
def deployment(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str, dict[str, str]]:
    kind, url_fixture = request.param
    url = str(request.getfixturevalue(url_fixture))
    migrations.upgrade(url)
    env = {
        "OPENELEMENTS_DATABASE_URL": url,
        "OPENELEMENTS_JOBS_BACKEND": kind,
        "OPENELEMENTS_ENCRYPTION_KEYS": f"k1:{generate_key()}",
        "OPENELEMENTS_HMAC_PEPPER": base64.b64encode(secrets.token_bytes(32)).decode(),
        "OPENELEMENTS_KEY_FILE": str(tmp_path / "keys"),
        "OPENELEMENTS_LOG_FORMAT": "console",
        "OPENELEMENTS_LOG_LEVEL": "WARNING",
    }
    return kind, url, env


async def _failed_and_waiting_jobs(kind: str, url: str) -> tuple[int, int]:
    registry = TaskRegistry()

    @registry.task(name="ops.broken")
    async def broken(ctx: JobContext) -> None:
        raise RuntimeError("broken")

    @registry.task(name="ops.later")
    async def later(ctx: JobContext) -> None:
        return None

    harness = JobsHarness(kind=kind, database=Database.from_url(url))
    backend = harness.backend(registry)
    async with harness.database.transaction() as session:
        failed = await backend.defer(session, broken)
        waiting = await backend.defer(session, later, run_at=datetime.now(UTC) + timedelta(hours=1))
    assert failed is not None
    assert waiting is not None
    worker = await harness.start(backend, concurrency=1)

    async def is_failed() -> bool:
        return any(j.status == JobStatus.FAILED for j in await backend.list_jobs())

    await eventually(is_failed)
    await harness.stop(worker)
    await harness.database.dispose()
    return failed, waiting


def _jobs(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["jobs", *args], env=env)
    return result.exit_code, result.output


def test_operators_list_cancel_and_retry_jobs_from_the_command_line(
    deployment: tuple[str, str, dict[str, str]],
) -> None:
    kind, url, env = deployment
    failed, waiting = asyncio.run(_failed_and_waiting_jobs(kind, url))

    code, output = _jobs(env, "list")
    assert code == 0, output
    assert f"{failed}\tfailed\tops.broken" in output
    assert f"{waiting}\ttodo\tops.later" in output
    code, output = _jobs(env, "list", "--status", "failed")
    assert output.splitlines() == [line for line in output.splitlines() if "\tfailed\t" in line]
    assert f"{failed}\tfailed" in output

    assert _jobs(env, "cancel", str(failed))[0] == 1  # not waiting
    assert _jobs(env, "cancel", str(waiting)) == (0, f"job {waiting} cancelled\n")
    assert _jobs(env, "retry", str(failed)) == (0, f"job {failed} queued again\n")
    assert _jobs(env, "retry", str(waiting))[0] == 1  # not failed

    _, output = _jobs(env, "list", "--status", "todo", "--status", "cancelled")
    assert f"{failed}\ttodo\tops.broken" in output
    assert f"{waiting}\tcancelled\tops.later" in output


def test_db_upgrade_applies_procrastinate_schema_on_postgresql_only(database_url: str) -> None:
    migrations.upgrade(database_url)
    tables = _tables(database_url)
    assert "job" in tables
    assert ("procrastinate_jobs" in tables) == database_url.startswith("postgresql")

    migrations.downgrade(database_url, "0002_platform")
    tables = _tables(database_url)
    assert "job" not in tables
    assert not any(name.startswith("procrastinate") for name in tables)


def _tables(url: str) -> set[str]:
    sync_url = url.replace("+aiosqlite", "")
    engine = create_engine(sync_url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_metrics_show_jobs_by_status_and_the_oldest_wait(
    deployment: tuple[str, str, dict[str, str]],
) -> None:
    kind, url, env = deployment
    asyncio.run(_failed_and_waiting_jobs(kind, url))
    settings = Settings(
        database_url=url,
        jobs_backend=kind,  # type: ignore[arg-type]
        jobs_metrics_refresh_seconds=0.05,
        encryption_keys=env["OPENELEMENTS_ENCRYPTION_KEYS"],  # type: ignore[arg-type]
        hmac_pepper=env["OPENELEMENTS_HMAC_PEPPER"],  # type: ignore[arg-type]
    )
    with TestClient(create_app(settings, start_worker=False)) as client:
        deadline = time.monotonic() + 10
        while 'openelements_jobs{status="failed"} 1.0' not in (text := client.get("/metrics").text):
            assert time.monotonic() < deadline, text
            time.sleep(0.05)
    assert 'openelements_jobs{status="todo"} 1.0' in text
    assert "openelements_jobs_oldest_waiting_seconds 0.0" in text  # the waiting job is not due
