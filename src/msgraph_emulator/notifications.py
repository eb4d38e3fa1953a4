"""Change notifications: the service that delivers them and `/v1.0/subscriptions` (spec §10).

`NotificationService` (one per emulator, `service_for(emulator)`) owns the subscription store,
the delivery log and the scheduler. It listens on `emulator.change_listeners`: a change to a
subscribed resource becomes one POST per notification URL holding one item per matching
subscription (G25). Outbound HTTP runs on the service's own task, which owns the one aiohttp
`ClientSession`; the task starts with the first request that needs it and closes the session
when it is cancelled (the server's loop cancels it at shutdown), so no change ever waits for
a receiver.

Lifecycle (G27): `reauthorizationRequired`, `subscriptionRemoved` and `missed` on demand
(control API); `subscriptionRemoved` by itself when the refresh tokens behind a subscription
are revoked; with `lifecycleAuto`, `reauthorizationRequired` from one hour before expiry,
every 15 minutes, with change notifications paused until the subscription is renewed.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

import aiohttp
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from msgraph_emulator import delta
from msgraph_emulator.auth import principal_of, require_scope
from msgraph_emulator.changes import ChangeEvent
from msgraph_emulator.delivery import (
    AiohttpSender,
    DeliveryLog,
    DeliveryScheduler,
    RetryPolicy,
    SendResult,
    validate_endpoint,
)
from msgraph_emulator.errors import GraphError
from msgraph_emulator.subscriptions import (
    VALIDATION_FAILED_MESSAGE,
    Subscription,
    SubscriptionLimits,
    SubscriptionStore,
    change_item,
    check_url,
    invalid,
    lifecycle_item,
    new_subscription,
    parse_expiration,
)

if TYPE_CHECKING:
    from msgraph_emulator.emulator import Emulator

CONNECTOR_LIMIT = 64
SUBSCRIPTION_NOT_FOUND = "The object was not found."  # our wording
CAP_MESSAGE = "The maximum number of subscriptions for this mailbox has been reached."
REAUTHORIZE_LEAD = timedelta(hours=1)
REAUTHORIZE_EVERY = timedelta(minutes=15)


@dataclass
class LifecycleState:
    revoked_at_creation: int = 0
    last_reauthorization: datetime | None = None
    paused: bool = False


class NotificationService:
    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.store = SubscriptionStore()
        self.log = DeliveryLog()
        self.scheduler = DeliveryScheduler(
            clock=emulator.clock,
            sender=self,
            log=self.log,
            policy=self._policy,
            timeout_seconds=lambda: emulator.settings.notification_timeout_seconds,
        )
        self._lifecycle: dict[str, LifecycleState] = {}
        # Called when state worth persisting changes: subscriptions added, renewed or removed,
        # delta tokens expired (the state file listens).
        self.persist_hooks: list[Callable[[], None]] = []
        self._sender: AiohttpSender | None = None
        self._task: asyncio.Task[None] | None = None
        self._ready: asyncio.Event | None = None
        emulator.change_listeners.append(self.on_change)
        emulator.reset_listeners.append(self.on_reset)

    # -- the outbound machinery -------------------------------------------------------------

    def ensure_running(self) -> None:
        """Start the service task on the running loop unless it is alive already (a no-op
        outside any loop). A task alive on another loop stays there: that is the server's,
        and code on another thread's loop (a test seeding state) must not move it."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        if self._serving_loop() is None:
            self._ready = asyncio.Event()
            self._task = loop.create_task(self._serve(self._ready))

    def _serving_loop(self) -> asyncio.AbstractEventLoop | None:
        task = self._task
        if task is None or task.done() or task.get_loop().is_closed():
            return None
        return task.get_loop()

    async def started(self) -> None:
        """The service task runs on this loop and its session is open."""
        self.ensure_running()
        assert self._ready is not None
        await self._ready.wait()

    async def _serve(self, ready: asyncio.Event) -> None:
        connector = aiohttp.TCPConnector(limit=CONNECTOR_LIMIT)
        async with aiohttp.ClientSession(connector=connector) as session:
            self._sender = AiohttpSender(session)
            ready.set()
            try:
                await self.scheduler.run(on_tick=self.tick)
            finally:
                self._sender = None
                await self.scheduler.cancel_in_flight()

    async def post(
        self, url: str, *, body: bytes, content_type: str, timeout_seconds: float
    ) -> SendResult:
        """The scheduler's sender: the session of the running service task."""
        if self._sender is None:
            return SendResult(status=None, elapsed_ms=0.0, error="service not running")
        return await self._sender.post(
            url, body=body, content_type=content_type, timeout_seconds=timeout_seconds
        )

    def _policy(self) -> RetryPolicy:
        settings = self.emulator.settings
        return RetryPolicy(
            compression=settings.notification_time_compression,
            period_seconds=settings.notification_retry_period_seconds,
        )

    # -- subscriptions ----------------------------------------------------------------------

    def add(self, subscription: Subscription) -> None:
        self.store.add(subscription)
        revoked = self._revoked_grants(subscription)
        self._lifecycle[subscription.id] = LifecycleState(revoked_at_creation=revoked)
        self.state_changed()

    def remove(self, subscription_id: str) -> Subscription | None:
        self._lifecycle.pop(subscription_id, None)
        removed = self.store.remove(subscription_id)
        self.state_changed()
        return removed

    def renewed(self, subscription: Subscription) -> None:
        """PATCH or reauthorize: notifications flow again; the next reminder (if the
        subscription still ends within the hour) comes 15 minutes from now."""
        state = self._state(subscription)
        state.paused = False
        state.last_reauthorization = self.emulator.clock.now()
        self.state_changed()

    def sweep(self) -> None:
        """Drop expired subscriptions; also (re)starts the service on the running loop, so
        subscriptions restored from a state file are served once requests arrive."""
        if self.store.all():
            self.ensure_running()
        expired = self.store.sweep(self.emulator.clock.now())
        for gone in expired:
            self._lifecycle.pop(gone.id, None)
        if expired:
            self.state_changed()

    def state_changed(self) -> None:
        for hook in list(self.persist_hooks):
            hook()

    def _state(self, subscription: Subscription) -> LifecycleState:
        return self._lifecycle.setdefault(subscription.id, LifecycleState())

    # -- what changes and time do -----------------------------------------------------------

    def on_change(self, change: ChangeEvent) -> None:
        """Only queues deliveries: the request that made the change never waits. A change
        made on another thread (a test seeding the mailbox directly) is queued on the
        service's loop, never beside the delivery task that may be sending that batch."""
        etag = self._etag(change)
        loop = self._serving_loop()
        if loop is not None and not _running_on(loop):
            loop.call_soon_threadsafe(self._queue_change, change, etag)
            return
        self._queue_change(change, etag)

    def _queue_change(self, change: ChangeEvent, etag: str | None) -> None:
        self.sweep()
        by_url: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for subscription in self.store.matching(change):
            if not self._state(subscription).paused:
                item = change_item(subscription, change, etag=etag)
                by_url[subscription.notification_url].append(item)
        window = self.emulator.settings.notification_batch_window_ms / 1000
        for url, items in by_url.items():
            self.scheduler.enqueue(
                kind="notification", url=url, items=items, batch_window_seconds=window
            )

    def _etag(self, change: ChangeEvent) -> str | None:
        mailbox = self.emulator.mailboxes.get(change.user_id)
        event = mailbox.find_event(change.item_id) if mailbox is not None else None
        return f'W/"{event.change_key}"' if event is not None else None

    def tick(self) -> None:
        """Runs on the service task every poll (50 ms): one pass over the grants, however
        many subscriptions there are."""
        self.sweep()
        subscriptions = self.store.all()
        revoked = self._revoked_counts() if subscriptions else Counter[tuple[str, str]]()
        for subscription in subscriptions:
            key = (subscription.user_id, subscription.application_id)
            if revoked[key] > self._state(subscription).revoked_at_creation:
                self.send_lifecycle(subscription, "subscriptionRemoved")
            elif self.emulator.settings.lifecycle_auto:
                self._remind(subscription)

    def _remind(self, subscription: Subscription) -> None:
        """G27 automatic mode: from an hour before expiry, every 15 minutes, and pause."""
        if subscription.lifecycle_notification_url is None:
            return
        now, state = self.emulator.clock.now(), self._state(subscription)
        if subscription.expiration - now > REAUTHORIZE_LEAD:
            return
        last = state.last_reauthorization
        if last is None or now - last >= REAUTHORIZE_EVERY:
            state.last_reauthorization = now
            state.paused = True
            self.send_lifecycle(subscription, "reauthorizationRequired")

    def _revoked_grants(self, subscription: Subscription) -> int:
        return self._revoked_counts()[(subscription.user_id, subscription.application_id)]

    def _revoked_counts(self) -> Counter[tuple[str, str]]:
        """Revoked refresh grants per (user id, client id)."""
        # A copy taken in one step: tests add grants from their own thread meanwhile.
        grants = list(self.emulator.directory.grants.refresh.values())
        return Counter((g.user_id, g.client_id) for g in grants if g.revoked)

    def send_lifecycle(self, subscription: Subscription, event: str) -> bool:
        """Queue a lifecycle notification (False without a lifecycle URL);
        `subscriptionRemoved` also ends the subscription, as Graph does."""
        if event == "subscriptionRemoved":
            self.remove(subscription.id)
        url = subscription.lifecycle_notification_url
        if url is None:
            return False
        item = lifecycle_item(subscription, event)
        self.scheduler.enqueue(kind="lifecycle", url=url, items=[item])
        return True

    def on_reset(self) -> None:
        self.store.clear()
        self.log.clear()
        self._lifecycle.clear()


def _running_on(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


_services: WeakKeyDictionary[Emulator, NotificationService] = WeakKeyDictionary()


def service_for(emulator: Emulator) -> NotificationService:
    service = _services.get(emulator)
    if service is None:
        service = _services[emulator] = NotificationService(emulator)
    return service


# --- /v1.0/subscriptions -----------------------------------------------------------------


async def create_subscription(request: Request) -> Response:
    require_scope(request, False)
    emulator: Emulator = request.app.state.emulator
    service = service_for(emulator)
    settings = emulator.settings
    subscription = new_subscription(
        await _json_object(request),
        principal=principal_of(request),
        directory=emulator.directory,
        mailbox_of=emulator.ensure_mailbox,
        limits=SubscriptionLimits(
            max_lifetime_minutes=settings.subscription_max_lifetime_minutes,
            allow_http=settings.notification_allow_http,
        ),
        now=emulator.clock.now(),
    )
    _check_cap(service, subscription)
    for url in subscription.endpoints():
        await _validate(service, url)
    _check_cap(service, subscription)  # again: other creations went on during the handshake
    service.add(subscription)
    return _answer(request, subscription, status=201)


def _check_cap(service: NotificationService, subscription: Subscription) -> None:
    service.sweep()
    cap = service.emulator.settings.subscriptions_per_mailbox
    if service.store.count_for_user(subscription.user_id) >= cap:
        raise GraphError(403, "ExtensionError", CAP_MESSAGE)  # G22


async def list_subscriptions(request: Request) -> Response:
    require_scope(request, False)
    service = service_for(request.app.state.emulator)
    service.sweep()
    principal = principal_of(request)
    mine = [s for s in service.store.all() if s.visible_to(principal)]
    body = {
        "@odata.context": f"{_origin(request)}/v1.0/$metadata#subscriptions",
        "value": [s.to_json() for s in mine],
    }
    return JSONResponse(body)


async def get_subscription(request: Request) -> Response:
    return _answer(request, _own_subscription(request))


async def update_subscription(request: Request) -> Response:
    """Renewal (G24 bounds); a new `notificationUrl` is validated again (G23)."""
    subscription = _own_subscription(request)
    emulator: Emulator = request.app.state.emulator
    document = await _json_object(request)
    if "lifecycleNotificationUrl" in document:
        raise invalid(
            "The 'lifecycleNotificationUrl' can only be set when a subscription is created."
        )
    settings, now = emulator.settings, emulator.clock.now()
    expiration = subscription.expiration
    if "expirationDateTime" in document:
        expiration = parse_expiration(
            document["expirationDateTime"],
            now=now,
            max_minutes=settings.subscription_max_lifetime_minutes,
        )
    url = subscription.notification_url
    if "notificationUrl" in document and document["notificationUrl"] != url:
        url = check_url(
            document["notificationUrl"],
            name="notificationUrl",
            allow_http=settings.notification_allow_http,
        )
        await _validate(service_for(emulator), url)
    subscription.expiration, subscription.notification_url = expiration, url
    service_for(emulator).renewed(subscription)
    return _answer(request, subscription)


async def delete_subscription(request: Request) -> Response:
    subscription = _own_subscription(request)
    service_for(request.app.state.emulator).remove(subscription.id)
    return Response(status_code=204)


async def reauthorize_subscription(request: Request) -> Response:
    subscription = _own_subscription(request)
    service_for(request.app.state.emulator).renewed(subscription)
    return Response(status_code=204)


async def _validate(service: NotificationService, url: str) -> None:
    await service.started()
    settings = service.emulator.settings
    passed = await validate_endpoint(
        service,
        url,
        timeout_seconds=settings.subscription_validation_timeout_seconds,
        log=service.log,
        now=service.emulator.clock.now(),
    )
    if not passed:
        raise invalid(VALIDATION_FAILED_MESSAGE)  # G22


def _own_subscription(request: Request) -> Subscription:
    require_scope(request, False)
    service = service_for(request.app.state.emulator)
    service.sweep()  # an expired subscription is gone: 404 (spec §10.3)
    found = service.store.get(str(request.path_params["subscription_id"]))
    if found is None or not found.visible_to(principal_of(request)):
        raise GraphError(404, "ResourceNotFound", SUBSCRIPTION_NOT_FOUND)
    return found


def _answer(request: Request, subscription: Subscription, *, status: int = 200) -> Response:
    body = {
        "@odata.context": f"{_origin(request)}/v1.0/$metadata#subscriptions/$entity",
        **subscription.to_json(),
    }
    return JSONResponse(body, status_code=status)


def _origin(request: Request) -> str:
    return str(request.app.state.emulator.origin).rstrip("/")


async def _json_object(request: Request) -> dict[str, Any]:
    try:
        document = json.loads(await request.body() or b"{}")
    except ValueError:
        document = None
    if not isinstance(document, dict):
        raise GraphError(400, "BadRequest", "The request body must be a JSON object.")
    return document


def routes() -> list[BaseRoute]:
    """Delta and subscription routes, relative to the `/v1.0` mount."""
    return [
        *delta.routes(),
        Route("/subscriptions", create_subscription, methods=["POST"]),
        Route("/subscriptions", list_subscriptions, methods=["GET"]),
        Route("/subscriptions/{subscription_id}", get_subscription, methods=["GET"]),
        Route("/subscriptions/{subscription_id}", update_subscription, methods=["PATCH"]),
        Route("/subscriptions/{subscription_id}", delete_subscription, methods=["DELETE"]),
        Route(
            "/subscriptions/{subscription_id}/reauthorize",
            reauthorize_subscription,
            methods=["POST"],
        ),
    ]
