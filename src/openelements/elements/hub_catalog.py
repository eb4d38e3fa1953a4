"""The hub catalog (spec §5.1): `GET /hubs`, `/hubs/keys`, `/hubs/{key}/elements`.

Hubs are derived from the elements the deployment offers, so a new element of a new hub adds
its hub here without edits. No credentials needed; any sent are ignored (D06).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from openelements.elements.endpoints import ElementsDep
from openelements.elements.registry import ElementRegistry
from openelements.kit.errors import NotFound

__all__ = ["router"]

router = APIRouter(prefix="/hubs", tags=["elements"])


def _hub_keys(elements: ElementRegistry) -> list[str]:
    return sorted({element.hub for element in elements})


def _hub_entry(key: str) -> dict[str, Any]:
    return {"key": key, "name": key.replace("-", " ").title(), "active": True}


@router.get("")
async def list_hubs(elements: ElementsDep) -> list[dict[str, Any]]:
    return [_hub_entry(key) for key in _hub_keys(elements)]


@router.get("/keys")
async def list_hub_keys(elements: ElementsDep) -> list[str]:
    return _hub_keys(elements)


@router.get("/{key}/elements")
async def list_hub_elements(key: str, elements: ElementsDep) -> list[dict[str, Any]]:
    members = [element.catalog_entry() for element in elements if element.hub == key]
    if not members:
        raise NotFound(f"No hub with key '{key[:100]}'")
    return members
