"""TokenKeeper on a real database, with a counting fake element and a manual clock: refresh
ahead of expiry, one refresh per burst across two keepers (two "processes"), lease expiry,
invalid_grant."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from typing import Any

import pytest
import structlog
from fastapi.testclient import TestClient
from instances_harness import Tenant, container_of, provision

from openelements.elements.base import (
    AccountIdentity,
    ConfigurationDefinition,
    OAuthApp,
    ProviderRequest,
    ProviderResponse,
    ProviderUnavailable,
    ReauthenticationRequired,
    TokenGrant,
)
from openelements.elements.registry import ElementRegistry
from openelements.instances import tasks as instances_tasks
from openelements.instances.calls import InstanceCalls
from openelements.instances.repository import InstanceRepository
from openelements.instances.tokens import REAUTHENTICATE, TokenKeeper
from openelements.jobs import JobContext, Resources
from openelements.kit.clock import ManualClock
from openelements.kit.errors import ProviderError, Unauthorized

START = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.UTC)


class CountingElement:
    """Refreshes slowly and counts; everything else is unused by the keeper."""

    key = "microsoftgraph"
    id = 5836
    name = "fake"
    hub = "general"

    def __init__(
        self,
        clock: ManualClock,
        *,
        refuse: bool = False,
        unavailable: bool = False,
        lifetime: dt.timedelta = dt.timedelta(hours=1),
    ) -> None:
        self.clock = clock
        self.refreshes: list[str] = []
        self.refuse = refuse
        self.unavailable = unavailable
        self.lifetime = lifetime

    async def refresh(self, app: OAuthApp, refresh_token: str) -> TokenGrant:
        self.refreshes.append(refresh_token)
        await asyncio.sleep(0.05)  # long enough for a burst to pile up behind it
        if self.refuse:
            raise ReauthenticationRequired("AADSTS50173: revoked", code="invalid_grant")
        if self.unavailable:
            raise ProviderUnavailable("AADSTS90033: try again", code="temporarily_unavailable")
        number = len(self.refreshes)
        return TokenGrant(
            access_token=f"access-{number}",
            refresh_token=f"refresh-{number}",
            expires_at=self.clock.now() + self.lifetime,
        )

    def catalog_entry(self) -> dict[str, Any]:
        return {}

    def metadata(self) -> dict[str, Any]:
        return {}

    def configuration_definitions(self) -> Sequence[ConfigurationDefinition]:
        return ()

    def deployment_configuration(self) -> dict[str, str]:
        return {}

    def authorization_url(self, **_: Any) -> str:
        return ""

    async def exchange_code(self, app: OAuthApp, code: str) -> TokenGrant:
        raise AssertionError("not used")

    async def identify(self, grant: TokenGrant) -> AccountIdentity:
        raise AssertionError("not used")

    async def call(self, request: ProviderRequest, **_: Any) -> ProviderResponse:
        raise AssertionError("not used")


def keeper(client: TestClient, element: CountingElement, clock: ManualClock) -> TokenKeeper:
    container = container_of(client)
    return TokenKeeper(
        database=container.database,
        sealer=container.instances.runtime.sealer,
        elements=ElementRegistry([element]),  # type: ignore[list-item]
        clock=clock,
        margin=dt.timedelta(minutes=5),
        lease=dt.timedelta(seconds=30),
        poll_seconds=0.01,
    )


def run(client: TestClient, coroutine: Any) -> Any:
    async def wrapper() -> Any:
        return await coroutine

    return client.portal.call(wrapper)  # type: ignore[union-attr]


@pytest.fixture
def instance_id(client: TestClient, tenant: Tenant) -> int:
    created: int = provision(client, tenant)["id"]
    return created


def test_a_fresh_token_is_used_without_refreshing(client: TestClient, instance_id: int) -> None:
    clock = ManualClock(dt.datetime.now(dt.UTC))
    element = CountingElement(clock)
    grant = run(client, keeper(client, element, clock).current(instance_id))
    assert element.refreshes == []
    assert grant.version == 1


def test_a_token_inside_the_margin_is_refreshed_once_for_a_burst_of_two_processes(
    client: TestClient, instance_id: int
) -> None:
    clock = ManualClock(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=58))  # 2 min left
    element = CountingElement(clock)
    first, second = keeper(client, element, clock), keeper(client, element, clock)

    async def burst() -> list[Any]:
        calls = [first.current(instance_id) for _ in range(10)]
        calls += [second.current(instance_id) for _ in range(10)]
        return list(await asyncio.gather(*calls))

    grants = run(client, burst())
    assert len(element.refreshes) == 1
    assert {grant.access_token for grant in grants[:10]} == {"access-1"}
    assert {grant.version for grant in grants[:10]} == {2}
    # The other process's callers either waited for the refresh or, arriving while the lease
    # was held, used the stored token that is still valid for two minutes.
    assert {grant.version for grant in grants[10:]} <= {1, 2}


def test_the_rotated_refresh_token_is_the_one_used_next(
    client: TestClient, instance_id: int
) -> None:
    clock = ManualClock(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=58))
    element = CountingElement(clock)
    tokens = keeper(client, element, clock)
    run(client, tokens.current(instance_id))
    clock.advance(dt.timedelta(minutes=58))
    run(client, tokens.current(instance_id))
    assert element.refreshes[1] == "refresh-1"


def test_a_lease_left_by_a_dead_process_expires(client: TestClient, instance_id: int) -> None:
    clock = ManualClock(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=61))  # token expired
    element = CountingElement(clock)
    dead, alive = keeper(client, element, clock), keeper(client, element, clock)
    claimed = run(client, dead._claim(instance_id, seen_version=1))  # claims, then "dies"
    assert claimed is not None

    async def later() -> Any:
        task = asyncio.create_task(alive.current(instance_id))
        await asyncio.sleep(0.1)
        assert not task.done()  # waiting for the other lease
        clock.advance(dt.timedelta(seconds=31))
        return await task

    grant = run(client, later())
    assert grant.access_token == "access-1"


def test_invalid_grant_marks_the_instance_invalid(client: TestClient, instance_id: int) -> None:
    clock = ManualClock(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=58))
    element = CountingElement(clock, refuse=True)
    tokens = keeper(client, element, clock)
    with pytest.raises(Unauthorized) as caught:
        run(client, tokens.current(instance_id))
    assert caught.value.message == REAUTHENTICATE
    assert caught.value.provider_message == "AADSTS50173: revoked"
    with pytest.raises(Unauthorized):
        run(client, tokens.current(instance_id))
    assert len(element.refreshes) == 1


def test_idle_instances_are_refreshed_by_the_periodic_task(
    client: TestClient, instance_id: int
) -> None:
    clock = ManualClock(dt.datetime.now(dt.UTC) + dt.timedelta(days=2))
    element = CountingElement(clock)
    tokens = keeper(client, element, clock)
    context = JobContext(
        job_id=1,
        task_name="instances.refresh_idle_tokens",
        attempt=1,
        logger=structlog.get_logger(),
        resources=Resources(
            {InstanceCalls: InstanceCalls(keeper=tokens, elements=ElementRegistry([element]))}
        ),  # type: ignore[list-item]
        jobs=None,  # type: ignore[arg-type]
    )
    handler = instances_tasks.registry.get("instances.refresh_idle_tokens").handler
    assert "instances.refresh_idle_tokens" in instances_tasks.registry.periodic_tasks
    run(client, handler(context))
    assert len(element.refreshes) == 1
    run(client, handler(context))  # just refreshed: no longer idle
    assert len(element.refreshes) == 1
    clock.advance(dt.timedelta(days=2))
    assert run(client, tokens.refresh_idle(idle_for=dt.timedelta(days=1), limit=10)) == 1


def test_short_lived_tokens_are_not_refreshed_on_every_call(
    client: TestClient, instance_id: int
) -> None:
    clock = ManualClock(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=58))
    element = CountingElement(clock, lifetime=dt.timedelta(seconds=60))
    tokens = keeper(client, element, clock)
    run(client, tokens.current(instance_id))
    run(client, tokens.current(instance_id))
    clock.advance(dt.timedelta(seconds=20))
    run(client, tokens.current(instance_id))
    assert len(element.refreshes) == 1
    clock.advance(dt.timedelta(seconds=15))  # 25 s left: under half the 60 s lifetime
    run(client, tokens.current(instance_id))
    assert len(element.refreshes) == 2


def test_a_refresh_that_lost_its_lease_still_hands_out_the_token_it_obtained(
    client: TestClient, instance_id: int
) -> None:
    """A holder slower than its lease cannot save, but the access token it was given is
    valid: handing out the stored (old, about to expire) one instead would get a 401 that
    InstanceCalls takes for "refused right after a refresh" and invalidates the instance."""
    clock = ManualClock(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=58))
    element = CountingElement(clock)
    slow, other = keeper(client, element, clock), keeper(client, element, clock)
    claimed = run(client, slow._claim(instance_id, seen_version=1))
    clock.advance(dt.timedelta(seconds=31))  # the slow holder's lease ran out
    assert run(client, other._claim(instance_id, seen_version=1)) is not None
    grant = run(client, slow._refresh_claimed(instance_id, claimed))
    assert grant.access_token == "access-1"
    assert grant.expires_at == clock.now() + element.lifetime


def test_a_transient_refresh_failure_inside_the_margin_keeps_the_valid_token(
    client: TestClient, instance_id: int
) -> None:
    clock = ManualClock(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=58))  # 2 min left
    element = CountingElement(clock, unavailable=True)
    tokens = keeper(client, element, clock)
    first = run(client, tokens.current(instance_id))
    assert first.version == 1
    second = run(client, tokens.current(instance_id))  # the lease was released: tries again
    assert second.access_token == first.access_token
    assert len(element.refreshes) == 2


def test_a_transient_refresh_failure_after_expiry_is_a_provider_error(
    client: TestClient, instance_id: int
) -> None:
    clock = ManualClock(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=61))
    tokens = keeper(client, CountingElement(clock, unavailable=True), clock)
    with pytest.raises(ProviderError):
        run(client, tokens.current(instance_id))


def test_a_keeper_waiting_for_another_lease_polls_without_write_locks(
    client: TestClient, instance_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite every claim is a BEGIN IMMEDIATE, the lock of the whole database."""
    clock = ManualClock(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=61))  # token expired
    element = CountingElement(clock)
    dead, alive = keeper(client, element, clock), keeper(client, element, clock)
    run(client, dead._claim(instance_id, seen_version=1))
    locking_reads: list[int] = []
    original = InstanceRepository.get

    async def counted(self: InstanceRepository, key: int, *, for_update: bool = False) -> Any:
        if for_update:
            locking_reads.append(key)
        return await original(self, key, for_update=for_update)

    monkeypatch.setattr(InstanceRepository, "get", counted)

    async def later() -> Any:
        task = asyncio.create_task(alive.current(instance_id))
        await asyncio.sleep(0.2)  # 20 polls at 10 ms
        waiting_claims = len(locking_reads)
        clock.advance(dt.timedelta(seconds=31))
        return waiting_claims, await task

    waiting_claims, grant = run(client, later())
    assert waiting_claims <= 1
    assert grant.access_token == "access-1"


def test_a_valid_token_is_used_while_another_process_refreshes_it(
    client: TestClient, instance_id: int
) -> None:
    clock = ManualClock(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=58))  # 2 min left
    element = CountingElement(clock)
    holder, other = keeper(client, element, clock), keeper(client, element, clock)
    run(client, holder._claim(instance_id, seen_version=1))  # refreshing, on the network

    async def without_waiting() -> Any:
        return await asyncio.wait_for(other.current(instance_id), timeout=2)

    grant = run(client, without_waiting())
    assert grant.version == 1
    assert element.refreshes == []
