"""Periods of periodic tasks.

A period is identified by its start time. Every process computes the same start for the
same instant (intervals are aligned to the Unix epoch, cron ticks are absolute), so the
database can refuse a second job for a period that another process already deferred.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from croniter import croniter  # type: ignore[import-untyped]

CRON_MAX_LATENESS = timedelta(minutes=10)


class Schedule(Protocol):
    def period_start(self, at: datetime) -> datetime:
        """The start of the period that contains `at` (a tick at `at` itself counts)."""
        ...

    def next_start(self, at: datetime) -> datetime:
        """The first period start strictly after `at`."""
        ...

    @property
    def max_lateness(self) -> timedelta:
        """How late a period may still be fired (after a restart or an outage)."""
        ...


def _require_utc(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("naive datetime: periods are computed in UTC")
    return at.astimezone(UTC)


@dataclass(frozen=True)
class Interval:
    """Every `period`, aligned to the Unix epoch (an hourly task fires on the hour)."""

    period: timedelta

    def __post_init__(self) -> None:
        # Periods are stored as whole Unix seconds (procrastinate's periodic defers too).
        seconds = self.period.total_seconds()
        if seconds < 1 or not seconds.is_integer():
            raise ValueError("period must be a positive whole number of seconds")

    def period_start(self, at: datetime) -> datetime:
        seconds = self.period.total_seconds()
        index = math.floor(_require_utc(at).timestamp() / seconds)
        return datetime.fromtimestamp(index * seconds, tz=UTC)

    def next_start(self, at: datetime) -> datetime:
        return self.period_start(at) + self.period

    @property
    def max_lateness(self) -> timedelta:
        # "every N": a process that finds the current period not yet run runs it.
        return self.period


@dataclass(frozen=True)
class Cron:
    """A cron expression in UTC: five fields, or six with seconds last (croniter syntax)."""

    expression: str
    max_lateness: timedelta = CRON_MAX_LATENESS
    """A tick missed by more than this is skipped: a nightly job does not run at noon."""

    def __post_init__(self) -> None:
        if not croniter.is_valid(self.expression):
            raise ValueError(f"invalid cron expression: {self.expression!r}")

    def period_start(self, at: datetime) -> datetime:
        moment = _require_utc(at)
        # croniter's get_prev is strict; start one microsecond later so a tick at `at` counts.
        prev = croniter(self.expression, moment + timedelta(microseconds=1)).get_prev(datetime)
        return _as_utc(prev)

    def next_start(self, at: datetime) -> datetime:
        return _as_utc(croniter(self.expression, _require_utc(at)).get_next(datetime))


def _as_utc(value: object) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"croniter returned {type(value).__name__}")
    return value.astimezone(UTC)
