"""The elements this deployment offers, found by key or numeric id (`{keyOrId}`, D14)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from openelements.elements.base import Element
from openelements.elements.microsoftgraph import MicrosoftGraphElement
from openelements.kit.clock import Clock
from openelements.kit.errors import NotFound
from openelements.kit.http import KeyedLimiter, Transport

__all__ = ["ElementRegistry", "build_registry"]


class ElementRegistry:
    def __init__(self, elements: Iterable[Element]) -> None:
        self._elements = list(elements)
        self._by_key = {element.key: element for element in self._elements}
        self._by_id = {element.id: element for element in self._elements}

    def __iter__(self) -> Iterator[Element]:
        return iter(self._elements)

    def keys(self) -> list[str]:
        return [element.key for element in self._elements]

    def find(self, key_or_id: str | int) -> Element | None:
        text = str(key_or_id).strip()
        if text.isdigit():
            return self._by_id.get(int(text))
        return self._by_key.get(text)

    def get(self, key_or_id: str | int) -> Element:
        """The element, or `NotFound` (D17: "No element with key 'x'")."""
        element = self.find(key_or_id)
        if element is None:
            raise NotFound(f"No element with key '{key_or_id}'")
        return element


def build_registry(
    *,
    authority: str,
    graph_base_url: str,
    transport: Transport,
    limiter: KeyedLimiter,
    clock: Clock,
) -> ElementRegistry:
    """Every element of the deployment; a new provider is one more line here."""
    return ElementRegistry(
        [
            MicrosoftGraphElement(
                authority=authority,
                graph_base_url=graph_base_url,
                transport=transport,
                limiter=limiter,
                clock=clock,
            )
        ]
    )
