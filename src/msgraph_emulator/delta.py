"""Delta query over a calendar view: state tokens and the round algorithm (G20).

A mailbox numbers every change with a monotonically increasing ``seq``; items keep the ``seq``
of their last change and deleted items leave tombstones. A delta *round* covers the changes
with ``since < seq <= upto``:

- the first round (``since is None``) lists everything in the window whose ``seq <= upto``;
- a later round lists the window entries that changed in the round, and an ``@removed`` marker
  for every changed or deleted item that has no entry in the window any more (deleted, moved
  out of the window, or moved to a calendar outside the view).

Entries are ordered by id and pages are cut with an "after this id" cursor rather than an
offset, so an item that changes again while a client is paging (its ``seq`` moves past
``upto``) cannot shift the remaining entries: it simply comes in the next round.

Tokens are opaque to clients: base64url of a small JSON document (G20). A skip token carries
``upto`` and the cursor; a delta token carries only ``since``; a *restart* token (the
``Location`` of a 410) carries neither and starts a first round again.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qsl
from weakref import WeakKeyDictionary

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from msgraph_emulator.errors import GraphError
from msgraph_emulator.graph import ids
from msgraph_emulator.graph.calendar_view import calendar_view
from msgraph_emulator.graph.context import GraphContext
from msgraph_emulator.graph.items import Event
from msgraph_emulator.graph.mailbox import Mailbox
from msgraph_emulator.graph.prefer import read_preferences
from msgraph_emulator.graph.routing import Endpoint, GraphRouter
from msgraph_emulator.graph.shapes import RenderOptions, render_event
from msgraph_emulator.graph.wire_time import WireTimeError, parse_offset

T = TypeVar("T")

# Query options Graph refuses on calendarView delta, with the wording real answers carry.
UNSUPPORTED_OPTIONS = ("$orderby", "$filter", "$select", "$expand", "$search")
UNSUPPORTED_OPTIONS_MESSAGE = (
    "The following parameters are not supported with change tracking over the "
    "'CalendarView' resource: '$orderby, $filter, $select, $expand, $search'."
)
TOP_UNSUPPORTED_MESSAGE = (
    "The '$top' parameter is not supported with change tracking over the 'CalendarView' "
    "resource as page size cannot be guaranteed. Express page size preferences using the "
    "Prefer: odata.maxpagesize= header instead."
)


class InvalidDeltaToken(ValueError):
    """The token cannot be decoded: it never came from this emulator."""


@dataclass(frozen=True)
class DeltaToken:
    user_id: str
    start: datetime
    end: datetime
    issued_at: datetime
    since: int | None = None
    upto: int | None = None
    after: str | None = None
    time_zone: str | None = None
    page_size: int | None = None
    generation: int = 0

    @property
    def is_skip_token(self) -> bool:
        return self.upto is not None

    def encode(self) -> str:
        document = {
            "u": self.user_id,
            "s": _stamp(self.start),
            "e": _stamp(self.end),
            "i": _stamp(self.issued_at),
            "f": self.since,
            "t": self.upto,
            "a": self.after,
            "z": self.time_zone,
            "p": self.page_size,
            "g": self.generation,
        }
        raw = json.dumps(document, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> DeltaToken:
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            document = json.loads(raw)
            return cls(
                user_id=str(document["u"]),
                start=_parse_stamp(document["s"]),
                end=_parse_stamp(document["e"]),
                issued_at=_parse_stamp(document["i"]),
                since=_optional_int(document.get("f")),
                upto=_optional_int(document.get("t")),
                after=_optional_str(document.get("a")),
                time_zone=_optional_str(document.get("z")),
                page_size=_optional_page_size(document.get("p")),
                generation=_optional_int(document.get("g")) or 0,
            )
        except (binascii.Error, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
            raise InvalidDeltaToken(text) from exc

    def restart(self, *, now: datetime, generation: int) -> DeltaToken:
        """The token a client gets back when its state expired: a new first round."""
        return replace(
            self, since=None, upto=None, after=None, issued_at=now, generation=generation
        )


@dataclass(frozen=True)
class WindowEntry(Generic[T]):
    """One thing the calendar view shows: ``source_id`` is the stored item behind it."""

    id: str
    source_id: str
    seq: int
    item: T


@dataclass(frozen=True)
class ChangeRecord:
    """A stored item (live or tombstone) of the view's scope and the seq of its last change."""

    item_id: str
    seq: int


@dataclass(frozen=True)
class Present(Generic[T]):
    entry: WindowEntry[T]

    @property
    def id(self) -> str:
        return self.entry.id


@dataclass(frozen=True)
class Removed:
    id: str


DeltaEntry = Present[T] | Removed


def round_entries(
    *,
    window: Iterable[WindowEntry[T]],
    changes: Iterable[ChangeRecord],
    since: int | None,
    upto: int,
) -> list[Present[T] | Removed]:
    """Every entry of the round ``(since, upto]``, ordered by id."""
    if since is None:
        present = [Present(w) for w in window if w.seq <= upto]
        return sorted(present, key=lambda e: e.id)
    in_round = [Present(w) for w in window if since < w.seq <= upto]
    shown = {p.entry.source_id for p in in_round} | {p.id for p in in_round}
    removed = {c.item_id for c in changes if since < c.seq <= upto and c.item_id not in shown}
    entries: list[Present[T] | Removed] = [*in_round, *(Removed(i) for i in removed)]
    return sorted(entries, key=lambda e: e.id)


@dataclass(frozen=True)
class DeltaPage(Generic[T]):
    entries: list[Present[T] | Removed]
    next_after: str | None

    @property
    def is_last(self) -> bool:
        return self.next_after is None


def cut_page(
    entries: Sequence[Present[T] | Removed], *, after: str | None, size: int
) -> DeltaPage[T]:
    """The ``size`` entries after the cursor; ``next_after`` is None on the round's last page."""
    rest = [e for e in entries if after is None or e.id > after]
    page = rest[:size]
    more = len(rest) > size
    return DeltaPage(entries=page, next_after=page[-1].id if more else None)


def next_token(token: DeltaToken, *, page: DeltaPage[T], upto: int, now: datetime) -> DeltaToken:
    """The skip token for the next page, or the delta token once the round is complete."""
    if page.is_last:
        return replace(token, since=upto, upto=None, after=None, issued_at=now)
    return replace(token, upto=upto, after=page.next_after, issued_at=now)


def is_expired(
    token: DeltaToken, *, now: datetime, lifetime_seconds: float, generation: int
) -> bool:
    """Expired by age (a lifetime of 0 means never) or by the control API's "expire all"
    switch, which moves the emulator to a new token generation."""
    if token.generation < generation:
        return True
    if lifetime_seconds <= 0:
        return False
    return (now - token.issued_at).total_seconds() > lifetime_seconds


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _parse_stamp(text: object) -> datetime:
    if not isinstance(text, str):
        raise TypeError("timestamp must be a string")
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("timestamp without zone")
    return moment


def _optional_int(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("expected an integer")
    return value


def _optional_page_size(value: object) -> int | None:
    size = _optional_int(value)
    if size is not None and size < 1:
        raise ValueError("page size below 1")
    return size


def _optional_str(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value


# --- the HTTP surface ---------------------------------------------------------------------

DELTA_PATTERNS = tuple(
    (collection, function)
    for collection in ("calendarView", "events")
    for function in ("delta", "delta()", "microsoft.graph.delta", "microsoft.graph.delta()")
)
WINDOW_REQUIRED = (
    "This request requires a time window specified by the query string parameters "
    "StartDateTime and EndDateTime."
)
SYNC_STATE_NOT_FOUND = "The sync state is not found or is no longer valid."  # our wording
RESYNC_REQUIRED = "The delta token has expired; start a new sync from the Location link."
EVENT_TYPE = "#microsoft.graph.event"


@dataclass
class DeltaGeneration:
    """Per emulator: bumped by the control API's "expire every delta token" switch (G20)."""

    value: int = 0


_generations: WeakKeyDictionary[object, DeltaGeneration] = WeakKeyDictionary()


def generation_of(emulator: object) -> DeltaGeneration:
    return _generations.setdefault(emulator, DeltaGeneration())


def routes() -> list[BaseRoute]:
    """`/me/...` and `/users/{user}/...` delta routes, relative to the `/v1.0` mount."""
    return [GraphRouter([Endpoint("GET", pattern, get_delta) for pattern in DELTA_PATTERNS])]


async def get_delta(request: Request) -> Response:
    query = _delta_query(request)
    context = GraphContext.open(request, write=False)
    emulator, mailbox = context.emulator, context.mailbox
    now = emulator.clock.now()
    token = _token_for(context, query=query, now=now)
    upto = token.upto if token.upto is not None else mailbox.seq
    entries = round_entries(
        window=_window(mailbox, token),
        changes=_changes(mailbox, token) if token.since is not None else (),
        since=token.since,
        upto=upto,
    )
    size = context.prefs.max_page_size or token.page_size or emulator.settings.default_page_size
    page = cut_page(entries, after=token.after, size=size)
    following = next_token(token, page=page, upto=upto, now=now)
    options = _render_options(context, token)
    body: dict[str, Any] = {
        "@odata.context": f"{context.origin}/v1.0/$metadata#Collection(event)",
        "value": [_render(entry, options) for entry in page.entries],
    }
    link_name = "@odata.deltaLink" if page.is_last else "@odata.nextLink"
    body[link_name] = _link(context, following)
    return context.answer(body)


def _delta_query(request: Request) -> dict[str, str]:
    """Query options by lower-cased name; the options Graph refuses on delta answer 400."""
    raw = request.scope.get("query_string", b"").decode("latin-1")
    options = {
        name.strip().lower(): value for name, value in parse_qsl(raw, keep_blank_values=True)
    }
    if any(name in options for name in UNSUPPORTED_OPTIONS):
        raise GraphError(400, "ErrorInvalidUrlQuery", UNSUPPORTED_OPTIONS_MESSAGE)
    if "$top" in options:
        raise GraphError(400, "ErrorInvalidUrlQuery", TOP_UNSUPPORTED_MESSAGE)
    return options


def _token_for(context: GraphContext, *, query: dict[str, str], now: datetime) -> DeltaToken:
    text = query.get("$skiptoken") or query.get("$deltatoken")
    generation = generation_of(context.emulator).value
    if text is None:
        return _first_token(context, query=query, now=now, generation=generation)
    try:
        token = DeltaToken.decode(text)
    except InvalidDeltaToken:
        raise GraphError(400, "syncStateNotFound", SYNC_STATE_NOT_FOUND) from None
    if token.user_id != context.mailbox.user_id:
        raise GraphError(400, "syncStateNotFound", SYNC_STATE_NOT_FOUND)
    settings = context.emulator.settings
    lifetime = settings.delta_token_lifetime_seconds
    forgotten = token.since is not None and token.since < context.mailbox.tombstone_horizon
    if forgotten or is_expired(token, now=now, lifetime_seconds=lifetime, generation=generation):
        if settings.delta_expired_answer == "syncStateNotFound":
            raise GraphError(400, "syncStateNotFound", SYNC_STATE_NOT_FOUND)
        fresh = token.restart(now=now, generation=generation)
        location = f"{context.origin}{context.request.url.path}?$deltatoken={fresh.encode()}"
        raise GraphError(410, "resyncRequired", RESYNC_REQUIRED, headers={"Location": location})
    return token


def _first_token(
    context: GraphContext, *, query: dict[str, str], now: datetime, generation: int
) -> DeltaToken:
    start, end = query.get("startdatetime"), query.get("enddatetime")
    if not start or not end:
        raise GraphError(400, "ErrorInvalidParameter", WINDOW_REQUIRED)
    try:
        window = (parse_offset(start), parse_offset(end))
    except WireTimeError as exc:
        raise GraphError(400, "ErrorInvalidParameter", str(exc)) from exc
    prefs = context.prefs
    return DeltaToken(
        user_id=context.mailbox.user_id,
        start=window[0],
        end=window[1],
        issued_at=now,
        time_zone=prefs.zone_name if prefs.zone_name != "UTC" else None,
        page_size=prefs.max_page_size,
        generation=generation,
    )


def _window(mailbox: Mailbox, token: DeltaToken) -> list[WindowEntry[Event]]:
    shown = calendar_view(mailbox, start=token.start, end=token.end, calendar_id=None)
    return [
        WindowEntry(id=e.id, source_id=e.series_master_id or e.id, seq=e.seq, item=e) for e in shown
    ]


def _changes(mailbox: Mailbox, token: DeltaToken) -> list[ChangeRecord]:
    """Live items and tombstones of events, plus the occurrences (in the token's window) of
    series as they were before being deleted or reshaped: a client holds those ids."""
    live = [ChangeRecord(e.id, e.seq) for e in mailbox.events.values()]
    since = token.since or 0
    recent = [t for t in mailbox.tombstones.values() if t.seq > since]
    gone = [ChangeRecord(t.id, t.seq) for t in recent if t.kind == "event"]
    for stone in recent:
        old = stone.series
        if old is not None and old.recurrence is not None:
            starts = mailbox.occurrence_starts(old, start=token.start, end=token.end)
            gone += [ChangeRecord(ids.occurrence_id(old.id, s), stone.seq) for s in starts]
    return live + gone


def _render_options(context: GraphContext, token: DeltaToken) -> RenderOptions:
    """The zone of this request's `Prefer`, else the one the first request asked for."""
    prefs = context.prefs
    if prefs.zone_name == "UTC" and token.time_zone:
        prefs = read_preferences([f'outlook.timezone="{token.time_zone}"'])
    return RenderOptions(context.origin, prefs.zone, prefs.zone_name, context.prefs.body_type)


def _render(entry: Present[Event] | Removed, options: RenderOptions) -> dict[str, Any]:
    if isinstance(entry, Removed):
        return {"@odata.type": EVENT_TYPE, "id": entry.id, "@removed": {"reason": "deleted"}}
    return {"@odata.type": EVENT_TYPE, **render_event(entry.entry.item, options)}


def _link(context: GraphContext, token: DeltaToken) -> str:
    name = "$skiptoken" if token.is_skip_token else "$deltatoken"
    return f"{context.origin}{context.request.url.path}?{name}={token.encode()}"
