from __future__ import annotations

import pytest

from openelements.jobs.runtime import jobs_config
from openelements.settings import ConfigurationError, Settings


def test_default_jobs_settings_are_accepted() -> None:
    config = jobs_config(Settings())
    assert config.heartbeat < config.lease


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        # A heartbeat at or past the lease lets another worker claim a job still running here.
        ({"jobs_lease_seconds": 30, "jobs_heartbeat_seconds": 30}, "HEARTBEAT"),
        ({"jobs_lease_seconds": 5, "jobs_heartbeat_seconds": 60}, "HEARTBEAT"),
        ({"jobs_lease_seconds": 0}, "LEASE"),
        ({"jobs_heartbeat_seconds": -1}, "HEARTBEAT"),
        ({"jobs_poll_seconds": 0}, "POLL"),
        ({"jobs_concurrency": 0}, "CONCURRENCY"),
        ({"jobs_metrics_refresh_seconds": 0}, "METRICS_REFRESH"),
    ],
)
def test_jobs_settings_that_cannot_work_are_refused(
    overrides: dict[str, float], named: str
) -> None:
    with pytest.raises(ConfigurationError, match=f"OPENELEMENTS_JOBS_{named}"):
        jobs_config(Settings(**overrides))  # type: ignore[arg-type]
