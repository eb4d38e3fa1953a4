import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from procrastinate.jobs import Job

from openelements.jobs.api import UnknownTaskError
from openelements.jobs.procrastinate import PolicyRetry, conninfo
from openelements.jobs.retry_policy import NO_RETRY, RetryPolicy


def job_after(failed_attempts_before: int) -> Job:
    return Job(
        id=1,
        queue="default",
        lock=None,
        queueing_lock=None,
        task_name="t",
        attempts=failed_attempts_before,
    )


def test_the_policy_sets_when_procrastinate_retries() -> None:
    strategy = PolicyRetry(RetryPolicy(max_attempts=3, first_delay=timedelta(seconds=10)))
    before = datetime.now(UTC)
    decision = strategy.get_retry_decision(exception=RuntimeError(), job=job_after(1))
    assert decision is not None
    # procrastinate's attempts count finished runs: after 2 failures the wait is 20 s.
    assert (
        before + timedelta(seconds=20)
        <= decision.retry_at
        <= datetime.now(UTC) + timedelta(seconds=20)
    )
    assert strategy.get_retry_decision(exception=RuntimeError(), job=job_after(2)) is None


def test_a_job_cut_short_by_shutdown_goes_back_to_the_queue_whatever_the_policy() -> None:
    decision = PolicyRetry(NO_RETRY).get_retry_decision(
        exception=asyncio.CancelledError(), job=job_after(5)
    )
    assert decision is not None
    assert decision.retry_at <= datetime.now(UTC)


def test_unknown_tasks_are_not_retried() -> None:
    strategy = PolicyRetry(RetryPolicy(max_attempts=5))
    assert strategy.get_retry_decision(exception=UnknownTaskError("x"), job=job_after(0)) is None


def test_the_procrastinate_backend_needs_postgresql() -> None:
    assert conninfo("postgresql+psycopg://u:p@h:5432/db") == "postgresql://u:p@h:5432/db"
    with pytest.raises(ValueError, match="PostgreSQL"):
        conninfo("sqlite+aiosqlite:///x.db")
