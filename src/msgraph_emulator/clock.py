"""The emulator's one clock. Every expiry (tokens, codes, throttling windows, subscriptions,
delta tokens) reads `Clock.now()`, never the wall clock, so tests move time with `advance`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta


def _wall_clock() -> datetime:
    return datetime.now(UTC)


class Clock:
    """Wall-clock time (or a fixed start, for tests) plus whatever `advance` added."""

    def __init__(self, start: datetime | None = None) -> None:
        if start is not None and start.tzinfo is None:
            raise ValueError("the clock needs an aware datetime")
        self._fixed = start
        self._offset = timedelta()
        self._source: Callable[[], datetime] = _wall_clock

    def now(self) -> datetime:
        base = self._fixed if self._fixed is not None else self._source()
        return (base + self._offset).astimezone(UTC)

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        try:
            step = timedelta(seconds=seconds)
            self.now() + step  # past year 9999 every later `now()` would fail
        except OverflowError as exc:
            raise ValueError("the clock cannot move that far") from exc
        self._offset += step

    @property
    def offset_seconds(self) -> float:
        return self._offset.total_seconds()
