"""Identity platform routes, each under `/{tenant}` (G32)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from msgraph_emulator.identity.authorize import authorize_endpoint
from msgraph_emulator.identity.discovery import (
    instance_discovery_endpoint,
    keys_endpoint,
    openid_configuration_endpoint,
)
from msgraph_emulator.identity.login import login_endpoint
from msgraph_emulator.identity.pages import render
from msgraph_emulator.identity.token_endpoint import token_endpoint


async def error_lookup(request: Request) -> Response:
    """Where `error_uri` of an error answer points."""
    code = request.query_params.get("code", "")
    return render(
        "error.html",
        title="Error lookup",
        code=code if code.isdigit() else "",
        message="See the error_description of the answer for details.",
        correlation_id="",
    )


def routes() -> list[BaseRoute]:
    return [
        Route("/error", error_lookup, methods=["GET"]),
        Route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            openid_configuration_endpoint,
            methods=["GET"],
        ),
        Route("/{tenant}/discovery/v2.0/keys", keys_endpoint, methods=["GET"]),
        Route("/{tenant}/discovery/keys", keys_endpoint, methods=["GET"]),
        Route("/{tenant}/discovery/instance", instance_discovery_endpoint, methods=["GET"]),
        Route("/{tenant}/oauth2/v2.0/authorize", authorize_endpoint, methods=["GET", "POST"]),
        Route("/{tenant}/login", login_endpoint, methods=["POST"]),
        Route("/{tenant}/oauth2/v2.0/token", token_endpoint, methods=["POST"]),
    ]
