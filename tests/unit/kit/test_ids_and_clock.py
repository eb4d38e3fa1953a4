from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from openelements.kit.clock import ManualClock, SystemClock
from openelements.kit.errors import NotFound
from openelements.kit.ids import parse_object_id


def test_object_id_parses_positive_integers() -> None:
    assert parse_object_id("42", kind="instance") == 42


@pytest.mark.parametrize("text", ["0", "-1", "4.2", "abc", "٣", "9" * 30, ""])
def test_anything_else_cannot_name_an_object(text: str) -> None:
    with pytest.raises(NotFound, match="No instance with id"):
        parse_object_id(text, kind="instance")


def test_ids_longer_than_python_converts_are_not_found_not_a_crash() -> None:
    with pytest.raises(NotFound):
        parse_object_id("1" * 5000, kind="user")


def test_leading_zeros_still_name_the_object() -> None:
    assert parse_object_id("0" * 30 + "42", kind="account") == 42


def test_the_largest_id_is_accepted() -> None:
    assert parse_object_id(str(2**63 - 1), kind="account") == 2**63 - 1


def test_system_clock_is_utc() -> None:
    assert SystemClock().now().tzinfo is UTC


def test_manual_clock_moves_only_when_told() -> None:
    clock = ManualClock(datetime(2026, 1, 1, 12, tzinfo=timezone(timedelta(hours=2))))
    assert clock.now() == datetime(2026, 1, 1, 10, tzinfo=UTC)
    clock.advance(timedelta(minutes=5))
    assert clock.now() == datetime(2026, 1, 1, 10, 5, tzinfo=UTC)


def test_manual_clock_refuses_naive_start() -> None:
    with pytest.raises(ValueError, match="tz-aware"):
        ManualClock(datetime(2026, 1, 1))
