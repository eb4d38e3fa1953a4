"""The instances domain's process-wide objects, built once by the container.

`calls` must be one per process: its token keeper queues a burst of refreshes of one instance
behind a per-process lock (instances/tokens.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from openelements.elements.registry import ElementRegistry
from openelements.instances.calls import InstanceCalls
from openelements.instances.sealing import InstanceSealer
from openelements.instances.service import InstancesRuntime
from openelements.instances.tokens import TokenKeeper
from openelements.kit.clock import Clock
from openelements.kit.crypto import KeyRing, SecretDigester
from openelements.kit.db import Database
from openelements.settings import Settings

__all__ = ["Instances", "build_instances"]


@dataclass(frozen=True)
class Instances:
    runtime: InstancesRuntime
    calls: InstanceCalls


def build_instances(
    settings: Settings,
    *,
    database: Database,
    key_ring: KeyRing,
    digester: SecretDigester,
    elements: ElementRegistry,
    clock: Clock,
) -> Instances:
    sealer = InstanceSealer(key_ring=key_ring, digester=digester)
    keeper = TokenKeeper(
        database=database,
        sealer=sealer,
        elements=elements,
        clock=clock,
        margin=dt.timedelta(seconds=settings.token_refresh_margin_seconds),
        lease=dt.timedelta(seconds=settings.token_refresh_lease_seconds),
    )
    return Instances(
        runtime=InstancesRuntime(elements=elements, sealer=sealer, clock=clock),
        calls=InstanceCalls(keeper=keeper, elements=elements),
    )
