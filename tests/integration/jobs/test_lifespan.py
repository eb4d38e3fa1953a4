"""The app's lifespan runs a worker pool in the serving process, unless told not to."""

from __future__ import annotations

import secrets
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from jobs_harness import probe_runs, record_probe

from openelements import migrations
from openelements.app import create_app
from openelements.container import Container
from openelements.jobs import JobStatus
from openelements.settings import Settings


async def _defer_probe(container: Container, mark: str) -> None:
    async with container.database.transaction() as session:
        await container.jobs.backend.defer(session, record_probe, args={"mark": mark})


@pytest.mark.parametrize("start_worker", [True, False], ids=["serve", "serve-no-worker"])
def test_deferred_jobs_run_in_the_serving_process_unless_no_worker(
    start_worker: bool, sqlite_url: str, tmp_path: Path
) -> None:
    migrations.upgrade(sqlite_url)
    settings = Settings(
        database_url=sqlite_url,
        key_file=tmp_path / "keys",
        jobs_task_modules="jobs_harness:probe_tasks",
        jobs_poll_seconds=0.05,
    )
    mark = secrets.token_hex(4)
    with TestClient(create_app(settings, start_worker=start_worker)) as client:
        container = client.app.state.container  # type: ignore[attr-defined]
        client.portal.call(_defer_probe, container, mark)  # type: ignore[union-attr]
        deadline = time.monotonic() + (5 if start_worker else 0.5)
        while True:
            jobs = client.portal.call(container.jobs.backend.list_jobs)  # type: ignore[union-attr]
            probe = next(job for job in jobs if job.task_name == "probe.record")
            if probe.status == JobStatus.SUCCEEDED or time.monotonic() > deadline:
                break
            time.sleep(0.02)

    if start_worker:
        assert mark in probe_runs
        assert probe.status == JobStatus.SUCCEEDED
    else:
        assert mark not in probe_runs
        assert probe.status == JobStatus.TODO  # waits for `openelements worker`
