"""Background work of the instances domain (jobs port).

`instances.refresh_idle_tokens` runs every 6 hours in one process of the deployment (the jobs
port deduplicates periodic tasks) and refreshes instances nobody used for a day. Microsoft
refresh tokens die after 90 days without use (microsoft-graph.md §15.4); refreshing idle
instances keeps them alive and turns a revoked grant into `valid: false` (D29) before a
customer's call finds out.
"""

from __future__ import annotations

from datetime import timedelta

from openelements.instances.calls import InstanceCalls
from openelements.jobs import Interval, JobContext, TaskRegistry

__all__ = ["IDLE_AFTER", "registry"]

registry = TaskRegistry()
EVERY = timedelta(hours=6)
IDLE_AFTER = timedelta(days=1)
BATCH = 500


@registry.periodic(name="instances.refresh_idle_tokens", schedule=Interval(EVERY))
async def refresh_idle_tokens(ctx: JobContext) -> None:
    keeper = ctx.resources.get(InstanceCalls).keeper
    refreshed = await keeper.refresh_idle(idle_for=IDLE_AFTER, limit=BATCH)
    ctx.logger.info("instances.idle_tokens_refreshed", refreshed=refreshed)
