"""`GET /hubs/{hub}/objects` and `/objects/{objectName}/metadata` (spec §8.6, D39).

Served from the element's declared objects, with no provider call, so they answer while the
instance is disabled.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from openelements.elements.base import Element
from openelements.kit.errors import NotFound

__all__ = ["HELIUM", "object_metadata", "objects_listing"]

HELIUM = "helium"  # `Elements-Version: Helium` asks for the typed listing


def objects_listing(element: Element, *, version: str | None) -> list[Any]:
    objects = element.hub_objects()
    if (version or "").strip().lower() == HELIUM:
        return [{"name": o.name, "vendorName": o.vendor_name, "type": o.type} for o in objects]
    return [o.name for o in objects]


def object_metadata(element: Element, segments: Sequence[str]) -> dict[str, Any]:
    """`segments` is `["objects", name, "metadata"]`."""
    name = segments[1] if len(segments) == 3 and segments[2] == "metadata" else None
    for candidate in element.hub_objects():
        if candidate.name == name:
            return {"fields": [dict(field) for field in candidate.fields]}
    path = "/".join(segments)
    raise NotFound(f"No object '{name}' of {element.key}" if name else f"No hub resource {path}")
