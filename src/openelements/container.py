"""The process-wide objects, built once per app in its lifespan, and the FastAPI dependencies
that hand them to endpoints.

    container: ContainerDep          # Container from app.state
    session: WriteSession            # the request's unit of work: commits after the endpoint
    session: ReadSession             # read-only session, never commits

A request has one `WriteSession` however many dependencies ask for it (FastAPI caches it per
request). It commits when the endpoint returns and before the response is sent, so a client
that sees 200 can read its write back; an exception rolls it back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncSession

from openelements.elements.wiring import Outbound, build_outbound
from openelements.instances import tasks as instances_tasks
from openelements.instances.calls import InstanceCalls
from openelements.instances.wiring import Instances, build_instances
from openelements.jobs import Resources, TaskRegistry
from openelements.jobs.runtime import JobsRuntime, build_jobs_runtime
from openelements.kit.clock import Clock, SystemClock
from openelements.kit.crypto import KeyRing, SecretDigester
from openelements.kit.db import Database
from openelements.settings import Settings, load_crypto_material

__all__ = [
    "Container",
    "ContainerDep",
    "ReadSession",
    "WriteSession",
    "get_container",
    "read_session",
    "write_session",
]


@dataclass
class Container:
    settings: Settings
    database: Database
    key_ring: KeyRing
    digester: SecretDigester
    clock: Clock
    outbound: Outbound
    instances: Instances
    jobs: JobsRuntime
    metrics_registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    start_worker: bool = True

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        clock: Clock | None = None,
        metrics_registry: CollectorRegistry | None = None,
        start_worker: bool = True,
    ) -> Container:
        crypto = load_crypto_material(settings)
        database = Database.from_url(
            settings.database_url, sqlite_busy_timeout_ms=settings.sqlite_busy_timeout_ms
        )
        clock = clock or SystemClock()
        outbound = build_outbound(settings, clock=clock)
        instances = build_instances(
            settings,
            database=database,
            key_ring=crypto.key_ring,
            digester=crypto.digester,
            elements=outbound.elements,
            clock=clock,
        )
        metrics_registry = metrics_registry or CollectorRegistry()
        tasks = TaskRegistry()  # each domain adds one line: tasks.include(<domain>.tasks.registry)
        tasks.include(instances_tasks.registry)
        jobs = build_jobs_runtime(
            settings,
            database=database,
            clock=clock,
            registry=tasks,
            resources=Resources(
                {Database: database, KeyRing: crypto.key_ring, InstanceCalls: instances.calls}
            ),
            metrics_registry=metrics_registry,
        )
        return cls(
            settings=settings,
            database=database,
            key_ring=crypto.key_ring,
            digester=crypto.digester,
            clock=clock,
            outbound=outbound,
            instances=instances,
            jobs=jobs,
            metrics_registry=metrics_registry,
            start_worker=start_worker,
        )

    async def aclose(self) -> None:
        await self.outbound.aclose()
        await self.database.dispose()


def get_container(request: Request) -> Container:
    container = getattr(request.app.state, "container", None)
    if not isinstance(container, Container):
        raise RuntimeError("the app's lifespan has not built its Container")
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


async def write_session(container: ContainerDep) -> AsyncIterator[AsyncSession]:
    async with container.database.transaction() as session:
        yield session


async def read_session(container: ContainerDep) -> AsyncIterator[AsyncSession]:
    async with container.database.read_session() as session:
        yield session


# scope="function": the transaction ends before the response is sent, not after it.
WriteSession = Annotated[AsyncSession, Depends(write_session, scope="function")]
ReadSession = Annotated[AsyncSession, Depends(read_session, scope="function")]
