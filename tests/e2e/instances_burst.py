"""A separate process that makes provider calls for one instance, as a second gateway would.

    python instances_burst.py <instance id> <calls> <go file>

Builds the production container from the OPENELEMENTS_* environment, waits until `<go file>`
exists (so several processes start their bursts together), makes the calls concurrently
through `InstanceCalls`, and prints one JSON line: the outcome of each call (HTTP-like status).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

from openelements.container import Container
from openelements.elements.base import ProviderRequest
from openelements.kit.errors import ElementsError
from openelements.settings import Settings


async def one_call(container: Container, instance_id: int) -> int:
    try:
        response = await container.instances.calls.call(
            instance_id, ProviderRequest("GET", "me/calendar")
        )
    except ElementsError as error:
        return error.status
    return response.status


async def main(instance_id: int, calls: int, go: Path) -> list[int]:
    container = Container.build(Settings(), start_worker=False)
    try:
        deadline = time.monotonic() + 60
        while not go.exists() and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        return list(await asyncio.gather(*(one_call(container, instance_id) for _ in range(calls))))
    finally:
        await container.aclose()


if __name__ == "__main__":
    outcome = asyncio.run(main(int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])))
    print(json.dumps(outcome))
