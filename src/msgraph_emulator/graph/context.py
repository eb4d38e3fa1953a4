"""What every Graph mailbox handler needs from its request, resolved once.

`GraphContext.open(request, write=..., resource=...)` checks the scope (G30), resolves the
mailbox of `/me` or `/users/{user}` (G01, G02, G11), reads the query options (G03, G17) and the
`Prefer` preferences (§7). Handlers then look items up by id (404 `ErrorItemNotFound`), check
`If-Match` (G31) and answer JSON with `Preference-Applied`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from msgraph_emulator.auth import Resource, require_scope, user_for
from msgraph_emulator.directory import User
from msgraph_emulator.graph.ids import is_well_formed
from msgraph_emulator.graph.items import Calendar, Contact, Event
from msgraph_emulator.graph.mailbox import Mailbox
from msgraph_emulator.graph.odata import QueryOptions, read_query
from msgraph_emulator.graph.prefer import Preferences, read_preferences
from msgraph_emulator.graph.problems import RequestProblem, bad_request, malformed_id, not_found
from msgraph_emulator.graph.shapes import RenderOptions, context_url

if TYPE_CHECKING:
    from msgraph_emulator.emulator import Emulator

IRRESOLVABLE_CONFLICT = (
    "The send or update operation could not be performed because the change key passed in the "
    "request does not match the current change key for the item."
)
UNREADABLE_BODY = (
    "Unable to read JSON request payload. Please ensure Content-Type header is set and payload "
    "is of valid JSON format."
)


@dataclass
class GraphContext:
    request: Request
    emulator: Emulator
    user: User
    mailbox: Mailbox
    prefs: Preferences
    query: QueryOptions

    @classmethod
    def open(
        cls, request: Request, *, write: bool, resource: Resource = "calendar"
    ) -> GraphContext:
        emulator: Emulator = request.app.state.emulator
        require_scope(request, write, resource=resource)
        user = user_for(request)
        mailbox = emulator.ensure_mailbox(user)
        prefs = read_preferences(request.headers.getlist("prefer"))
        query = read_query(request.scope.get("query_string", b"").decode("latin-1"))
        return cls(request, emulator, user, mailbox, prefs, query)

    @property
    def origin(self) -> str:
        return str(self.emulator.origin).rstrip("/")

    def render_options(self) -> RenderOptions:
        return RenderOptions(
            self.origin, self.prefs.zone, self.prefs.zone_name, self.prefs.body_type
        )

    def context(self, tail: str) -> str:
        return context_url(self.origin, self.user.id, tail)

    def raw_path(self) -> str:
        raw = self.request.scope.get("raw_path")
        if isinstance(raw, bytes | bytearray):
            return bytes(raw).decode("latin-1")
        return str(self.request.url.path)

    def answer(self, body: Mapping[str, Any], *, status: int = 200) -> Response:
        return JSONResponse(dict(body), status_code=status, headers=self.prefs.applied_header())

    def empty(self, status: int) -> Response:
        return Response(status_code=status)

    async def body(self, *, names: frozenset[str] = frozenset()) -> dict[str, Any]:
        """The JSON object sent, `@odata.*` annotations dropped (§3.3); keys matching one of
        `names` in another case take its spelling, as Graph reads property names (D35)."""
        raw = await self.request.body()
        try:
            data = json.loads(raw) if raw.strip() else {}
        except ValueError as exc:
            raise bad_request(UNREADABLE_BODY) from exc
        if not isinstance(data, dict):
            raise bad_request(UNREADABLE_BODY)
        spelling = {name.lower(): name for name in names}
        return {
            spelling.get(str(key).lower(), str(key)): value
            for key, value in data.items()
            if not str(key).startswith("@odata.")
        }

    def calendar(self, calendar_id: str | None) -> Calendar:
        if calendar_id is None:
            return self.mailbox.default_calendar
        found = self.mailbox.calendars.get(calendar_id)
        if found is None and not is_well_formed(calendar_id):
            raise malformed_id()  # e.g. a calendar named instead of identified
        if found is None:
            raise not_found()
        return found

    def event(self, event_id: str, *, calendar_id: str | None = None) -> Event:
        """The event, through any path of its mailbox (G11): a scoped calendar must exist."""
        if calendar_id is not None:
            self.calendar(calendar_id)
        found = self.mailbox.find_event(event_id)
        if found is None and not is_well_formed(event_id):
            raise malformed_id()
        if found is None:
            raise not_found()
        return found

    def contact(self, contact_id: str) -> Contact:
        found = self.mailbox.contacts.get(contact_id)
        if found is None and not is_well_formed(contact_id):
            raise malformed_id()
        if found is None:
            raise not_found()
        return found

    def check_if_match(self, change_key: str) -> None:
        """G31: `*` or the current `W/"<changeKey>"` passes; anything else fails."""
        header = self.request.headers.get("if-match")
        if header is None:
            return
        for candidate in header.split(","):
            value = candidate.strip()
            if value == "*" or value.removeprefix("W/").strip('"') == change_key:
                return
        status = self.emulator.settings.if_match_conflict_status  # G31: 412, or 409
        raise RequestProblem(status, "ErrorIrresolvableConflict", IRRESOLVABLE_CONFLICT)
