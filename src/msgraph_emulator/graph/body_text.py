"""Event bodies: the HTML document wrapper, HTML → plain text and `bodyPreview` (G07).

Conversions are cached by content: the same bodies are rendered on every list and view.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from html.parser import HTMLParser

PREVIEW_LENGTH = 255
_SKIPPED = {"head", "style", "script", "title"}
_BREAKS = {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"}
_SPACE = re.compile(r"\s+")


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self._skipping += 1
        elif tag in _BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED and self._skipping:
            self._skipping -= 1
        elif tag in _BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


@lru_cache(maxsize=4096)
def html_to_text(markup: str) -> str:
    collector = _TextCollector()
    collector.feed(markup)
    collector.close()
    lines = (_SPACE.sub(" ", line).strip() for line in "".join(collector.parts).split("\n"))
    return "\r\n".join(line for line in lines if line)


def text_to_html(text: str) -> str:
    return wrap_html(html.escape(text).replace("\n", "<br>"))


def wrap_html(fragment: str) -> str:
    """The document Graph returns around an HTML body, even when a fragment was sent."""
    if "<html" in fragment.lower():
        return fragment
    return f"<html><head></head><body>{fragment}</body></html>"


@lru_cache(maxsize=4096)
def preview(content: str, content_type: str) -> str:
    """G07: the plain text of the body, whitespace collapsed, at most 255 characters."""
    text = html_to_text(content) if content_type == "html" else content
    return _SPACE.sub(" ", text).strip()[:PREVIEW_LENGTH]
