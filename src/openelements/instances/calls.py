"""Authenticated provider calls for one instance: the service hubs, events and bulk reuse.

    calls = InstanceCalls(keeper=..., elements=...)
    response = await calls.call(instance_id, ProviderRequest("GET", "me/calendars"))

A fresh access token is used (refreshed ahead of expiry); a 401 from the provider triggers
one refresh and one retry (D19); a second 401 marks the instance invalid (D29) and answers
401 "Provider rejected the instance's credentials" (D79). Other provider failures arrive as
`ProviderFailure` (an `ElementsError`) already mapped per D79.
"""

from __future__ import annotations

from openelements.elements.base import AccessTokenRejected, ProviderRequest, ProviderResponse
from openelements.elements.registry import ElementRegistry
from openelements.instances.tokens import AccessGrant, TokenKeeper
from openelements.kit.errors import Unauthorized

__all__ = ["PROVIDER_REJECTED_CREDENTIALS", "InstanceCalls"]

PROVIDER_REJECTED_CREDENTIALS = "Provider rejected the instance's credentials"


class InstanceCalls:
    def __init__(self, *, keeper: TokenKeeper, elements: ElementRegistry) -> None:
        self._keeper = keeper
        self._elements = elements

    @property
    def keeper(self) -> TokenKeeper:
        return self._keeper

    async def call(self, instance_id: int, request: ProviderRequest) -> ProviderResponse:
        grant = await self._keeper.current(instance_id)
        try:
            return await self._send(grant, request)
        except AccessTokenRejected:
            grant = await self._keeper.renew(grant)
        try:
            return await self._send(grant, request)
        except AccessTokenRejected as rejected:
            await self._keeper.mark_rejected(instance_id, reason=rejected.provider_message)
            raise Unauthorized(
                PROVIDER_REJECTED_CREDENTIALS, provider_message=rejected.provider_message
            ) from None

    async def _send(self, grant: AccessGrant, request: ProviderRequest) -> ProviderResponse:
        element = self._elements.get(grant.element_key)
        return await element.call(request, access_token=grant.access_token, mailbox=grant.mailbox)
