"""HTML of the sign-in pages (G33). Element ids follow Microsoft's real two-step page, so
browser automation written against it runs unchanged: username `i0116`, password `i0118`,
the primary button `idSIButton9`, the back/cancel button `idBtn_Back`."""

from __future__ import annotations

import html
from functools import cache
from importlib import resources
from string import Template

from starlette.responses import HTMLResponse


@cache
def _template(name: str) -> Template:
    text = resources.files("msgraph_emulator").joinpath("templates", name).read_text("utf-8")
    return Template(text)


def render(name: str, *, title: str, status: int = 200, **values: str) -> HTMLResponse:
    """Values are escaped, except keys ending in `_html` (already markup)."""
    safe = {
        key.removesuffix("_html"): value if key.endswith("_html") else html.escape(value)
        for key, value in values.items()
    }
    content = _template(name).substitute(safe)
    page = _template("page.html").substitute(title=html.escape(title), content=content)
    return HTMLResponse(page, status_code=status, headers={"Cache-Control": "no-store"})


def hidden_fields(values: dict[str, str]) -> str:
    return "\n".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in values.items()
    )


def scope_items(scopes: tuple[str, ...]) -> str:
    return "".join(f"<li>{html.escape(scope)}</li>" for scope in scopes)
