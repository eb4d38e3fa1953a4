"""Provider calls for hub requests, with the instance's access grant kept for a moment.

Reading the grant costs a database round trip per call (the token keeper reads the instance
row each time, which on SQLite means several hops to the driver's thread); at hub call rates
that read was the largest part of the gateway's own time (bench/hub_overhead.py). So a grant
read by this process is reused for `ttl` (1 s by default), never when it expires within a
minute. What may therefore be stale for up to `ttl`: disabling, invalidating or deleting the
instance from another request — the same bound every other process already has. A provider
401 drops the cached grant and goes through `InstanceCalls` (refresh once, retry, D19/D29).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from openelements.elements.base import AccessTokenRejected, ProviderRequest, ProviderResponse
from openelements.elements.registry import ElementRegistry
from openelements.hubs.expiring_cache import ExpiringCache
from openelements.instances.calls import InstanceCalls
from openelements.instances.tokens import AccessGrant
from openelements.kit.clock import Clock

__all__ = ["GrantCache", "InstanceFetch"]

DEFAULT_TTL_SECONDS = 1.0
MIN_REMAINING = dt.timedelta(minutes=1)


class GrantCache:
    """Access grants by instance id; one about to expire is never served."""

    def __init__(
        self,
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._entries: ExpiringCache[int, AccessGrant] = ExpiringCache(
            ttl_seconds=ttl_seconds, monotonic=monotonic
        )

    def get(self, instance_id: int, *, now: dt.datetime) -> AccessGrant | None:
        grant = self._entries.get(instance_id)
        if grant is not None and grant.expires_at - now < MIN_REMAINING:
            self._entries.drop(instance_id)
            return None
        return grant

    def put(self, grant: AccessGrant) -> None:
        self._entries.put(grant.instance_id, grant)

    def drop(self, instance_id: int) -> None:
        self._entries.drop(instance_id)

    async def load(
        self, instance_id: int, loader: Callable[[], Awaitable[AccessGrant]]
    ) -> AccessGrant:
        return await self._entries.load(instance_id, loader)


@dataclass(frozen=True, slots=True)
class InstanceFetch:
    """A `Fetch` bound to one instance."""

    instance_id: int
    calls: InstanceCalls
    elements: ElementRegistry
    grants: GrantCache
    clock: Clock

    async def __call__(self, request: ProviderRequest) -> ProviderResponse:
        grant = self.grants.get(self.instance_id, now=self.clock.now())
        if grant is None:
            grant = await self.grants.load(self.instance_id, self._load)
        element = self.elements.get(grant.element_key)
        try:
            return await element.call(
                request, access_token=grant.access_token, mailbox=grant.mailbox
            )
        except AccessTokenRejected:
            self.grants.drop(self.instance_id)
        return await self.calls.call(self.instance_id, request)

    async def _load(self) -> AccessGrant:
        return await self.calls.keeper.current(self.instance_id)
