"""What the Graph data layer tells the rest of the emulator after every write.

Each create, update or delete of an event, calendar or contact produces one `ChangeEvent`.
The Graph routes hand it to every callable in `emulator.change_listeners` (delta and change
notifications listen there). `seq` is the mailbox-wide counter value of that change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

ItemKind = Literal["event", "calendar", "contact"]
ChangeType = Literal["created", "updated", "deleted"]


@dataclass(frozen=True)
class ChangeEvent:
    user_id: str
    kind: ItemKind
    change_type: ChangeType
    item_id: str
    calendar_id: str | None
    seq: int
    at: datetime
