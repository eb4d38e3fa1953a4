"""Control API for delta, subscriptions and deliveries (G41), under `/_emulator`:

POST /subscriptions/{id}/lifecycle  {"event": one of subscriptions.LIFECYCLE_EVENTS}
GET  /subscriptions                  every live subscription, whoever made it
GET  /deliveries[?since=N]           what was sent where, the answers and their timings
DELETE /deliveries                   forget the delivery log
GET  /clock, POST /clock {"advanceSeconds": N}   read or move the emulator clock
POST /delta/expire                   every delta and skip token issued so far expires (G20)
"""

from __future__ import annotations

import math
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from msgraph_emulator import delta
from msgraph_emulator.control import ControlError
from msgraph_emulator.emulator import Emulator
from msgraph_emulator.notifications import service_for
from msgraph_emulator.subscriptions import LIFECYCLE_EVENTS


def _emulator(request: Request) -> Emulator:
    emulator: Emulator = request.app.state.emulator
    return emulator


async def _json_object(request: Request) -> dict[str, Any]:
    try:
        document = await request.json()
    except ValueError as exc:
        raise ControlError(400, "the body must be a JSON object") from exc
    if not isinstance(document, dict):
        raise ControlError(400, "the body must be a JSON object")
    return document


async def send_lifecycle(request: Request) -> Response:
    service = service_for(_emulator(request))
    service.sweep()
    subscription = service.store.get(request.path_params["subscription_id"])
    if subscription is None:
        raise ControlError(404, "no such subscription")
    event = (await _json_object(request)).get("event")
    if event not in LIFECYCLE_EVENTS:
        raise ControlError(400, f"event must be one of {', '.join(LIFECYCLE_EVENTS)}")
    await service.started()
    sent = service.send_lifecycle(subscription, str(event))
    if not sent and event != "subscriptionRemoved":
        raise ControlError(409, "the subscription has no lifecycleNotificationUrl")
    return JSONResponse({"event": event, "sent": sent}, status_code=202)


async def list_subscriptions(request: Request) -> Response:
    service = service_for(_emulator(request))
    service.sweep()
    return JSONResponse([s.to_state() for s in service.store.all()])


async def list_deliveries(request: Request) -> Response:
    raw = request.query_params.get("since", "0")
    if not raw.isdigit():
        raise ControlError(400, "since must be a whole number")
    records = service_for(_emulator(request)).log.all()
    return JSONResponse([r.to_json() for r in records if r.id > int(raw)])


async def clear_deliveries(request: Request) -> Response:
    service_for(_emulator(request)).log.clear()
    return Response(status_code=204)


async def get_clock(request: Request) -> Response:
    clock = _emulator(request).clock
    return JSONResponse({"now": clock.now().isoformat(), "offsetSeconds": clock.offset_seconds})


async def advance_clock(request: Request) -> Response:
    seconds = _seconds((await _json_object(request)).get("advanceSeconds"))
    emulator = _emulator(request)
    try:
        emulator.clock.advance(seconds)
    except ValueError as exc:
        raise ControlError(400, str(exc)) from exc
    service = service_for(emulator)
    service.sweep()
    service.scheduler.wake()  # deliveries that just fell due go now, not at the next poll
    return await get_clock(request)


def _seconds(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ControlError(400, "advanceSeconds must be a non-negative number")
    if not math.isfinite(value) or value < 0:
        raise ControlError(400, "advanceSeconds must be a non-negative number")
    return float(value)


async def expire_delta_tokens(request: Request) -> Response:
    emulator = _emulator(request)
    generation = delta.generation_of(emulator)
    generation.value += 1
    service_for(emulator).state_changed()
    return JSONResponse({"generation": generation.value})


def routes() -> list[BaseRoute]:
    """Relative to the `/_emulator` mount."""
    return [
        Route("/subscriptions", list_subscriptions, methods=["GET"]),
        Route("/subscriptions/{subscription_id}/lifecycle", send_lifecycle, methods=["POST"]),
        Route("/deliveries", list_deliveries, methods=["GET"]),
        Route("/deliveries", clear_deliveries, methods=["DELETE"]),
        Route("/clock", get_clock, methods=["GET"]),
        Route("/clock", advance_clock, methods=["POST"]),
        Route("/delta/expire", expire_delta_tokens, methods=["POST"]),
    ]
