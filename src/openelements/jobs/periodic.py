"""Deferring periodic tasks, once per period, from every worker process.

Each worker runs this loop. It only proposes jobs: the backend's database refuses a second
job for the same (task, period start), so any number of processes yields one job per period.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta

import structlog

from openelements.jobs.api import PeriodicTask
from openelements.kit.clock import Clock

DeferPeriod = Callable[[PeriodicTask, datetime], Awaitable[bool]]
"""Defer the task for the period starting at the datetime; False if already deferred."""

MAX_SLEEP = timedelta(seconds=30)
"""Wake at least this often, so a clock jump or a new period is never missed for long."""

log = structlog.get_logger("openelements.jobs.periodic")


class PeriodicDeferrer:
    def __init__(
        self,
        tasks: Mapping[str, PeriodicTask],
        *,
        defer_period: DeferPeriod,
        clock: Clock,
    ) -> None:
        self._tasks = dict(tasks)
        self._defer_period = defer_period
        self._clock = clock
        self._proposed: dict[str, datetime] = {}

    async def run(self) -> None:
        while self._tasks:
            try:
                await self.tick()
            except Exception:
                # The database may be briefly away; the next tick tries again.
                log.exception("periodic_defer_failed")
            await asyncio.sleep(self.seconds_until_next())

    async def tick(self) -> None:
        now = self._clock.now()
        for name, periodic in self._tasks.items():
            start = periodic.schedule.period_start(now)
            if self._proposed.get(name) == start or now - start > periodic.schedule.max_lateness:
                continue
            if await self._defer_period(periodic, start):
                log.info("periodic_deferred", task=name, period_start=start.isoformat())
            self._proposed[name] = start

    def seconds_until_next(self) -> float:
        now = self._clock.now()
        upcoming = min(p.schedule.next_start(now) for p in self._tasks.values())
        return max(0.0, min(upcoming - now, MAX_SLEEP).total_seconds())
