"""Event actions (§3.5): accept, tentativelyAccept, decline, cancel, forward — all `202`.

Parameter names are matched case-insensitively: msgraph-sdk sends `Comment`, `SendResponse`,
`ProposedNewTime`, `ToRecipients` in PascalCase.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from msgraph_emulator.graph.context import GraphContext
from msgraph_emulator.graph.event_input import read_time
from msgraph_emulator.graph.event_routes import event_at
from msgraph_emulator.graph.items import Event
from msgraph_emulator.graph.mailbox import EventDraft
from msgraph_emulator.graph.problems import bad_request, wrong_type
from msgraph_emulator.graph.wire_time import format_offset

NOT_ORGANIZER = "Your request can't be completed. You need to be an organizer to cancel a meeting."
NO_PROPOSALS = "Proposing a new time is not allowed for this meeting."
NEEDS_RESPONSE = "A new time can only be proposed when a response is sent."
RESPONSES = {
    "accept": "accepted",
    "tentativelyaccept": "tentativelyAccepted",
    "decline": "declined",
}


async def _parameters(ctx: GraphContext) -> dict[str, Any]:
    return {key.casefold(): value for key, value in (await ctx.body()).items()}


def _respond(ctx: GraphContext, event: Event, response: str) -> None:
    status = {"response": response, "time": format_offset(ctx.emulator.clock.now())}
    draft = EventDraft(props={"responseStatus": status})
    if event.type == "occurrence":
        ctx.mailbox.edit_occurrence(event, draft)
    else:
        ctx.mailbox.update_event(event, draft)


def _check_proposal(event: Event, params: dict[str, Any]) -> None:
    """`proposedNewTime` needs `allowNewTimeProposals` and a sent response (event-decline)."""
    proposed = params.get("proposednewtime")
    if proposed is None:
        return
    if not event.props.get("allowNewTimeProposals", True):
        raise bad_request(NO_PROPOSALS, code="ErrorInvalidRequest")
    if params.get("sendresponse") is False:
        raise bad_request(NEEDS_RESPONSE, code="ErrorInvalidRequest")
    if not isinstance(proposed, dict):
        raise wrong_type(proposed, "microsoft.graph.timeSlot")
    for edge in ("start", "end"):
        read_time(proposed.get(edge))


async def respond(request: Request) -> Response:
    ctx = GraphContext.open(request, write=True)
    event = event_at(ctx, request)
    action = str(request.path_params["action"]).casefold()
    params = await _parameters(ctx)
    if action != "accept":
        _check_proposal(event, params)
    send = params.get("sendresponse", True)
    if not isinstance(send, bool):
        raise wrong_type(send, "Edm.Boolean")
    _respond(ctx, event, RESPONSES[action])
    return ctx.empty(202)


async def cancel(request: Request) -> Response:
    ctx = GraphContext.open(request, write=True)
    event = event_at(ctx, request)
    await _parameters(ctx)
    if not event.props.get("isOrganizer", True):
        raise bad_request(NOT_ORGANIZER, code="ErrorAccessDenied")
    ctx.mailbox.delete_event(event)  # the organizer's copy goes; attendees would be told
    return ctx.empty(202)


async def forward(request: Request) -> Response:
    """G10: 202. The emulator sends no mail, so nothing else changes."""
    ctx = GraphContext.open(request, write=True)
    event_at(ctx, request)
    recipients = (await _parameters(ctx)).get("torecipients")
    if not isinstance(recipients, list) or not recipients:
        raise bad_request("At least one recipient is required.", code="ErrorInvalidRecipients")
    for recipient in recipients:
        address = (recipient or {}).get("emailAddress", {}) if isinstance(recipient, dict) else {}
        if not isinstance(address, dict) or not address.get("address"):
            raise bad_request("At least one recipient is not valid.", code="ErrorInvalidRecipients")
    return ctx.empty(202)
