from datetime import UTC, datetime, timedelta

import pytest

from openelements.jobs.api import JobContext, PeriodicTask, TaskRegistry
from openelements.jobs.periodic import PeriodicDeferrer
from openelements.jobs.schedule import Cron, Interval, Schedule
from openelements.kit.clock import ManualClock

pytestmark = pytest.mark.anyio
START = datetime(2026, 1, 1, 10, 0, 0, tzinfo=UTC)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def _noop(ctx: JobContext) -> None:
    return None


class Recorder:
    def __init__(self, accept: bool = True) -> None:
        self.calls: list[tuple[str, datetime]] = []
        self.accept = accept

    async def __call__(self, periodic: PeriodicTask, start: datetime) -> bool:
        self.calls.append((periodic.task.name, start))
        return self.accept


def deferrer(schedule: Schedule, clock: ManualClock, recorder: Recorder) -> PeriodicDeferrer:
    registry = TaskRegistry()
    registry.periodic(name="tick", schedule=schedule)(_noop)
    return PeriodicDeferrer(registry.periodic_tasks, defer_period=recorder, clock=clock)


async def test_each_period_is_proposed_once_by_a_process() -> None:
    clock, recorder = ManualClock(START + timedelta(seconds=20)), Recorder()
    periodic = deferrer(Interval(timedelta(minutes=1)), clock, recorder)
    await periodic.tick()
    await periodic.tick()
    clock.advance(timedelta(seconds=45))
    await periodic.tick()
    assert recorder.calls == [("tick", START), ("tick", START + timedelta(minutes=1))]


async def test_a_period_another_process_deferred_is_not_proposed_again() -> None:
    clock, recorder = ManualClock(START), Recorder(accept=False)
    periodic = deferrer(Interval(timedelta(minutes=1)), clock, recorder)
    await periodic.tick()
    await periodic.tick()
    assert recorder.calls == [("tick", START)]


async def test_a_cron_tick_missed_by_more_than_its_lateness_is_skipped() -> None:
    clock, recorder = ManualClock(START + timedelta(minutes=30)), Recorder()
    periodic = deferrer(Cron("0 * * * *"), clock, recorder)
    await periodic.tick()
    assert recorder.calls == []
    clock.set(START + timedelta(hours=1, minutes=2))
    await periodic.tick()
    assert recorder.calls == [("tick", START + timedelta(hours=1))]


def test_the_loop_sleeps_until_the_next_period() -> None:
    clock = ManualClock(START + timedelta(seconds=20))
    periodic = deferrer(Interval(timedelta(seconds=25)), clock, Recorder())
    assert periodic.seconds_until_next() == pytest.approx(5.0)
    clock.set(START + timedelta(seconds=1))
    slow = deferrer(Interval(timedelta(hours=1)), clock, Recorder())
    assert slow.seconds_until_next() == 30.0  # capped, to notice clock jumps
