"""Clock, settings, throttle, fault table, request log, error envelope and directory."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from msgraph_emulator.clock import Clock
from msgraph_emulator.directory import Directory, DuplicateUserError, User
from msgraph_emulator.emulator import Emulator
from msgraph_emulator.errors import error_envelope
from msgraph_emulator.faults import FaultSpecError, FaultTable
from msgraph_emulator.identity.grants import REFRESH_REGISTRY_PRUNE_AT, GrantStore, RefreshGrant
from msgraph_emulator.identity.jwt import SigningKey, TokenFormatError
from msgraph_emulator.request_log import RequestLog
from msgraph_emulator.settings import EmulatorSettings, ThrottleSettings
from msgraph_emulator.throttle import Throttle

START = datetime(2026, 3, 3, 10, 17, 5, 123456, tzinfo=UTC)


def test_clock_advances_from_a_fixed_start() -> None:
    clock = Clock(START)
    clock.advance(90)
    assert (clock.now() - START).total_seconds() == 90


def test_clock_refuses_to_move_past_the_representable_range() -> None:
    clock = Clock(START)
    for seconds in (1e300, 400_000 * 365 * 86400):
        with pytest.raises(ValueError, match="that far"):
            clock.advance(seconds)
    assert clock.now() == START


def test_clock_refuses_naive_starts_and_going_back() -> None:
    with pytest.raises(ValueError, match="aware"):
        Clock(datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="forward"):
        Clock().advance(-1)


def test_settings_json_uses_the_control_api_names() -> None:
    document = EmulatorSettings().to_json()
    assert document["autoConsent"] is False
    assert document["accessTokenLifetimeSeconds"] == 3599
    assert document["defaultPageSize"] == 10
    assert document["throttle"] == {
        "concurrentPerMailbox": 4,
        "requestsPerWindow": 10_000,
        "windowSeconds": 600,
    }
    assert document["notificationTimeoutSeconds"] == 3.0


def test_settings_update_changes_nested_values_in_place() -> None:
    settings = EmulatorSettings()
    throttle = settings.throttle
    settings.update_from_json({"autoConsent": True, "throttle": {"concurrentPerMailbox": 1}})
    assert settings.auto_consent is True
    assert throttle.concurrent_per_mailbox == 1


@pytest.mark.parametrize(
    "document",
    [
        {"nope": 1},
        {"autoConsent": "yes"},
        {"defaultPageSize": -1},
        {"defaultPageSize": 2.5},
        {"throttle": {"bogus": 1}},
        {"throttle": 3},
        {"defaultPageSize": 0},  # a page of nothing would never end
        {"notificationTimeoutSeconds": float("nan")},  # GET /settings could not render it
        {"notificationTimeoutSeconds": float("inf")},
        {"deltaExpiredAnswer": "teapot"},
    ],
)
def test_bad_settings_are_refused_and_change_nothing(document: dict[str, object]) -> None:
    settings = EmulatorSettings()
    before = settings.to_json()
    with pytest.raises(ValueError):  # noqa: PT011
        settings.update_from_json({"autoConsent": True, **document})
    assert settings.to_json() == before


def test_throttle_counts_in_flight_and_releases() -> None:
    throttle = Throttle(ThrottleSettings(concurrent_per_mailbox=1), Clock(START))
    assert throttle.acquire(("app", "box")) is None
    rejection = throttle.acquire(("app", "box"))
    assert rejection is not None
    assert rejection.retry_after_seconds == 1
    assert throttle.acquire(("app", "other-box")) is None
    throttle.release(("app", "box"))
    assert throttle.acquire(("app", "box")) is None


def test_throttle_with_a_window_of_zero_requests_refuses_without_failing() -> None:
    throttle = Throttle(ThrottleSettings(requests_per_window=0, window_seconds=30), Clock(START))
    rejection = throttle.acquire(("app", "fresh-box"))
    assert rejection is not None
    assert rejection.retry_after_seconds == 30


def test_refresh_grants_past_inactivity_are_swept_as_new_ones_are_issued() -> None:
    store = GrantStore()
    inactivity = timedelta(days=90)
    for _ in range(REFRESH_REGISTRY_PRUNE_AT - 1):
        store.issue_refresh(RefreshGrant("u", "c", (), issued_at=START), inactivity=inactivity)
    revoked = store.issue_refresh(RefreshGrant("v", "c", (), START), inactivity=inactivity)
    store.revoke_refresh(user_id="v")
    later = START + inactivity + timedelta(seconds=1)
    fresh = store.issue_refresh(RefreshGrant("u", "c", (), later), inactivity=inactivity)
    assert store.find_refresh(fresh) is not None
    assert store.find_refresh(revoked) is not None  # subscriptions count revoked grants
    assert len(store.refresh) == 2


def test_fault_table_validates_specs() -> None:
    table = FaultTable()
    for bad in (
        {"status": 99},
        {"times": 0, "status": 500},
        {"status": 429, "retryAfter": "soon"},
        {"status": 429, "retryAfter": -1},
        {"pathRegex": "(", "status": 500},
        {},
    ):
        with pytest.raises(FaultSpecError):
            table.add_from_json(bad)


def test_fault_table_takes_the_first_match_and_forgets_used_faults() -> None:
    table = FaultTable()
    table.add_from_json({"pathRegex": "/events", "status": 503, "times": 1})
    table.add_from_json({"status": 500, "times": 1})
    first = table.take("GET", "/v1.0/me/events")
    assert first is not None
    assert first.status == 503
    second = table.take("GET", "/v1.0/me/events")
    assert second is not None
    assert second.status == 500
    assert table.take("GET", "/v1.0/me/events") is None


def test_request_log_is_bounded_and_keeps_counting() -> None:
    log = RequestLog(capacity=2)
    for index in range(3):
        log.record(method="GET", path=f"/{index}", query="", status=200, at=START)
    assert [entry.seq for entry in log.since(0)] == [2, 3]
    log.clear()
    assert log.record(method="GET", path="/", query="", status=200, at=START).seq == 4
    assert log.since(3)[0].to_json()["at"] == "2026-03-03T10:17:05.123456Z"


def test_error_envelope_date_has_no_z_and_no_fraction() -> None:
    envelope = error_envelope(
        code="ErrorItemNotFound", message="m", date=START, request_id="r", client_request_id="c"
    )
    assert envelope["error"]["innerError"] == {
        "date": "2026-03-03T10:17:05",
        "request-id": "r",
        "client-request-id": "c",
    }


def test_directory_round_trips_through_json() -> None:
    emulator = Emulator(signing_key=SigningKey.generate())
    directory = emulator.directory
    user = emulator.create_user(
        user_principal_name="a@b.example", display_name="Ann Bee", password="p"
    )
    assert (user.given_name, user.surname, user.time_zone) == ("Ann", "Bee", "UTC")
    copy = Directory.from_json(directory.to_json())
    assert copy.user_by_id_or_upn(user.id) == user
    assert copy.signing_key.kid == directory.signing_key.kid
    again = User(
        id="x", user_principal_name="A@B.example", display_name="again", mail=None, password=None
    )
    with pytest.raises(DuplicateUserError):
        copy.add_user(again)


def test_signing_key_round_trips_and_rejects_foreign_tokens() -> None:
    key = SigningKey.generate()
    token = key.sign({"a": 1})
    assert SigningKey.from_pem(key.to_pem()).verify(token) == {"a": 1}
    with pytest.raises(TokenFormatError):
        SigningKey.generate().verify(token)
