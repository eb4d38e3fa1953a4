"""Which instance a hub call uses, from the `Authorization` header (spec §3.2, D07).

`User` + `Element` are required (`Organization` is checked when sent). Resolving them costs
three or four indexed reads; a hub call is the gateway's hot path, so the outcome is kept for
a few seconds per exact header value (keyed by its SHA-256, never the secrets themselves).
What the cache may serve stale for at most `ttl`: a user secret just rotated or deactivated,
and the `filter.response.nulls` setting. The instance's state — disabled (403), invalid (401),
deleted (401) — is not judged here: the token keeper checks it whenever it reads the instance
row, which a provider call does at least once per `hubs.grants` TTL (1 s).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from openelements.container import Container
from openelements.hubs.expiring_cache import ExpiringCache
from openelements.instances.repository import InstanceRepository
from openelements.instances.service import InstanceService
from openelements.platform.authorization import Credentials
from openelements.platform.identity import resolve_caller
from openelements.platform.runtime import PlatformRuntime

__all__ = ["AccessCache", "HubInstance", "resolve_hub_instance"]

FILTER_NULLS_KEY = "filter.response.nulls"
DEFAULT_TTL_SECONDS = 3.0


@dataclass(frozen=True, slots=True)
class HubInstance:
    instance_id: int
    element_key: str
    filter_nulls: bool


class AccessCache(ExpiringCache[str, HubInstance]):
    """Resolved hub callers by digest of the exact `Authorization` value."""

    def __init__(
        self,
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(ttl_seconds=ttl_seconds, monotonic=monotonic)

    @staticmethod
    def key_of(authorization: str) -> str:
        return hashlib.sha256(authorization.encode("utf-8")).hexdigest()


async def resolve_hub_instance(
    container: Container, *, runtime: PlatformRuntime, credentials: Credentials
) -> HubInstance:
    """One read session: the caller, the instance its `Element` token names, null filtering."""
    async with container.database.read_session() as session:
        caller = await resolve_caller(
            session,
            secrets=runtime.secrets,
            credentials=credentials,
            organization_required=False,
        )
        instance = await InstanceService(session, container.instances.runtime).by_element_token(
            caller
        )
        entries = await InstanceRepository(session).configuration(instance.id)
    nulls = next((e.value for e in entries if e.key == FILTER_NULLS_KEY and not e.sealed), None)
    return HubInstance(
        instance_id=instance.id,
        element_key=instance.element_key,
        filter_nulls=(nulls or "true").strip().lower() != "false",
    )
