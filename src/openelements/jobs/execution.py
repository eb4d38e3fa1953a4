"""Running one attempt of a job: the same code under both backends."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime

import structlog

from openelements.jobs.api import (
    JobContext,
    JobId,
    JobsBackend,
    JobTimeoutError,
    JSONValue,
)

PERIOD_ARG = "timestamp"
"""Periodic jobs carry their period start (Unix seconds) under this argument, as procrastinate
does; the handler sees it as `ctx.scheduled_for`, not as an argument."""

log = structlog.get_logger("openelements.jobs")


async def run_attempt(
    *,
    job_id: JobId,
    task_name: str,
    attempt: int,
    args: Mapping[str, JSONValue],
    backend: JobsBackend,
) -> None:
    """Run the handler once. Raises what it raises; a timeout raises JobTimeoutError."""
    registry = backend.registry
    task = registry.get(task_name)
    kwargs = dict(args)
    scheduled_for = None
    if task_name in registry.periodic_tasks:
        timestamp = kwargs.pop(PERIOD_ARG, None)
        if isinstance(timestamp, int | float):
            scheduled_for = datetime.fromtimestamp(timestamp, tz=UTC)
    context = JobContext(
        job_id=job_id,
        task_name=task_name,
        attempt=attempt,
        logger=log.bind(job_id=job_id, task=task_name, attempt=attempt),
        resources=backend.resources,
        jobs=backend,
        scheduled_for=scheduled_for,
    )
    if task.timeout is None:
        await task.handler(context, **kwargs)
        return
    try:
        async with asyncio.timeout(task.timeout.total_seconds()):
            await task.handler(context, **kwargs)
    except TimeoutError as exc:
        raise JobTimeoutError(f"{task_name} ran longer than {task.timeout}") from exc
