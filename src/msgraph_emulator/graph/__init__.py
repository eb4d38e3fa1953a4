"""Graph calendar data: mailboxes, events, calendars, contacts and the `/v1.0` routes over them."""

from __future__ import annotations

from starlette.routing import BaseRoute


def routes() -> list[BaseRoute]:
    """Every `/me/...` route and its `/users/{user}/...` twin, relative to the `/v1.0` mount.

    Imported lazily: `auth` imports `graph.mailbox`, and the route modules import `auth`.
    """
    from msgraph_emulator.graph.endpoints import endpoints
    from msgraph_emulator.graph.routing import GraphRouter

    return [GraphRouter(endpoints())]
