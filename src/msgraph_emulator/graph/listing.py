"""One Graph collection answer: filter, order, count, page, render, select (§5, §6)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from starlette.responses import Response

from msgraph_emulator.graph.context import GraphContext
from msgraph_emulator.graph.odata import apply_filter, apply_orderby, next_link, page_size
from msgraph_emulator.graph.odata_filter import Field
from msgraph_emulator.graph.problems import bad_request
from msgraph_emulator.graph.shapes import SELECTABLE, select_fields

T = TypeVar("T")


def shape_for(
    ctx: GraphContext,
    shape: dict[str, Any],
    *,
    kind: str | None = None,
    unselectable: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Apply `$select` (minus what cannot be selected here) and `$expand` to one item."""
    return _shaper(ctx, kind, unselectable)(shape)


def resolve_select(names: list[str], kind: str | None) -> list[str]:
    """`$select` names in their schema spelling (matched in any case); unknown ones → 400."""
    if kind is None:
        return names
    type_name, known = SELECTABLE[kind]
    spelling = {name.lower(): name for name in known}
    resolved = []
    for name in names:
        found = spelling.get(name.lower())
        if found is None:
            raise bad_request(f"Could not find a property named '{name}' on type '{type_name}'.")
        resolved.append(found)
    return resolved


def _shaper(
    ctx: GraphContext, kind: str | None, unselectable: tuple[str, ...]
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """`$select` and `$expand` read once per answer, applied to every item."""
    select = ctx.query.select
    chosen = None
    if select is not None:
        chosen = [name for name in resolve_select(select, kind) if name not in unselectable]
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


def entity(
    ctx: GraphContext, shape: dict[str, Any], *, tail: str, kind: str, status: int = 200
) -> Response:
    suffix = selection_suffix(ctx)
    shaped = shape_for(ctx, shape, kind=kind)
    body = {"@odata.context": ctx.context(f"{tail}{suffix}/$entity"), **shaped}
    return ctx.answer(body, status=status)


def collection(
    ctx: GraphContext,
    items: list[T],
    *,
    fields: Mapping[str, Field[T]],
    render: Callable[[T], dict[str, Any]],
    tail: str,
    kind: str,
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
    shaped = _shaper(ctx, kind, unselectable)
    body["value"] = [shaped(render(item)) for item in chosen[skip : skip + size]]
    if skip + size < len(chosen):
        body["@odata.nextLink"] = next_link(
            origin=ctx.origin, raw_path=ctx.raw_path(), query=ctx.query, skip=skip + size
        )
    return ctx.answer(body)
