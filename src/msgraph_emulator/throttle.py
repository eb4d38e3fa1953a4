"""G29 throttling per (application id, mailbox): a sliding window of requests and a cap on
requests in flight. Rejected requests do not use up the window."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from msgraph_emulator.clock import Clock
from msgraph_emulator.settings import ThrottleSettings

ThrottleKey = tuple[str, str]  # (application id, mailbox user id)

CONCURRENCY_MESSAGE = "Application is over its MailboxConcurrency limit."
WINDOW_MESSAGE = "Application is over its request limit."  # our wording (G29)


@dataclass(frozen=True)
class Rejection:
    message: str
    retry_after_seconds: int


class Throttle:
    def __init__(self, settings: ThrottleSettings, clock: Clock) -> None:
        self._settings = settings
        self._clock = clock
        self._in_flight: dict[ThrottleKey, int] = {}
        self._recent: dict[ThrottleKey, deque[datetime]] = {}

    def acquire(self, key: ThrottleKey) -> Rejection | None:
        """Admit a request (call `release` when it is answered) or say why not."""
        if self._in_flight.get(key, 0) >= self._settings.concurrent_per_mailbox:
            return Rejection(CONCURRENCY_MESSAGE, 1)
        now = self._clock.now()
        recent = self._recent.setdefault(key, deque())
        window = timedelta(seconds=self._settings.window_seconds)
        while recent and recent[0] + window <= now:
            recent.popleft()
        if len(recent) >= self._settings.requests_per_window:
            # A window of 0 requests admits nothing: the wait is the whole window.
            frees_at = recent[0] + window if recent else now + window
            wait = (frees_at - now).total_seconds()
            return Rejection(WINDOW_MESSAGE, max(1, math.ceil(wait)))
        recent.append(now)
        self._in_flight[key] = self._in_flight.get(key, 0) + 1
        return None

    def release(self, key: ThrottleKey) -> None:
        remaining = self._in_flight.get(key, 0) - 1
        if remaining > 0:
            self._in_flight[key] = remaining
        else:
            self._in_flight.pop(key, None)

    @property
    def tracked_keys(self) -> int:
        """How many (app, mailbox) pairs hold throttling state."""
        return len(self._recent)

    def in_flight(self, key: ThrottleKey) -> int:
        return self._in_flight.get(key, 0)

    def reset(self) -> None:
        self._in_flight.clear()
        self._recent.clear()
