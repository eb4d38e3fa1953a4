"""Change-notification subscriptions: the model, the rules a new one must pass, the store.

Rules (spec §10.1, G21, G22, G24): event resources only (`/me/events`,
`/users/{id}/events`, and the same under `/calendars/{id}` or `/calendar`); `changeType` a
comma-separated subset of created/updated/deleted; notification and lifecycle URLs https, or
http on loopback (or anywhere when the emulator allows http, as in demo mode);
`expirationDateTime` in the future and at most the maximum lifetime away; `clientState` up to
128 characters and optional; no rich notifications. The validation handshake is not done here
(it needs the network); see `delivery.validate_endpoint`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote, urlsplit

from msgraph_emulator.auth import ACCESS_DENIED, ME_ALIAS, Principal
from msgraph_emulator.changes import ChangeEvent
from msgraph_emulator.directory import Directory, User
from msgraph_emulator.errors import GraphError
from msgraph_emulator.graph.mailbox import Mailbox
from msgraph_emulator.graph.wire_time import WireTimeError, parse_offset

CHANGE_TYPES = ("created", "updated", "deleted")
LIFECYCLE_EVENTS = ("reauthorizationRequired", "subscriptionRemoved", "missed")
EVENT_TYPE = "#Microsoft.Graph.Event"  # G25
TLS_VERSIONS = ("v1_0", "v1_1", "v1_2", "v1_3")
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
MAX_CLIENT_STATE = 128
NOT_FOUND_IN_STORE = "The specified object was not found in the store."
VALIDATION_FAILED_MESSAGE = (
    "Subscription validation request failed. Notification endpoint must respond with "
    "200 OK to validation request."
)

_RESOURCE = re.compile(
    r"^/?(?:(?P<me>me)|users/(?P<user>[^/]+))"
    r"(?:/calendars/(?P<calendar>.+)|/(?P<default>calendar))?/events/?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ResourceTarget:
    """What a subscription's `resource` designates: `me` or a user key, and a calendar scope."""

    user_key: str | None  # None for /me
    calendar_id: str | None
    default_calendar: bool = False


@dataclass
class Subscription:
    id: str
    resource: str
    change_types: tuple[str, ...]
    notification_url: str
    expiration: datetime
    user_id: str
    application_id: str
    creator_id: str
    tenant_id: str
    calendar_id: str | None = None
    client_state: str | None = None
    lifecycle_notification_url: str | None = None
    latest_supported_tls_version: str = "v1_2"
    created_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def matches(self, change: ChangeEvent) -> bool:
        return (
            change.kind == "event"
            and change.user_id == self.user_id
            and change.change_type in self.change_types
            and (self.calendar_id is None or change.calendar_id == self.calendar_id)
        )

    def endpoints(self) -> list[str]:
        """The URLs the validation handshake must pass (spec §10.2)."""
        lifecycle = self.lifecycle_notification_url
        return [self.notification_url] + ([lifecycle] if lifecycle is not None else [])

    def visible_to(self, principal: Principal) -> bool:
        """The app that made it sees it; a delegated caller only in its own mailbox."""
        same_app = self.application_id == principal.app_id
        return same_app and (principal.user is None or self.user_id == principal.user.id)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "resource": self.resource,
            "applicationId": self.application_id,
            "changeType": ",".join(self.change_types),
            "clientState": self.client_state,
            "notificationUrl": self.notification_url,
            "notificationQueryOptions": None,
            "lifecycleNotificationUrl": self.lifecycle_notification_url,
            "expirationDateTime": format_expiration(self.expiration),
            "creatorId": self.creator_id,
            "includeResourceData": None,
            "latestSupportedTlsVersion": self.latest_supported_tls_version,
            "encryptionCertificate": None,
            "encryptionCertificateId": None,
            "notificationUrlAppId": None,
            "notificationContentType": None,
        }

    def to_state(self) -> dict[str, Any]:
        """Everything needed to rebuild it from a state file."""
        return {
            **self.to_json(),
            "userId": self.user_id,
            "tenantId": self.tenant_id,
            "calendarId": self.calendar_id,
            "createdAt": self.created_at.isoformat() if self.created_at else None,
        }

    @classmethod
    def from_state(cls, document: Mapping[str, Any]) -> Subscription:
        created = document.get("createdAt")
        return cls(
            id=str(document["id"]),
            resource=str(document["resource"]),
            change_types=tuple(str(document["changeType"]).split(",")),
            notification_url=str(document["notificationUrl"]),
            expiration=parse_offset(str(document["expirationDateTime"])),
            user_id=str(document["userId"]),
            application_id=str(document["applicationId"]),
            creator_id=str(document["creatorId"]),
            tenant_id=str(document["tenantId"]),
            calendar_id=document.get("calendarId"),
            client_state=document.get("clientState"),
            lifecycle_notification_url=document.get("lifecycleNotificationUrl"),
            latest_supported_tls_version=str(document.get("latestSupportedTlsVersion", "v1_2")),
            created_at=datetime.fromisoformat(created) if created else None,
        )


def format_expiration(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def invalid(message: str) -> GraphError:
    return GraphError(400, "InvalidRequest", message)


def parse_resource(resource: object) -> ResourceTarget:
    if not isinstance(resource, str) or not resource:
        raise invalid("The 'resource' property is required.")
    if "?" in resource:
        # G22: query options on the resource are not emulated; refuse rather than ignore them.
        raise invalid("Query options on the subscription resource are not supported.")
    match = _RESOURCE.match(resource.strip())
    if match is None:
        raise invalid(f"Resource '{resource}' is not supported for subscriptions.")
    calendar = match["calendar"]
    return ResourceTarget(
        user_key=match["user"],
        # Ids may hold "/" (spec §1): taken whole up to "/events", percent-decoded.
        calendar_id=unquote(calendar) if calendar is not None else None,
        default_calendar=match["default"] is not None,
    )


def parse_change_types(value: object) -> tuple[str, ...]:
    if not isinstance(value, str) or not value.strip():
        raise invalid("The 'changeType' property is required.")
    parts = [p.strip().lower() for p in value.split(",")]
    unknown = [p for p in parts if p not in CHANGE_TYPES]
    if unknown:
        raise invalid(f"Invalid 'changeType' value '{unknown[0]}'.")
    return tuple(t for t in CHANGE_TYPES if t in parts)


def check_url(value: object, *, name: str, allow_http: bool) -> str:
    if not isinstance(value, str) or not value:
        raise invalid(f"The '{name}' property is required.")
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:  # e.g. an unclosed or invalid IPv6 literal
        host = None
    if host and parts.scheme == "https":
        return value
    loopback = (host or "") in LOOPBACK_HOSTS
    if host and parts.scheme == "http" and (loopback or allow_http):
        return value  # G22
    raise invalid(f"The '{name}' must be an https URL.")


def parse_expiration(value: object, *, now: datetime, max_minutes: float) -> datetime:
    """G22/G24: in the future and no further away than the maximum lifetime."""
    if not isinstance(value, str):
        raise invalid("The 'expirationDateTime' property is required.")
    try:
        moment = parse_offset(value)
    except WireTimeError as exc:
        raise invalid(f"Cannot parse expirationDateTime '{value}'.") from exc
    if moment <= now or moment > now + timedelta(minutes=max_minutes):
        raise invalid(f"Subscription expiration can only be {max_minutes:g} minutes in the future.")
    return moment


def check_client_state(value: object) -> str | None:
    if value is None:
        return None  # G21
    if not isinstance(value, str) or len(value) > MAX_CLIENT_STATE:
        raise invalid(
            f"The 'clientState' must be a string of at most {MAX_CLIENT_STATE} characters."
        )
    return value


def check_options(document: Mapping[str, Any]) -> str:
    """Refuse what is not emulated; return the TLS version."""
    if document.get("includeResourceData") is True:
        raise invalid("Rich notifications (includeResourceData) are not supported.")  # G22
    tls = document.get("latestSupportedTlsVersion") or "v1_2"
    if tls not in TLS_VERSIONS:
        raise invalid(f"Invalid 'latestSupportedTlsVersion' value '{tls}'.")
    return str(tls)


def subscribed_user(principal: Principal, user_key: str | None, *, directory: Directory) -> User:
    """`/me` needs a delegated token (G02); a delegated token subscribes to its own mailbox."""
    if user_key is None or user_key.casefold() == ME_ALIAS:
        if principal.user is None:
            raise GraphError(
                400, "BadRequest", "/me request is only valid with delegated authentication flow."
            )
        return principal.user
    user = directory.user_by_id_or_upn(user_key)
    if user is None:
        raise GraphError(404, "ErrorInvalidUser", f"The requested user '{user_key}' is invalid.")
    if principal.user is not None and principal.user.id != user.id:
        raise GraphError(403, "ErrorAccessDenied", ACCESS_DENIED)
    return user


def calendar_scope(mailbox: Mailbox, target: ResourceTarget) -> str | None:
    """None for the whole mailbox, else the id of the (existing) calendar named."""
    if target.default_calendar:
        return mailbox.default_calendar.id
    if target.calendar_id is None:
        return None
    if target.calendar_id not in mailbox.calendars:
        raise GraphError(404, "ErrorItemNotFound", NOT_FOUND_IN_STORE)
    return target.calendar_id


@dataclass(frozen=True)
class SubscriptionLimits:
    max_lifetime_minutes: float
    allow_http: bool


def new_subscription(
    document: Mapping[str, Any],
    *,
    principal: Principal,
    directory: Directory,
    mailbox_of: Callable[[User], Mailbox],
    limits: SubscriptionLimits,
    now: datetime,
) -> Subscription:
    """A subscription from a POST body, every rule but the cap and the handshake applied."""
    target = parse_resource(document.get("resource"))
    user = subscribed_user(principal, target.user_key, directory=directory)
    lifecycle_url = document.get("lifecycleNotificationUrl")
    if lifecycle_url is not None:
        lifecycle_url = check_url(
            lifecycle_url, name="lifecycleNotificationUrl", allow_http=limits.allow_http
        )
    return Subscription(
        id=str(uuid.uuid4()),
        resource=str(document["resource"]),
        change_types=parse_change_types(document.get("changeType")),
        notification_url=check_url(
            document.get("notificationUrl"), name="notificationUrl", allow_http=limits.allow_http
        ),
        expiration=parse_expiration(
            document.get("expirationDateTime"), now=now, max_minutes=limits.max_lifetime_minutes
        ),
        user_id=user.id,
        application_id=principal.app_id,
        creator_id=principal.user.id if principal.user else principal.app_id,
        tenant_id=directory.tenant_id,
        calendar_id=calendar_scope(mailbox_of(user), target),
        client_state=check_client_state(document.get("clientState")),
        lifecycle_notification_url=lifecycle_url,
        latest_supported_tls_version=check_options(document),
        created_at=now,
    )


class SubscriptionStore:
    """The emulator's live subscriptions; expired ones are removed by `sweep`."""

    def __init__(self) -> None:
        self._by_id: dict[str, Subscription] = {}

    def add(self, subscription: Subscription) -> None:
        self._by_id[subscription.id] = subscription

    def get(self, subscription_id: str) -> Subscription | None:
        return self._by_id.get(subscription_id)

    def remove(self, subscription_id: str) -> Subscription | None:
        return self._by_id.pop(subscription_id, None)

    def all(self) -> list[Subscription]:
        return list(self._by_id.values())

    def count_for_user(self, user_id: str) -> int:
        return sum(1 for s in self._by_id.values() if s.user_id == user_id)

    def matching(self, change: ChangeEvent) -> list[Subscription]:
        return [s for s in self._by_id.values() if s.matches(change)]

    def sweep(self, now: datetime) -> list[Subscription]:
        """Remove and return the subscriptions that expired by `now` (Graph deletes them)."""
        expired = [s for s in self._by_id.values() if s.expiration <= now]
        for subscription in expired:
            del self._by_id[subscription.id]
        return expired

    def clear(self) -> None:
        self._by_id.clear()

    def replace_all(self, subscriptions: Iterable[Subscription]) -> None:
        self._by_id = {s.id: replace(s) for s in subscriptions}


def change_item(
    subscription: Subscription, change: ChangeEvent, *, etag: str | None
) -> dict[str, Any]:
    """One `value[]` entry (spec §10.4, G25)."""
    resource = f"Users/{change.user_id}/Events/{change.item_id}"
    resource_data: dict[str, Any] = {"@odata.type": EVENT_TYPE, "@odata.id": resource}
    if etag is not None:
        resource_data["@odata.etag"] = etag
    resource_data["id"] = change.item_id
    item: dict[str, Any] = {
        "subscriptionId": subscription.id,
        "subscriptionExpirationDateTime": subscription.expiration.isoformat(),
        "changeType": change.change_type,
        "resource": resource,
        "resourceData": resource_data,
        "tenantId": subscription.tenant_id,
    }
    if subscription.client_state is not None:
        item["clientState"] = subscription.client_state
    return item


def lifecycle_item(subscription: Subscription, event: str) -> dict[str, Any]:
    """Spec §10.6."""
    item: dict[str, Any] = {
        "subscriptionId": subscription.id,
        "subscriptionExpirationDateTime": subscription.expiration.strftime(
            "%Y-%m-%dT%H:%M:%S.0000000Z"
        ),
        "tenantId": subscription.tenant_id,
        "lifecycleEvent": event,
    }
    if subscription.client_state is not None:
        item["clientState"] = subscription.client_state
    return item
