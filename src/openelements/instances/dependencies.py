"""FastAPI dependencies other domains use to act through an instance (hubs, bulk).

    instance: HubInstance        # resolved from the `Element` credential (User + Element)
    calls: InstanceCallsDep      # provider calls with refresh-on-expiry and refresh-on-401

`HubInstance` resolves the instance in a short read session of its own, so no transaction is
open while the provider is called.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from openelements.container import ContainerDep
from openelements.instances.calls import InstanceCalls
from openelements.instances.service import InstanceService
from openelements.platform.auth import UserAndElement

__all__ = ["HubInstance", "InstanceCallsDep", "ResolvedInstance", "resolve_hub_instance"]


@dataclass(frozen=True, slots=True)
class ResolvedInstance:
    id: int
    element_key: str
    configuration: dict[str, str]
    """Plain configuration values (secrets included: never render them)."""


async def resolve_hub_instance(container: ContainerDep, caller: UserAndElement) -> ResolvedInstance:
    async with container.database.read_session() as session:
        service = InstanceService(session, container.instances.runtime)
        instance = await service.for_provider_call(caller)
        values = await service.configuration_values(instance)
    return ResolvedInstance(id=instance.id, element_key=instance.element_key, configuration=values)


def instance_calls(container: ContainerDep) -> InstanceCalls:
    return container.instances.calls


HubInstance = Annotated[ResolvedInstance, Depends(resolve_hub_instance)]
InstanceCallsDep = Annotated[InstanceCalls, Depends(instance_calls)]
