"""One Graph collection answer: filter, order, count, page, render, select (§5, §6)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from starlette.responses import Response

from msgraph_emulator.graph.context import GraphContext
from msgraph_emulator.graph.odata import apply_filter, apply_orderby, next_link, page_size
from msgraph_emulator.graph.odata_filter import Field
from msgraph_emulator.graph.shapes import select_fields

T = TypeVar("T")


def shape_for(
    ctx: GraphContext, shape: dict[str, Any], *, unselectable: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Apply `$select` (minus what cannot be selected here) and `$expand` to one item."""
    return _shaper(ctx, unselectable)(shape)


def _shaper(
    ctx: GraphContext, unselectable: tuple[str, ...]
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """`$select` and `$expand` read once per answer, applied to every item."""
    select = ctx.query.select
    chosen = None if select is None else [name for name in select if name not in unselectable]
    expand = ctx.query.expand

    def shaped(shape: dict[str, Any]) -> dict[str, Any]:
        if chosen is not None:
            shape = select_fields(shape, chosen)
        for name in expand:
            shape[name] = []
        return shape

    return shaped


def selection_suffix(ctx: GraphContext) -> str:
    select = ctx.query.select
    return f"({','.join(select)})" if select else ""


def entity(ctx: GraphContext, shape: dict[str, Any], *, tail: str, status: int = 200) -> Response:
    suffix = selection_suffix(ctx)
    body = {"@odata.context": ctx.context(f"{tail}{suffix}/$entity"), **shape_for(ctx, shape)}
    return ctx.answer(body, status=status)


def collection(
    ctx: GraphContext,
    items: list[T],
    *,
    fields: Mapping[str, Field[T]],
    render: Callable[[T], dict[str, Any]],
    tail: str,
    unselectable: tuple[str, ...] = (),
) -> Response:
    chosen = apply_orderby(apply_filter(items, ctx.query, fields), ctx.query, fields)
    size = page_size(
        ctx.query,
        preferred=ctx.prefs.max_page_size,
        default=int(ctx.emulator.settings.default_page_size),
    )
    skip = ctx.query.skip
    body: dict[str, Any] = {"@odata.context": ctx.context(f"{tail}{selection_suffix(ctx)}")}
    if ctx.query.count:
        body["@odata.count"] = len(chosen)
    shaped = _shaper(ctx, unselectable)
    body["value"] = [shaped(render(item)) for item in chosen[skip : skip + size]]
    if skip + size < len(chosen):
        body["@odata.nextLink"] = next_link(
            origin=ctx.origin, raw_path=ctx.raw_path(), query=ctx.query, skip=skip + size
        )
    return ctx.answer(body)
