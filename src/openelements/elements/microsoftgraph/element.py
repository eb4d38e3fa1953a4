"""`MicrosoftGraphElement`: the definition, the identity client and the Graph client together."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Unpack

from openelements.elements.base import (
    AccessTokenRejected,
    AccountIdentity,
    ConfigurationDefinition,
    HubObject,
    HubResource,
    ListQuery,
    NewTokenRejected,
    OAuthApp,
    ProviderFailure,
    ProviderRequest,
    ProviderResponse,
    ProviderUnavailable,
    TokenGrant,
)
from openelements.elements.microsoftgraph import definition
from openelements.elements.microsoftgraph.ceql_odata import graph_query_options_from_text
from openelements.elements.microsoftgraph.graph_client import GraphClient
from openelements.elements.microsoftgraph.hub_resources import (
    HUB_OBJECTS,
    HUB_RESOURCES,
    LIST_COLLECTIONS,
)
from openelements.elements.microsoftgraph.oauth import MicrosoftIdentityClient
from openelements.kit.clock import Clock
from openelements.kit.http import KeyedLimiter, Transport

__all__ = ["MicrosoftGraphElement", "NewTokenRejected"]

USER_READ = "user.read"


class MicrosoftGraphElement:
    key = definition.ELEMENT_KEY
    id = definition.ELEMENT_ID
    name = definition.ELEMENT_NAME
    hub = definition.HUB

    def __init__(
        self,
        *,
        authority: str,
        graph_base_url: str,
        transport: Transport,
        limiter: KeyedLimiter,
        clock: Clock,
    ) -> None:
        self._identity = MicrosoftIdentityClient(
            authority=authority, transport=transport, clock=clock
        )
        self._graph = GraphClient(base_url=graph_base_url, transport=transport, limiter=limiter)

    def catalog_entry(self) -> dict[str, Any]:
        return definition.catalog_entry()

    def metadata(self) -> dict[str, Any]:
        return definition.metadata()

    def configuration_definitions(self) -> Sequence[ConfigurationDefinition]:
        return definition.CONFIGURATION

    def deployment_configuration(self) -> Mapping[str, str]:
        """D30: element-level keys point where this deployment points (emulator in tests)."""
        token_url = self._identity.token_endpoint
        return {
            "base.url": self._graph.base_url,
            "oauth.authorization.url": self._identity.authorize_endpoint,
            "oauth.token.url": token_url,
            "oauth.token.refresh_url": token_url,
            "oauth.basic.header": "true",
        }

    def authorization_url(
        self, *, client_id: str, redirect_uri: str, scope: str | None, state: str | None
    ) -> str:
        return self._identity.authorization_url(
            client_id=client_id,
            redirect_uri=redirect_uri,
            scope=scope or definition.DEFAULT_SCOPE,
            state=state or definition.ELEMENT_KEY,
        )

    async def exchange_code(self, app: OAuthApp, code: str) -> TokenGrant:
        return await self._identity.exchange_code(app, code)

    async def refresh(self, app: OAuthApp, refresh_token: str) -> TokenGrant:
        return await self._identity.refresh(app, refresh_token)

    async def identify(self, grant: TokenGrant) -> AccountIdentity:
        """D18 step 3: `GET /me/calendar` (calendar scopes suffice); `/me` only with User.Read."""
        calendar = await self._probe(
            ProviderRequest("GET", "me/calendar", query={"$select": "id,owner"}), grant
        )
        owner = calendar.get("owner") if isinstance(calendar.get("owner"), dict) else {}
        mailbox = str((owner or {}).get("address") or "")
        if USER_READ not in {scope.lower() for scope in grant.scopes}:
            return AccountIdentity(mailbox=mailbox or "unknown")
        me = await self._probe(
            ProviderRequest("GET", "me", query={"$select": "id,userPrincipalName"}), grant
        )
        upn = me.get("userPrincipalName")
        return AccountIdentity(
            mailbox=mailbox or str(upn or "unknown"),
            provider_user_id=str(me["id"]) if me.get("id") else None,
            user_principal_name=str(upn) if upn else None,
        )

    async def _probe(self, request: ProviderRequest, grant: TokenGrant) -> dict[str, Any]:
        try:
            response = await self._graph.call(
                request, access_token=grant.access_token, mailbox=f"probe:{id(grant)}"
            )
        except AccessTokenRejected as exc:
            raise NewTokenRejected(exc.provider_message, code="401") from exc
        except ProviderFailure as exc:
            if exc.status == 502 or exc.status == 429:
                raise ProviderUnavailable(exc.provider_message, code=str(exc.status)) from exc
            raise NewTokenRejected(exc.provider_message, code=exc.provider_code) from exc
        body = response.json()
        return body if isinstance(body, dict) else {}

    async def call(
        self, request: ProviderRequest, *, access_token: str, mailbox: str
    ) -> ProviderResponse:
        return await self._graph.call(request, access_token=access_token, mailbox=mailbox)

    def hub_resources(self) -> Sequence[HubResource]:
        return HUB_RESOURCES

    def hub_objects(self) -> Sequence[HubObject]:
        return HUB_OBJECTS

    def list_query_options(
        self, resource: HubResource, **query: Unpack[ListQuery]
    ) -> dict[str, str]:
        """CEQL → `$filter`/`$orderby`/`$select` plus the calendar window (D42-D44, D38)."""
        return graph_query_options_from_text(LIST_COLLECTIONS[resource.path], **query)
