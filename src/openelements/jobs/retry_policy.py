"""How long a failed job waits before its next attempt: exponential back-off with a cap."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """`max_attempts` counts every run, the first included (1 means never retried).

    The wait before attempt n+1 (after n failed attempts) is
    `min(max_delay, first_delay * multiplier ** (n - 1))`, measured from the failure.
    """

    max_attempts: int = 1
    first_delay: timedelta = timedelta(seconds=1)
    multiplier: float = 2.0
    max_delay: timedelta = timedelta(hours=1)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.multiplier < 1:
            raise ValueError("multiplier must be at least 1")
        if self.first_delay < timedelta(0) or self.max_delay < self.first_delay:
            raise ValueError("need 0 <= first_delay <= max_delay")

    def delay_after(self, failed_attempts: int) -> timedelta | None:
        """The wait after the `failed_attempts`-th failure, or None when no attempt is left."""
        if failed_attempts < 1:
            raise ValueError("failed_attempts starts at 1")
        if failed_attempts >= self.max_attempts:
            return None
        # Compared as seconds before a timedelta is built: after a few dozen failures the
        # power outgrows timedelta (and, later, float); the cap is the answer then.
        try:
            seconds = self.first_delay.total_seconds() * self.multiplier ** (failed_attempts - 1)
        except OverflowError:
            return self.max_delay
        if seconds >= self.max_delay.total_seconds():
            return self.max_delay
        return timedelta(seconds=seconds)


NO_RETRY = RetryPolicy(max_attempts=1)
