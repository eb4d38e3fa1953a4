from datetime import timedelta

import pytest

from openelements.jobs.api import JobContext, Resources, TaskRegistry, UnknownTaskError
from openelements.jobs.retry_policy import RetryPolicy
from openelements.jobs.schedule import Interval


async def _noop(ctx: JobContext) -> None:
    return None


def test_declared_tasks_keep_their_options() -> None:
    registry = TaskRegistry()
    policy = RetryPolicy(max_attempts=3)
    task = registry.task(name="x.do", queue="q", retry=policy, timeout=timedelta(seconds=2))(_noop)
    assert registry.get("x.do") is task
    assert (task.queue, task.retry, task.timeout) == ("q", policy, timedelta(seconds=2))


def test_periodic_tasks_are_tasks_with_a_schedule() -> None:
    registry = TaskRegistry()
    every = Interval(timedelta(minutes=5))
    task = registry.periodic(name="x.tick", schedule=every)(_noop)
    assert registry.get("x.tick") is task
    assert registry.periodic_tasks["x.tick"].schedule == every


def test_including_registries_merges_tasks_and_refuses_duplicates() -> None:
    first, second, root = TaskRegistry(), TaskRegistry(), TaskRegistry()
    first.task(name="a")(_noop)
    second.periodic(name="b", schedule=Interval(timedelta(seconds=1)))(_noop)
    root.include(first)
    root.include(second)
    assert set(root.tasks) == {"a", "b"}
    assert set(root.periodic_tasks) == {"b"}
    with pytest.raises(ValueError, match="twice"):
        root.include(first)


def test_unknown_task_names_raise() -> None:
    with pytest.raises(UnknownTaskError):
        TaskRegistry().get("missing")


def test_resources_are_found_by_type() -> None:
    resources = Resources({int: 7})
    resources.add(str, "s")
    assert resources.get(int) == 7
    assert resources.get(str) == "s"
    with pytest.raises(LookupError, match="float"):
        resources.get(float)
