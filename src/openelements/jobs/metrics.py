"""Queue health on /metrics: jobs by status and the age of the oldest waiting job.

Prometheus collects synchronously, the queue is read asynchronously: a loop refreshes a
snapshot that the collector serves, so a scrape never waits on the database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta

import structlog
from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from openelements.jobs.api import JobsBackend, JobStats, JobStatus

log = structlog.get_logger("openelements.jobs.metrics")


class JobsMetrics(Collector):
    def __init__(self, backend: JobsBackend, *, refresh_every: timedelta) -> None:
        self._backend = backend
        self._refresh_every = refresh_every
        self._snapshot: JobStats | None = None

    def register(self, registry: CollectorRegistry) -> None:
        registry.register(self)

    async def refresh(self) -> None:
        self._snapshot = await self._backend.stats()

    async def run(self) -> None:
        while True:
            try:
                await self.refresh()
            except Exception:
                log.exception("jobs_metrics_refresh_failed")
            await asyncio.sleep(self._refresh_every.total_seconds())

    def collect(self) -> Iterator[Metric]:
        if self._snapshot is None:
            return
        jobs = GaugeMetricFamily("openelements_jobs", "Jobs by status", labels=["status"])
        for status in JobStatus:
            jobs.add_metric([status.value], self._snapshot.counts.get(status, 0))
        yield jobs
        yield GaugeMetricFamily(
            "openelements_jobs_oldest_waiting_seconds",
            "How long the oldest due job has waited (0 when none waits)",
            value=self._snapshot.oldest_waiting_seconds or 0.0,
        )
