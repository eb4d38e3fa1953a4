from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openelements.jobs.schedule import Cron, Interval

AT = datetime(2026, 1, 1, 10, 7, 3, 500_000, tzinfo=UTC)
instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


def test_interval_periods_are_aligned_to_the_epoch() -> None:
    hourly = Interval(timedelta(hours=1))
    assert hourly.period_start(AT) == datetime(2026, 1, 1, 10, tzinfo=UTC)
    assert hourly.next_start(AT) == datetime(2026, 1, 1, 11, tzinfo=UTC)


def test_cron_period_starts_at_the_last_tick_including_an_exact_one() -> None:
    every_five = Cron("*/5 * * * *")
    assert every_five.period_start(AT) == datetime(2026, 1, 1, 10, 5, tzinfo=UTC)
    assert every_five.next_start(AT) == datetime(2026, 1, 1, 10, 10, tzinfo=UTC)
    tick = datetime(2026, 1, 1, 10, 5, tzinfo=UTC)
    assert every_five.period_start(tick) == tick


def test_cron_accepts_a_seconds_field() -> None:
    every_two_seconds = Cron("* * * * * */2")
    assert every_two_seconds.period_start(AT) == datetime(2026, 1, 1, 10, 7, 2, tzinfo=UTC)


def test_invalid_definitions_are_refused() -> None:
    with pytest.raises(ValueError, match="cron"):
        Cron("every day")
    with pytest.raises(ValueError, match="whole number of seconds"):
        Interval(timedelta(0))
    with pytest.raises(ValueError, match="whole number of seconds"):
        Interval(timedelta(milliseconds=1500))
    with pytest.raises(ValueError, match="naive"):
        Interval(timedelta(seconds=1)).period_start(datetime(2026, 1, 1))


@given(at=instants, seconds=st.integers(min_value=1, max_value=86_400))
def test_an_instant_lies_in_exactly_one_interval_period(at: datetime, seconds: int) -> None:
    schedule = Interval(timedelta(seconds=seconds))
    start = schedule.period_start(at)
    assert start <= at < schedule.next_start(at)
    assert schedule.period_start(start) == start


@given(at=instants)
def test_an_instant_lies_in_exactly_one_cron_period(at: datetime) -> None:
    schedule = Cron("*/15 * * * *")
    start = schedule.period_start(at)
    assert start <= at < schedule.next_start(at)
    assert schedule.next_start(start) > start
