from datetime import timedelta

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from openelements.jobs.api import JobStats, JobStatus
from openelements.jobs.metrics import JobsMetrics

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class StatsOnly:
    """The one backend method metrics read."""

    async def stats(self) -> JobStats:
        counts = {JobStatus.TODO: 3, JobStatus.FAILED: 1}
        return JobStats(counts=counts, oldest_waiting_seconds=12.5)


async def test_counts_by_status_and_oldest_wait_are_exported() -> None:
    registry = CollectorRegistry()
    metrics = JobsMetrics(StatsOnly(), refresh_every=timedelta(seconds=1))  # type: ignore[arg-type]
    metrics.register(registry)
    assert b"openelements_jobs" not in generate_latest(registry)  # nothing read yet

    await metrics.refresh()
    text = generate_latest(registry).decode()
    assert 'openelements_jobs{status="todo"} 3.0' in text
    assert 'openelements_jobs{status="failed"} 1.0' in text
    assert 'openelements_jobs{status="succeeded"} 0.0' in text
    assert "openelements_jobs_oldest_waiting_seconds 12.5" in text
