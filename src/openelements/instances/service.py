"""Instance operations on the database (spec §6). Flushes, never commits, no network: the
endpoint runs provisioning before and commits after (D18 step 4).

Access (D07): an instance belongs to the account of the user who created it. Users of that
account may use it; the organization administrator may use any instance of the organization.
Anything else looks like a missing instance (404), so ids of other tenants leak nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from openelements.elements.base import ConfigurationDefinition, Element
from openelements.elements.registry import ElementRegistry
from openelements.instances import configuration as config
from openelements.instances.models import ElementInstance, InstanceConfiguration
from openelements.instances.provisioning import InstanceChanges, InstanceDraft, Provisioned
from openelements.instances.repository import InstanceFilter, InstanceRepository
from openelements.instances.sealing import InstanceSealer
from openelements.instances.tokens import REAUTHENTICATE
from openelements.kit.clock import Clock
from openelements.kit.errors import BadRequest, Forbidden, NotFound, Unauthorized
from openelements.platform.caller import Caller

__all__ = ["InstanceService", "InstancesRuntime"]


@dataclass(frozen=True, slots=True)
class InstancesRuntime:
    elements: ElementRegistry
    sealer: InstanceSealer
    clock: Clock


class InstanceService:
    def __init__(self, session: AsyncSession, runtime: InstancesRuntime) -> None:
        self._repository = InstanceRepository(session)
        self._runtime = runtime
        self._sealer = runtime.sealer

    # --- finding ----------------------------------------------------------------------

    async def accessible(
        self, caller: Caller, instance_id: int, *, element: Element | None = None
    ) -> ElementInstance:
        instance = await self._repository.get(instance_id)
        if instance is None or not _may_use(caller, instance):
            raise NotFound(f"No element instance with id {instance_id}")
        if element is not None and instance.element_key != element.key:
            raise NotFound(f"No element instance with id {instance_id} for {element.key}")
        if caller.element_token is not None:
            named = await self._repository.by_token_digest(
                self._sealer.token_digest(caller.element_token)
            )
            if named is None or named.id != instance.id:  # D26: a sent Element must match
                raise Unauthorized("Invalid element token")
        return instance

    async def by_element_token(self, caller: Caller) -> ElementInstance:
        """The instance named by the `Element` credential (id-less routes, hubs); D07."""
        token = caller.element_token
        if token is None:
            raise Unauthorized("Invalid Authorization header: Element credential is missing")
        instance = await self._repository.by_token_digest(self._sealer.token_digest(token))
        if instance is None or not _may_use(caller, instance):
            raise Unauthorized("Invalid element token")
        return instance

    async def for_provider_call(self, caller: Caller) -> ElementInstance:
        """The `Element` instance, usable for a hub call: 403 while disabled (spec §3.4), 401
        while its provider credentials are invalid (D29)."""
        instance = await self.by_element_token(caller)
        if instance.disabled:
            raise Forbidden("Element instance is disabled")
        if not instance.valid:
            raise Unauthorized(REAUTHENTICATE, provider_message=instance.invalid_reason)
        return instance

    async def listing(
        self, caller: Caller, *, scope: InstanceFilter, offset: int, limit: int
    ) -> Sequence[ElementInstance]:
        del caller  # the scope already names the caller's account
        return await self._repository.listing(scope, offset=offset, limit=limit)

    async def count(self, caller: Caller) -> dict[str, Any]:
        """D24."""
        counts = await self._repository.count_by_element(caller.account_id)
        return {
            "totalInstances": sum(counts.values()),
            "elementInstances": [{"elementKey": k, "count": n} for k, n in counts.items()],
        }

    # --- writing ----------------------------------------------------------------------

    async def create(
        self, caller: Caller, draft: InstanceDraft, provisioned: Provisioned
    ) -> ElementInstance:
        now = self._runtime.clock.now()
        token = self._sealer.issue_token()
        instance = await self._repository.add(
            ElementInstance(
                organization_id=caller.organization_id,
                account_id=caller.account_id,
                user_id=caller.user_id,
                element_key=draft.element.key,
                name=draft.name,
                token_digest=token.digest,
                token_sealed=token.sealed,
                valid=True,
                disabled=False,
                external_authentication="initial" if draft.external else "none",
                credentials_version=0,
                created_at=now,
                updated_at=now,
            )
        )
        self._store_grant(instance, provisioned)
        await self._put_configuration(instance, draft.element, draft.configuration)
        await self._repository.replace_tags(instance.id, draft.tags)
        return instance

    async def update(
        self,
        instance: ElementInstance,
        changes: InstanceChanges,
        provisioned: Provisioned | None,
    ) -> ElementInstance:
        """D25: name and tags as given; configuration merged; a new code re-provisions."""
        if changes.name is not None:
            instance.name = changes.name
        if changes.tags is not None:
            await self._repository.replace_tags(instance.id, changes.tags)
        element = self._runtime.elements.get(instance.element_key)
        await self._put_configuration(instance, element, changes.configuration)
        if provisioned is not None:
            self._store_grant(instance, provisioned)
            instance.valid = True
            instance.invalid_reason = None
        instance.updated_at = self._runtime.clock.now()
        return instance

    async def delete(self, instance: ElementInstance) -> None:
        """D26 step 1: the token stops working at once (lookups skip deleted rows)."""
        instance.deleted_at = self._runtime.clock.now()
        instance.updated_at = instance.deleted_at

    async def set_enabled(self, instance: ElementInstance, *, enabled: bool) -> ElementInstance:
        instance.disabled = not enabled
        instance.updated_at = self._runtime.clock.now()
        return instance

    def _store_grant(self, instance: ElementInstance, provisioned: Provisioned) -> None:
        grant = provisioned.grant
        seal = self._sealer.seal_provider_token
        instance.access_token_sealed = seal(instance.id, "access_token", grant.access_token)
        if grant.refresh_token is not None:
            instance.refresh_token_sealed = seal(instance.id, "refresh_token", grant.refresh_token)
        instance.access_expires_at = grant.expires_at
        instance.refreshed_at = self._runtime.clock.now()
        instance.credentials_version += 1
        instance.refresh_owner = None
        instance.refreshing_until = None
        instance.mailbox = provisioned.identity.mailbox
        instance.provider_user_id = provisioned.identity.provider_user_id

    async def _put_configuration(
        self, instance: ElementInstance, element: Element, values: dict[str, str]
    ) -> None:
        definitions = config.definitions_by_key(element.configuration_definitions())
        for key, value in values.items():
            sealed = config.is_sealed_key(key, definitions)
            stored = self._sealer.seal_configuration(instance.id, key, value) if sealed else value
            await self._repository.put_configuration(instance.id, key, value=stored, sealed=sealed)

    # --- configuration entries (§6.10) --------------------------------------------------

    async def configuration_values(self, instance: ElementInstance) -> dict[str, str]:
        return {
            entry.key: self._plain(instance, entry)
            for entry in await self._repository.configuration(instance.id)
        }

    async def configuration_entries(self, instance: ElementInstance) -> list[dict[str, Any]]:
        definitions = self._definitions(instance)
        return [
            _entry(entry, self._plain(instance, entry), definitions)
            for entry in await self._repository.configuration(instance.id)
            if not config.is_hidden(entry.key, definitions)
        ]

    async def configuration_entry(self, instance: ElementInstance, entry_id: int) -> dict[str, Any]:
        entry = await self._entry_row(instance, entry_id)
        return _entry(entry, self._plain(instance, entry), self._definitions(instance))

    async def patch_configuration_entry(
        self, instance: ElementInstance, entry_id: int, value: str | bool | float
    ) -> dict[str, Any]:
        """D28: only writable keys; the new value is returned masked when it is masked."""
        entry = await self._entry_row(instance, entry_id)
        definitions = self._definitions(instance)
        definition = definitions.get(entry.key)
        if definition is not None and not definition.writable:
            raise BadRequest(f"Configuration key {entry.key} cannot be changed")
        text = config.normalize({entry.key: value})[entry.key]
        element = self._runtime.elements.get(instance.element_key)
        await self._put_configuration(instance, element, {entry.key: text})
        instance.updated_at = self._runtime.clock.now()
        return _entry(entry, text, definitions)

    async def _entry_row(self, instance: ElementInstance, entry_id: int) -> InstanceConfiguration:
        entry = await self._repository.configuration_entry(instance.id, entry_id)
        if entry is None or config.is_hidden(entry.key, self._definitions(instance)):
            raise NotFound(f"No configuration entry with id {entry_id}")
        return entry

    def _plain(self, instance: ElementInstance, entry: InstanceConfiguration) -> str:
        if not entry.sealed:
            return entry.value
        return self._sealer.open_configuration(instance.id, entry.key, entry.value)

    def _definitions(self, instance: ElementInstance) -> dict[str, ConfigurationDefinition]:
        element = self._runtime.elements.get(instance.element_key)
        return config.definitions_by_key(element.configuration_definitions())

    # --- rendering (§6.3) -------------------------------------------------------------

    async def render(self, instance: ElementInstance) -> dict[str, Any]:
        return (await self.render_many([instance]))[0]

    async def render_many(self, instances: Sequence[ElementInstance]) -> list[dict[str, Any]]:
        ids = [instance.id for instance in instances]
        tags = await self._repository.tags_of(ids)
        users = await self._repository.users(instance.user_id for instance in instances)
        rendered = []
        for instance in instances:
            values = await self.configuration_values(instance)
            rendered.append(self._rendered(instance, values, tags[instance.id], users))
        return rendered

    def _rendered(
        self,
        instance: ElementInstance,
        values: dict[str, str],
        tags: list[str],
        users: dict[int, Any],
    ) -> dict[str, Any]:
        element = self._runtime.elements.get(instance.element_key)
        definitions = config.definitions_by_key(element.configuration_definitions())
        user = users.get(instance.user_id)
        return {
            "id": instance.id,
            "name": instance.name,
            "createdDate": instance.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "token": self._sealer.reveal_token(instance.token_sealed, digest=instance.token_digest),
            "element": element.catalog_entry(),
            "elementId": element.id,
            "tags": tags,
            "provisionInteractions": [],
            "valid": instance.valid,
            "disabled": instance.disabled,
            "maxCacheSize": 0,
            "cacheTimeToLive": 0,
            "configuration": config.render_configuration(
                values, definitions, element.deployment_configuration()
            ),
            "eventsEnabled": values.get("event.notification.enabled") == "true",
            "traceLoggingEnabled": False,
            "cachingEnabled": False,
            "externalAuthentication": instance.external_authentication,
            "user": _user(user),
        }


def _may_use(caller: Caller, instance: ElementInstance) -> bool:
    if instance.organization_id != caller.organization_id:
        return False
    return caller.is_org_admin or instance.account_id == caller.account_id


def _user(user: Any) -> dict[str, Any]:
    if user is None:
        return {}
    return {
        "id": user.id,
        "emailAddress": user.email,
        "firstName": user.first_name,
        "lastName": user.last_name,
    }


def _entry(
    entry: InstanceConfiguration, plain: str, definitions: dict[str, ConfigurationDefinition]
) -> dict[str, Any]:
    definition = definitions.get(entry.key)
    return {
        "id": entry.id,
        "key": entry.key,
        "name": definition.name if definition else entry.key,
        "description": definition.description if definition else "",
        "propertyValue": config.shown_value(entry.key, plain, definitions),
        "type": definition.type if definition else "TEXTFIELD_128",
        "required": definition.required if definition else False,
        "active": True,
        "hideFromConsole": bool(definition and not definition.writable),
    }
