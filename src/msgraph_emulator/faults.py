"""Injected failures (G29, G41): a fault matches by method and path regex, answers `status`
(with `Retry-After` and a body) and/or adds latency, `times` times."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

# Default (code, message) per status when the fault gives no body; codes from spec §12-§13.
DEFAULT_FAULT_ERRORS: dict[int, tuple[str, str]] = {
    429: ("ApplicationThrottled", "Application is over its MailboxConcurrency limit."),
    500: ("generalException", "An internal server error occurred."),
    502: ("BadGateway", "The server received an invalid response from an upstream server."),
    503: ("serviceNotAvailable", "The service is temporarily unavailable. Try again later."),
    504: ("serviceNotAvailable", "The gateway timed out waiting for the service."),
}


class FaultSpecError(ValueError):
    pass


@dataclass
class Fault:
    id: int
    method: str | None
    path_regex: re.Pattern[str] | None
    status: int | None
    times: int
    retry_after: str | None
    delay_ms: int
    body: Any

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method != method.upper():
            return False
        return self.path_regex is None or self.path_regex.search(path) is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "method": self.method,
            "pathRegex": self.path_regex.pattern if self.path_regex else None,
            "status": self.status,
            "times": self.times,
            "retryAfter": self.retry_after,
            "delayMs": self.delay_ms,
            "body": self.body,
        }


def _retry_after(value: Any) -> str | None:
    """A number of seconds (0 included), an HTTP date, or absent (G29)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise FaultSpecError("retryAfter must be a number or an HTTP date")
    if isinstance(value, int | float):
        if value < 0:
            raise FaultSpecError("retryAfter must not be negative")
        return str(int(value))
    if isinstance(value, str):
        try:
            parsedate_to_datetime(value)
        except (TypeError, ValueError) as exc:
            raise FaultSpecError("retryAfter is not an HTTP date") from exc
        return value
    raise FaultSpecError("retryAfter must be a number or an HTTP date")


def _positive_int(document: dict[str, Any], key: str, default: int) -> int:
    value = document.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise FaultSpecError(f"{key} must be a non-negative whole number")
    return value


class FaultTable:
    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._next_id = 1

    def add_from_json(self, document: dict[str, Any]) -> Fault:
        if not isinstance(document, dict):
            raise FaultSpecError("a fault is a JSON object")
        status = document.get("status")
        if status is not None and (not isinstance(status, int) or not 100 <= status <= 599):
            raise FaultSpecError("status must be an HTTP status code")
        delay_ms = _positive_int(document, "delayMs", 0)
        if status is None and delay_ms == 0:
            raise FaultSpecError("a fault needs a status or a delayMs")
        times = _positive_int(document, "times", 1)
        if times < 1:
            raise FaultSpecError("times must be at least 1")
        method = document.get("method")
        pattern = document.get("pathRegex")
        try:
            regex = re.compile(pattern) if pattern else None
        except (re.error, TypeError) as exc:
            raise FaultSpecError("pathRegex is not a regular expression") from exc
        fault = Fault(
            id=self._next_id,
            method=method.upper() if isinstance(method, str) and method else None,
            path_regex=regex,
            status=status,
            times=times,
            retry_after=_retry_after(document.get("retryAfter")),
            delay_ms=delay_ms,
            body=document.get("body"),
        )
        self._next_id += 1
        self._faults.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        """The first matching fault, used up once."""
        for fault in self._faults:
            if fault.matches(method, path):
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def active(self) -> list[Fault]:
        return list(self._faults)

    def clear(self) -> None:
        self._faults.clear()
