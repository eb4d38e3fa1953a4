"""A bounded record of the requests the emulator answered (`GET /_emulator/requests`, G41)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import Any

DEFAULT_CAPACITY = 10_000


@dataclass(frozen=True)
class RecordedRequest:
    seq: int
    method: str
    path: str
    query: str
    status: int
    user: str | None  # UPN of the signed-in user, when there is one
    app_id: str | None
    grant_type: str | None  # token endpoint requests only
    at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "status": self.status,
            "user": self.user,
            "appId": self.app_id,
            "grantType": self.grant_type,
            "at": self.at.isoformat().replace("+00:00", "Z"),
        }


class RequestLog:
    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._entries: deque[RecordedRequest] = deque(maxlen=capacity)
        self._last_seq = 0

    @property
    def last_seq(self) -> int:
        return self._last_seq

    def record(
        self,
        *,
        method: str,
        path: str,
        query: str,
        status: int,
        at: datetime,
        user: str | None = None,
        app_id: str | None = None,
        grant_type: str | None = None,
    ) -> RecordedRequest:
        self._last_seq += 1
        entry = RecordedRequest(
            seq=self._last_seq,
            method=method,
            path=path,
            query=query,
            status=status,
            user=user,
            app_id=app_id,
            grant_type=grant_type,
            at=at,
        )
        self._entries.append(entry)
        return entry

    def since(self, seq: int) -> list[RecordedRequest]:
        return [entry for entry in self._entries if entry.seq > seq]

    def clear(self) -> None:
        """Empties the buffer; sequence numbers keep growing so pollers never go backwards."""
        self._entries.clear()
