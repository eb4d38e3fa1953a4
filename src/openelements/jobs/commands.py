"""`openelements worker` and `openelements jobs list|retry|cancel` (DESIGN.md §6).

The commands get the process's objects from a host factory that cli.py passes in (the
container), so this package stays free of domain imports.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable, Coroutine
from typing import Annotated, Any, Protocol, TypeVar

import structlog
import typer

from openelements.jobs.api import JobInfo, JobsBackend, JobStatus
from openelements.jobs.runtime import JobsRuntime, jobs_config
from openelements.settings import ConfigurationError, Settings, settings_of

log = structlog.get_logger("openelements.jobs")
T = TypeVar("T")


class JobsHost(Protocol):
    """What the commands need from the composition root."""

    @property
    def jobs(self) -> JobsRuntime: ...

    async def aclose(self) -> None: ...


HostFactory = Callable[[Settings], JobsHost]

ConcurrencyOption = Annotated[
    int | None,
    typer.Option(help="Jobs run at the same time (default OPENELEMENTS_JOBS_CONCURRENCY)."),
]
QueuesOption = Annotated[
    list[str] | None,
    typer.Option("--queues", help="Only these queues (repeat or comma-separate; default all)."),
]
StatusOption = Annotated[
    list[JobStatus] | None, typer.Option("--status", help="Only jobs in this status (repeatable).")
]


def jobs_cli(
    open_host: HostFactory, *, prepare: Callable[[Settings], None] | None = None
) -> tuple[Callable[..., None], typer.Typer]:
    """The `worker` command and the `jobs` group, bound to the host factory. `prepare` runs
    before a worker starts (serve's database check: migrate local SQLite, else require it)."""

    def worker(
        ctx: typer.Context, concurrency: ConcurrencyOption = None, queues: QueuesOption = None
    ) -> None:
        """Run background jobs until SIGINT or SIGTERM (then drain running jobs)."""
        names = [name.strip() for item in queues or [] for name in item.split(",") if name.strip()]
        settings = settings_of(ctx)
        try:
            jobs_config(settings)  # refuse a wrong setup before anything is opened
            if prepare is not None:
                prepare(settings)
            asyncio.run(
                _run_worker(open_host, settings, concurrency=concurrency, queues=names or None)
            )
        except ConfigurationError as exc:
            typer.echo(f"openelements: {exc}", err=True)
            raise typer.Exit(2) from None

    jobs_app = typer.Typer(no_args_is_help=True, help="Inspect and operate the job queue.")

    @jobs_app.command("list")
    def list_jobs(
        ctx: typer.Context,
        status: StatusOption = None,
        limit: Annotated[int, typer.Option(help="At most this many, newest first.")] = 50,
    ) -> None:
        """List jobs, newest first."""
        jobs = _operate(
            open_host, settings_of(ctx), lambda b: b.list_jobs(statuses=status, limit=limit)
        )
        for job in jobs:
            typer.echo(_describe(job))

    @jobs_app.command("retry")
    def retry(ctx: typer.Context, job_id: int) -> None:
        """Queue a failed job again, to run now."""
        if not _operate(open_host, settings_of(ctx), lambda b: b.retry(job_id)):
            typer.echo(f"job {job_id} is not a failed job", err=True)
            raise typer.Exit(1)
        typer.echo(f"job {job_id} queued again")

    @jobs_app.command("cancel")
    def cancel(ctx: typer.Context, job_id: int) -> None:
        """Cancel a waiting job."""
        if not _operate(open_host, settings_of(ctx), lambda b: b.cancel(job_id)):
            typer.echo(f"job {job_id} is not waiting", err=True)
            raise typer.Exit(1)
        typer.echo(f"job {job_id} cancelled")

    return worker, jobs_app


def _describe(job: JobInfo) -> str:
    run_at = job.run_at.isoformat() if job.run_at else "-"
    return (
        f"{job.id}\t{job.status.value}\t{job.task_name}\tqueue={job.queue}"
        f"\tattempts={job.attempts}\trun_at={run_at}"
    )


def _operate(
    open_host: HostFactory,
    settings: Settings,
    action: Callable[[JobsBackend], Coroutine[Any, Any, T]],
) -> T:
    async def run() -> T:
        host = open_host(settings)  # builds an HTTP session: needs the running loop
        try:
            return await action(host.jobs.backend)
        finally:
            await host.aclose()

    return asyncio.run(run())


async def _run_worker(
    open_host: HostFactory,
    settings: Settings,
    *,
    concurrency: int | None,
    queues: list[str] | None,
) -> None:
    host = open_host(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await host.jobs.start(worker=True, concurrency=concurrency, queues=queues, metrics=False)
        log.info("worker_running", queues=queues or "all")
        await stop.wait()
        log.info("worker_stopping")
    finally:
        await host.jobs.stop()
        await host.aclose()
