"""Provider token lifecycle: refresh ahead of expiry and after a 401, once per burst (D19).

Why a lease and not a lock held across the refresh. D19 asks for a row lock, a re-read inside
it, and an atomic save of the rotated refresh token. DESIGN.md §2 forbids network calls inside
a database transaction, and on SQLite a write transaction locks the whole database: holding it
across a token request (up to the HTTP timeouts) would stall every writer of every process.
So the lock is taken twice, briefly, around the network call:

1. claim   — write transaction: `SELECT … FOR UPDATE` (PostgreSQL) / `BEGIN IMMEDIATE`
             (SQLite, kit.db), re-read the row. If `credentials_version` moved past the version
             the caller saw and the token is fresh, someone else refreshed: use theirs. If
             another process holds an unexpired lease (`refreshing_until`), poll with plain
             reads (no write lock) until it saved or its lease ended, then claim again.
             Otherwise write the lease (`refresh_owner`, `refreshing_until`) and commit.
2. refresh — the token request, outside any transaction.
3. save    — write transaction: store access token, expiry and the **rotated refresh token**
             together with `credentials_version + 1`, only `WHERE refresh_owner = me`; or, on
             `invalid_grant`, `valid = false` (D29).

Within one process, an asyncio lock per instance queues the callers of a burst so they re-read
after the first refresh instead of all claiming; across processes the lease does the same. A
holder that dies leaves a lease that expires after `lease` seconds; a holder slower than its
lease loses the save (the row is not touched; the refresh token it rotated is lost, which the
identity platform tolerates because a used refresh token stays valid, microsoft-graph.md §15.4);
its callers still get the access token it obtained, which is valid.

A failed refresh ahead of expiry does not fail the call while the stored token still has
`MIN_USABLE` left: the refresh is retried by the next caller.

This module commits its own short transactions: a refresh must persist even when the request
that triggered it fails, exactly like a job boundary.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import structlog

from openelements.elements.base import (
    AppCredentialsRejected,
    OAuthApp,
    OAuthFailure,
    ReauthenticationRequired,
    TokenGrant,
)
from openelements.elements.registry import ElementRegistry
from openelements.instances.provisioning import oauth_app
from openelements.instances.repository import InstanceRepository, TokenState, token_state_of
from openelements.instances.sealing import InstanceSealer
from openelements.kit.clock import Clock
from openelements.kit.db import Database
from openelements.kit.errors import Forbidden, ProviderError, Unauthorized
from openelements.kit.http import KeyedLimiter

__all__ = [
    "APP_CREDENTIALS_REJECTED",
    "REAUTHENTICATE",
    "AccessGrant",
    "TokenKeeper",
    "oauth_app_of",
]

log = structlog.get_logger(__name__)

REAUTHENTICATE = (
    "The element instance's provider credentials are no longer valid; re-authenticate the instance"
)
APP_CREDENTIALS_REJECTED = "The instance's OAuth application credentials were rejected"
# Below this much remaining life a stored token is not handed out when a refresh fails.
MIN_USABLE = dt.timedelta(seconds=30)
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class AccessGrant:
    """A usable provider access token for one instance, and the version it came from."""

    instance_id: int
    element_key: str
    mailbox: str
    access_token: str
    version: int
    expires_at: dt.datetime

    def __repr__(self) -> str:
        return f"AccessGrant(instance_id={self.instance_id}, version={self.version})"


@dataclass(frozen=True, slots=True)
class _Claimed:
    element_key: str
    app: OAuthApp
    refresh_token: str = field(repr=False)


async def oauth_app_of(
    repository: InstanceRepository, sealer: InstanceSealer, instance_id: int
) -> OAuthApp:
    """The customer's OAuth application as the instance's configuration names it."""
    values: dict[str, str] = {}
    for entry in await repository.configuration(instance_id):
        value = entry.value
        if entry.sealed:
            value = sealer.open_configuration(instance_id, entry.key, value)
        values[entry.key] = value
    return oauth_app(values)


class TokenKeeper:
    def __init__(
        self,
        *,
        database: Database,
        sealer: InstanceSealer,
        elements: ElementRegistry,
        clock: Clock,
        margin: dt.timedelta = dt.timedelta(minutes=5),
        lease: dt.timedelta = dt.timedelta(seconds=30),
        sleep: Sleep = asyncio.sleep,
        poll_seconds: float = 0.05,
    ) -> None:
        self._database = database
        self._sealer = sealer
        self._elements = elements
        self._clock = clock
        self._margin = margin
        self._lease = lease
        self._sleep = sleep
        self._poll_seconds = poll_seconds
        self._owner = uuid.uuid4().hex
        self._local = KeyedLimiter(limit=1)

    async def current(self, instance_id: int) -> AccessGrant:
        """A token good for at least the margin; refreshes first when it is not (D19).

        Refreshing ahead of expiry is a precaution: while another process holds the refresh
        lease, or when the refresh fails for a reason that may pass (identity platform
        unavailable, another holder too slow), a stored token that is still valid is used
        rather than delaying or failing a call that would succeed."""
        state = await self._read(instance_id)
        if self._is_fresh(state) or (self._is_usable(state) and self._leased_by_other(state)):
            return self._grant(state)  # another holder is refreshing: no need to wait for it
        try:
            return await self._refresh(instance_id, seen_version=state.credentials_version)
        except ProviderError:
            if not self._is_usable(state):
                raise
            log.warning("instance.refresh_deferred", instance_id=instance_id)
            return self._grant(state)

    async def renew(self, stale: AccessGrant) -> AccessGrant:
        """After the provider refused `stale` (401): a newer token, refreshing at most once."""
        return await self._refresh(stale.instance_id, seen_version=stale.version)

    async def refresh_idle(self, *, idle_for: dt.timedelta, limit: int) -> int:
        """Refresh instances nobody used for `idle_for`, so their refresh tokens never reach
        the identity platform's inactivity limit (90 days) and dead grants surface early
        (D29). Failures are per instance: an `invalid_grant` marks that instance invalid."""
        async with self._database.read_session() as session:
            due = await InstanceRepository(session).idle_instance_ids(
                idle_since=self._clock.now() - idle_for, limit=limit
            )
        refreshed = 0
        for instance_id in due:
            try:
                state = await self._read(instance_id)
                await self._refresh(instance_id, seen_version=state.credentials_version)
                refreshed += 1
            except (Unauthorized, Forbidden, ProviderError) as failure:
                log.info("instance.idle_refresh_failed", instance_id=instance_id, error=failure)
        return refreshed

    def _is_fresh(self, state: TokenState) -> bool:
        """Good for longer than the margin. The margin shrinks to half the token's lifetime
        for short-lived tokens, or every call would refresh."""
        expires = state.access_expires_at
        if state.access_token_sealed is None or expires is None:
            return False
        obtained = state.refreshed_at or state.created_at
        margin = min(self._margin, (expires - obtained) / 2)
        return expires - self._clock.now() > margin

    def _is_usable(self, state: TokenState) -> bool:
        """Still valid for `MIN_USABLE`, though maybe inside the refresh margin."""
        expires = state.access_expires_at
        if state.access_token_sealed is None or expires is None:
            return False
        return expires - self._clock.now() >= MIN_USABLE

    def _is_newer_and_fresh(self, state: TokenState, *, seen_version: int) -> bool:
        return state.credentials_version > seen_version and self._is_fresh(state)

    def _leased_by_other(self, state: TokenState) -> bool:
        lease_end = state.refreshing_until
        return (
            lease_end is not None
            and lease_end > self._clock.now()
            and state.refresh_owner != self._owner
        )

    def _grant(self, state: TokenState) -> AccessGrant:
        assert state.access_token_sealed is not None
        assert state.access_expires_at is not None
        token = self._sealer.open_provider_token(
            state.id, "access_token", state.access_token_sealed
        )
        return _grant_of(state, access_token=token, expires_at=state.access_expires_at)

    async def _read(self, instance_id: int) -> TokenState:
        async with self._database.read_session() as session:
            state = await InstanceRepository(session).token_state(instance_id)
        return _usable(state)

    async def _refresh(self, instance_id: int, *, seen_version: int) -> AccessGrant:
        async with self._local.hold(str(instance_id)):
            # Queued behind a refresh of this process: it may have done the work already.
            state = await self._read(instance_id)
            if self._is_newer_and_fresh(state, seen_version=seen_version):
                return self._grant(state)
            return await self._claim_and_refresh(instance_id, seen_version=seen_version)

    async def _claim_and_refresh(self, instance_id: int, *, seen_version: int) -> AccessGrant:
        deadline = self._clock.now() + self._lease * 2
        while True:
            outcome = await self._claim(instance_id, seen_version=seen_version)
            if isinstance(outcome, AccessGrant):
                return outcome
            if isinstance(outcome, _Claimed):
                return await self._refresh_claimed(instance_id, outcome)
            await self._await_lease(instance_id, seen_version=seen_version, deadline=deadline)

    async def _await_lease(
        self, instance_id: int, *, seen_version: int, deadline: dt.datetime
    ) -> None:
        """Poll with reads until the other holder saved or its lease ended, so a waiter takes
        no write lock (on SQLite, the whole database's) while the holder is on the network."""
        while True:
            if self._clock.now() > deadline:
                raise ProviderError("Provider server error: token refresh did not finish")
            await self._sleep(self._poll_seconds)
            state = await self._read(instance_id)
            if self._is_newer_and_fresh(state, seen_version=seen_version):
                return
            if not self._leased_by_other(state):
                return

    async def _claim(self, instance_id: int, *, seen_version: int) -> AccessGrant | _Claimed | None:
        """Step 1. A grant when someone else refreshed, a claim, or None while another holds
        the lease."""
        now = self._clock.now()
        async with self._database.transaction() as session:
            repository = InstanceRepository(session)
            instance = await repository.get(instance_id, for_update=True)
            state = _usable(None if instance is None else token_state_of(instance))
            assert instance is not None  # _usable refuses a missing row
            if self._is_newer_and_fresh(state, seen_version=seen_version):
                return self._grant(state)
            if self._leased_by_other(state):
                return None
            if instance.refresh_token_sealed is None:
                raise Unauthorized(REAUTHENTICATE)
            refresh_token = self._sealer.open_provider_token(
                instance.id, "refresh_token", instance.refresh_token_sealed
            )
            app = await oauth_app_of(repository, self._sealer, instance.id)
            instance.refresh_owner = self._owner
            instance.refreshing_until = now + self._lease
            return _Claimed(element_key=instance.element_key, app=app, refresh_token=refresh_token)

    async def _refresh_claimed(self, instance_id: int, claimed: _Claimed) -> AccessGrant:
        """Steps 2 and 3."""
        element = self._elements.get(claimed.element_key)
        try:
            grant = await element.refresh(claimed.app, claimed.refresh_token)
        except ReauthenticationRequired as failure:
            await self._invalidate(instance_id, failure)
            raise Unauthorized(REAUTHENTICATE, provider_message=failure.provider_message) from None
        except OAuthFailure as failure:
            await self._release(instance_id)
            raise _refresh_error(failure) from None
        except BaseException:
            await self._release(instance_id)
            raise
        return await self._save(instance_id, grant)

    async def _save(self, instance_id: int, grant: TokenGrant) -> AccessGrant:
        now = self._clock.now()
        access = self._sealer.seal_provider_token(instance_id, "access_token", grant.access_token)
        refresh = None
        if grant.refresh_token is not None:
            refresh = self._sealer.seal_provider_token(
                instance_id, "refresh_token", grant.refresh_token
            )
        async with self._database.transaction() as session:
            saved = await InstanceRepository(session).store_tokens(
                instance_id,
                owner=self._owner,
                access_token_sealed=access,
                refresh_token_sealed=refresh,
                expires_at=grant.expires_at,
                now=now,
            )
        log.info("instance.token_refreshed", instance_id=instance_id, saved=saved)
        state = await self._read(instance_id)
        if saved:
            return self._grant(state)
        # Lease lost to another holder: the stored token may still be the old one, but the
        # one just obtained is valid either way (microsoft-graph.md §15.4).
        log.warning("instance.refresh_lease_lost", instance_id=instance_id)
        return _grant_of(state, access_token=grant.access_token, expires_at=grant.expires_at)

    async def _invalidate(self, instance_id: int, failure: OAuthFailure) -> None:
        log.warning("instance.invalidated", instance_id=instance_id, code=failure.code)
        async with self._database.transaction() as session:
            await InstanceRepository(session).mark_invalid(
                instance_id,
                reason=failure.provider_message,
                owner=self._owner,
                now=self._clock.now(),
            )

    async def mark_rejected(self, instance_id: int, *, reason: str | None) -> None:
        """D29: the provider refused a token right after a successful refresh."""
        async with self._database.transaction() as session:
            await InstanceRepository(session).mark_invalid(
                instance_id, reason=reason, owner=None, now=self._clock.now()
            )

    async def _release(self, instance_id: int) -> None:
        async with self._database.transaction() as session:
            await InstanceRepository(session).release_lease(instance_id, owner=self._owner)


def _usable(state: TokenState | None) -> TokenState:
    """The states in which no provider call may be made (spec §3.4, D29)."""
    if state is None:
        raise Unauthorized("Invalid element token")
    if state.disabled:
        raise Forbidden("Element instance is disabled")
    if not state.valid:
        raise Unauthorized(REAUTHENTICATE, provider_message=state.invalid_reason)
    return state


def _grant_of(state: TokenState, *, access_token: str, expires_at: dt.datetime) -> AccessGrant:
    return AccessGrant(
        instance_id=state.id,
        element_key=state.element_key,
        mailbox=state.mailbox or f"instance:{state.id}",
        access_token=access_token,
        version=state.credentials_version,
        expires_at=expires_at,
    )


def _refresh_error(failure: OAuthFailure) -> Unauthorized | ProviderError:
    """D79: refresh failures other than invalid_grant."""
    if isinstance(failure, AppCredentialsRejected):
        return Unauthorized(APP_CREDENTIALS_REJECTED, provider_message=failure.provider_message)
    return ProviderError("Provider server error", provider_message=failure.provider_message)
