"""The process's outbound side: one HTTP session, the retrying transport, the elements.

Built once in the app's lifespan (through the container) and closed at shutdown, so every
request and job shares one connection pool (microsoft-graph.md §19.1).
"""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp

from openelements.elements.registry import ElementRegistry, build_registry
from openelements.kit.clock import Clock
from openelements.kit.http import (
    AiohttpTransport,
    HttpLimits,
    HttpTimeouts,
    KeyedLimiter,
    RetryingTransport,
    RetryPolicy,
    open_session,
)
from openelements.settings import Settings

__all__ = ["Outbound", "build_outbound", "retry_policy_of"]


@dataclass
class Outbound:
    session: aiohttp.ClientSession
    elements: ElementRegistry

    async def aclose(self) -> None:
        await self.session.close()


def retry_policy_of(settings: Settings) -> RetryPolicy:
    return RetryPolicy(
        attempts=settings.http_retry_attempts,
        max_total_wait=settings.http_retry_max_wait_seconds,
        backoff_initial=settings.http_retry_backoff_initial_seconds,
        jitter=settings.http_retry_backoff_initial_seconds,  # jitter of the first wait's size
    )


def build_outbound(settings: Settings, *, clock: Clock) -> Outbound:
    session = open_session(
        timeouts=HttpTimeouts(
            connect=settings.http_connect_timeout_seconds,
            read=settings.http_read_timeout_seconds,
            write=settings.http_write_timeout_seconds,
            pool=settings.http_pool_timeout_seconds,
        ),
        limits=HttpLimits(connections=settings.http_max_connections),
    )
    transport = RetryingTransport(AiohttpTransport(session), policy=retry_policy_of(settings))
    elements = build_registry(
        authority=settings.microsoft_authority,
        graph_base_url=settings.graph_base_url,
        transport=transport,
        limiter=KeyedLimiter(settings.graph_mailbox_concurrency),
        clock=clock,
    )
    return Outbound(session=session, elements=elements)
