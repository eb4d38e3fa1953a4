"""Fixtures of the jobs contract suite: one `harness` per backend (see jobs_harness.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from jobs_harness import BACKENDS, JobsHarness, create_jobs_schema

from openelements.kit.db import Database


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=BACKENDS)
async def harness(request: pytest.FixtureRequest) -> AsyncIterator[JobsHarness]:
    kind, url_fixture = request.param
    database = Database.from_url(str(request.getfixturevalue(url_fixture)))
    await create_jobs_schema(database)
    harness = JobsHarness(kind=kind, database=database)
    try:
        yield harness
    finally:
        for worker in list(harness.workers):
            await harness.stop(worker)
        await database.dispose()
