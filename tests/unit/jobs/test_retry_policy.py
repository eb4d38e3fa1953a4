from datetime import timedelta

import pytest

from openelements.jobs.retry_policy import NO_RETRY, RetryPolicy


def test_delays_grow_exponentially_until_the_cap() -> None:
    policy = RetryPolicy(
        max_attempts=6,
        first_delay=timedelta(seconds=4),
        multiplier=4,
        max_delay=timedelta(seconds=300),
    )
    delays = [policy.delay_after(n) for n in range(1, 6)]
    assert delays == [timedelta(seconds=s) for s in (4, 16, 64, 256, 300)]


def test_no_delay_once_attempts_are_used_up() -> None:
    policy = RetryPolicy(max_attempts=3, first_delay=timedelta(seconds=1))
    assert policy.delay_after(2) == timedelta(seconds=2)
    assert policy.delay_after(3) is None
    assert NO_RETRY.delay_after(1) is None


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_attempts": 0},
        {"multiplier": 0.5},
        {"first_delay": timedelta(seconds=5), "max_delay": timedelta(seconds=1)},
    ],
)
def test_inconsistent_policies_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


def test_failed_attempts_count_from_one() -> None:
    with pytest.raises(ValueError, match="starts at 1"):
        RetryPolicy().delay_after(0)


@pytest.mark.parametrize("failed_attempts", [48, 60, 1100, 5000])
def test_long_retry_series_stay_at_the_cap(failed_attempts: int) -> None:
    """A late attempt must not overflow: the worker records failures in batches, and one
    raising there would keep every other outcome of the round from being recorded."""
    policy = RetryPolicy(max_attempts=10_000, max_delay=timedelta(hours=1))
    assert policy.delay_after(failed_attempts) == timedelta(hours=1)
