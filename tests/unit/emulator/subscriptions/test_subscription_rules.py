from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from msgraph_emulator.changes import ChangeEvent
from msgraph_emulator.errors import GraphError
from msgraph_emulator.subscriptions import (
    Subscription,
    SubscriptionStore,
    check_client_state,
    check_options,
    check_url,
    parse_change_types,
    parse_expiration,
    parse_resource,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("resource", "user", "calendar"),
    [
        ("/me/events", None, None),
        ("me/events", None, None),
        ("/users/abc/events", "abc", None),
        ("Users/abc@contoso.com/Events", "abc@contoso.com", None),
        ("/me/calendars/CAL1=/events", None, "CAL1="),
        ("/users/abc/calendars/CAL1/events", "abc", "CAL1"),
    ],
)
def test_event_resources_are_accepted(
    resource: str, user: str | None, calendar: str | None
) -> None:
    target = parse_resource(resource)
    assert (target.user_key, target.calendar_id) == (user, calendar)


@pytest.mark.parametrize(
    "resource", ["/me/messages", "/me/events?$top=2", "/me/contacts", "", "/me/events/abc"]
)
def test_other_resources_are_refused(resource: str) -> None:
    with pytest.raises(GraphError) as caught:
        parse_resource(resource)
    assert caught.value.status == 400
    assert caught.value.code == "InvalidRequest"


def test_change_types_are_normalised() -> None:
    assert parse_change_types("Deleted, created") == ("created", "deleted")
    with pytest.raises(GraphError):
        parse_change_types("created,moved")
    with pytest.raises(GraphError):
        parse_change_types("")


@pytest.mark.parametrize(
    ("url", "allow_http", "accepted"),
    [
        ("https://hooks.example.com/x?a=1", False, True),
        ("http://127.0.0.1:9000/hook", False, True),
        ("http://localhost/hook", False, True),
        ("http://hooks.example.com/hook", False, False),
        ("http://hooks.example.com/hook", True, True),
        ("ftp://127.0.0.1/hook", True, False),
        ("not a url", False, False),
        ("https://[::1", False, False),  # urlsplit raises on these: a 400, not a 500
        ("http://[zz]/hook", True, False),
    ],
)
def test_notification_url_scheme_rules(url: str, allow_http: bool, accepted: bool) -> None:
    if accepted:
        assert check_url(url, name="notificationUrl", allow_http=allow_http) == url
    else:
        with pytest.raises(GraphError):
            check_url(url, name="notificationUrl", allow_http=allow_http)


def test_expiration_must_be_within_the_maximum_lifetime() -> None:
    ok = parse_expiration("2026-03-03T18:15:00.0000000Z", now=NOW, max_minutes=10080)
    assert ok == datetime(2026, 3, 3, 18, 15, tzinfo=UTC)
    with pytest.raises(GraphError) as too_far:
        parse_expiration("2026-03-09T12:00:01Z", now=NOW, max_minutes=10080)
    assert "10080 minutes" in too_far.value.message
    with pytest.raises(GraphError):
        parse_expiration("2026-03-01T11:59:59Z", now=NOW, max_minutes=10080)
    with pytest.raises(GraphError):
        parse_expiration("tomorrow", now=NOW, max_minutes=10080)


def test_client_state_is_optional_but_bounded() -> None:
    assert check_client_state(None) is None
    assert check_client_state("x" * 128) == "x" * 128
    with pytest.raises(GraphError):
        check_client_state("x" * 129)


def test_rich_notifications_and_unknown_tls_are_refused() -> None:
    assert check_options({}) == "v1_2"
    with pytest.raises(GraphError):
        check_options({"includeResourceData": True})
    with pytest.raises(GraphError):
        check_options({"latestSupportedTlsVersion": "v2_0"})


def subscription(**overrides: object) -> Subscription:
    values: dict[str, object] = {
        "id": "s1",
        "resource": "/me/events",
        "change_types": ("created", "updated"),
        "notification_url": "http://127.0.0.1:1/hook",
        "expiration": NOW + timedelta(hours=1),
        "user_id": "u1",
        "application_id": "app",
        "creator_id": "u1",
        "tenant_id": "t1",
    }
    values.update(overrides)
    return Subscription(**values)  # type: ignore[arg-type]


def change(**overrides: object) -> ChangeEvent:
    values: dict[str, object] = {
        "user_id": "u1",
        "kind": "event",
        "change_type": "created",
        "item_id": "e1",
        "calendar_id": "c1",
        "seq": 1,
        "at": NOW,
    }
    values.update(overrides)
    return ChangeEvent(**values)  # type: ignore[arg-type]


def test_subscription_matches_its_mailbox_change_types_and_calendar() -> None:
    mailbox_wide = subscription()
    assert mailbox_wide.matches(change())
    assert not mailbox_wide.matches(change(change_type="deleted"))
    assert not mailbox_wide.matches(change(user_id="u2"))
    assert not mailbox_wide.matches(change(kind="contact"))
    one_calendar = subscription(calendar_id="c2")
    assert not one_calendar.matches(change())
    assert one_calendar.matches(change(calendar_id="c2"))


def test_store_sweeps_expired_subscriptions() -> None:
    store = SubscriptionStore()
    store.add(subscription(id="a", expiration=NOW))
    store.add(subscription(id="b"))
    assert [s.id for s in store.sweep(NOW)] == ["a"]
    assert [s.id for s in store.all()] == ["b"]
    assert store.count_for_user("u1") == 1


def test_subscription_state_round_trips() -> None:
    original = subscription(client_state="abc", lifecycle_notification_url="https://x/y")
    assert Subscription.from_state(original.to_state()) == original
    rendered = original.to_json()
    assert rendered["changeType"] == "created,updated"
    assert rendered["expirationDateTime"] == "2026-03-01T13:00:00Z"
