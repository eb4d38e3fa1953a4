"""`GET /me` and `GET /users/{id | userPrincipalName}` (§15.10)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from msgraph_emulator.graph.context import GraphContext
from msgraph_emulator.graph.listing import shape_for
from msgraph_emulator.graph.shapes import render_user


async def get_user(request: Request) -> Response:
    ctx = GraphContext.open(request, write=False, resource="user")
    context = f"{ctx.origin}/v1.0/$metadata#users/$entity"
    return ctx.answer({"@odata.context": context, **shape_for(ctx, render_user(ctx.user))})
