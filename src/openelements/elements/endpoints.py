"""The element catalog (spec §5.1 to §5.4). No credentials needed; any sent are ignored (D06)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from openelements.container import ContainerDep
from openelements.elements.registry import ElementRegistry
from openelements.elements.schemas import OAuthUrlRequest, OAuthUrlResponse
from openelements.kit.errors import BadRequest

__all__ = ["ElementsDep", "get_elements", "router"]

router = APIRouter(prefix="/elements", tags=["elements"])


def get_elements(container: ContainerDep) -> ElementRegistry:
    return container.outbound.elements


ElementsDep = Annotated[ElementRegistry, Depends(get_elements)]


@router.get("")
async def list_elements(elements: ElementsDep) -> list[dict[str, Any]]:
    return [element.catalog_entry() for element in elements]


@router.get("/keys")
async def list_element_keys(elements: ElementsDep) -> list[str]:
    return elements.keys()


@router.get("/{keyOrId}")
async def get_element(keyOrId: str, elements: ElementsDep) -> dict[str, Any]:
    return elements.get(keyOrId).catalog_entry()


@router.get("/{keyOrId}/metadata")
async def get_element_metadata(keyOrId: str, elements: ElementsDep) -> dict[str, Any]:
    return elements.get(keyOrId).metadata()


@router.get("/{keyOrId}/configuration")
async def get_element_configuration(
    keyOrId: str,
    elements: ElementsDep,
) -> list[dict[str, Any]]:
    return [
        definition.catalog_entry()
        for definition in elements.get(keyOrId).configuration_definitions()
    ]


@router.get("/{keyOrId}/oauth/url")
async def get_oauth_url(
    keyOrId: str,
    elements: ElementsDep,
    apiKey: Annotated[str | None, Query()] = None,
    apiSecret: Annotated[str | None, Query()] = None,
    callbackUrl: Annotated[str | None, Query()] = None,
    scope: Annotated[str | None, Query()] = None,
    state: Annotated[str | None, Query()] = None,
    siteAddress: Annotated[str | None, Query()] = None,
) -> OAuthUrlResponse:
    request = OAuthUrlRequest(
        apiKey=apiKey, apiSecret=apiSecret, callbackUrl=callbackUrl, scope=scope, state=state
    )
    return _oauth_url(keyOrId, request, elements)


@router.post("/{keyOrId}/oauth/url")
async def post_oauth_url(
    keyOrId: str,
    body: OAuthUrlRequest,
    elements: ElementsDep,
) -> OAuthUrlResponse:
    return _oauth_url(keyOrId, body, elements)


def _oauth_url(
    key_or_id: str, request: OAuthUrlRequest, elements: ElementRegistry
) -> OAuthUrlResponse:
    element = elements.get(key_or_id)  # D17: unknown element first, 404
    missing = [
        name
        for name, value in (
            ("apiKey", request.api_key),
            ("apiSecret", request.api_secret),  # checked for presence only, never in the URL
            ("callbackUrl", request.callback_url),
        )
        if not value
    ]
    if missing:
        raise BadRequest(f"Missing required parameters: {', '.join(missing)}")
    url = element.authorization_url(
        client_id=request.api_key or "",
        redirect_uri=request.callback_url or "",
        scope=request.scope or None,
        state=request.state or None,
    )
    return OAuthUrlResponse(oauthUrl=url, element=element.key)
