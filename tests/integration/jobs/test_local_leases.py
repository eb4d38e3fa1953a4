"""The local runner's leases: a job is never left running in two processes at once."""

from __future__ import annotations

import asyncio

import pytest
from jobs_harness import JobsHarness, eventually
from sqlalchemy import select, update

from openelements.jobs.api import JobContext, TaskRegistry
from openelements.jobs.models import JobRow

pytestmark = pytest.mark.anyio


async def test_a_job_whose_lease_another_worker_took_stops_running_here(
    harness: JobsHarness,
) -> None:
    if harness.kind != "local":
        pytest.skip("the local runner's own leases (procrastinate sweeps stalled workers)")
    registry = TaskRegistry()
    started = asyncio.Event()
    cancelled: list[int] = []

    @registry.task(name="test.long")
    async def long(ctx: JobContext) -> None:
        started.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.append(ctx.job_id)
            raise

    backend = harness.backend(registry)
    async with harness.database.transaction() as session:
        job_id = await backend.defer(session, long)
    await harness.start(backend)
    await eventually(started.is_set)

    # What a second worker does once this one looked dead: the job is claimed again.
    async with harness.database.transaction() as session:
        await session.execute(
            update(JobRow).where(JobRow.id == job_id).values(lease_owner="elsewhere")
        )

    await eventually(lambda: cancelled == [job_id], within=3.0)
    async with harness.database.read_session() as session:
        row = (await session.execute(select(JobRow).where(JobRow.id == job_id))).scalar_one()
    assert (row.status, row.lease_owner) == ("doing", "elsewhere")
