"""Throughput of one emulator process: requests per second and p50/p99 latency for
GET event, a list page and calendarView, at concurrency 1 and 32.

    .venv/bin/python bench/emulator.py [--seconds 5] [--events 200]

The emulator runs as its own process (`python -m msgraph_emulator`, real uvicorn) with
throttling lifted; the load comes from an aiohttp client in another process (keep-alive, one
connection per concurrent worker), so the figures include HTTP parsing on both sides. On a
small machine the generator competes with the server for CPU: read the figures as a floor.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from urllib.parse import quote

import aiohttp
import httpx
from yarl import URL

UPN = "bench@acme.example"
WINDOW = "startDateTime=2026-04-01T00:00:00Z&endDateTime=2026-05-01T00:00:00Z"


@dataclass(frozen=True)
class Result:
    name: str
    concurrency: int
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float

    def line(self) -> str:
        rate = self.requests / self.seconds
        return (
            f"{self.name:<13} c={self.concurrency:<3} {rate:>8.0f} req/s   "
            f"p50 {self.p50_ms:>7.2f} ms   p99 {self.p99_ms:>7.2f} ms   errors {self.errors}"
        )


def start_emulator() -> tuple[subprocess.Popen[str], str]:
    command = [
        sys.executable,
        "-m",
        "msgraph_emulator",
        "--port",
        "0",
        "--throttle-concurrent-per-mailbox",
        "100000",
        "--throttle-requests-per-window",
        "1000000000",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    if "listening on" not in line:
        process.kill()
        raise SystemExit(f"the emulator did not start: {line!r}")
    return process, line.split()[4]


def seed(origin: str, events: int) -> tuple[str, str]:
    """A user with `events` single events in April 2026 plus one weekly series; returns
    (access token, id of one event)."""
    with httpx.Client(base_url=origin, timeout=30) as client:
        client.post("/_emulator/users", json={"userPrincipalName": UPN, "displayName": "Bench"})
        client.put("/_emulator/settings", json={"accessTokenLifetimeSeconds": 86_400})
        token = client.post(f"/_emulator/users/{UPN}/token").json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        event_id = ""
        for index in range(events):
            day, hour = 1 + index % 28, 8 + index % 9
            start = f"2026-04-{day:02d}T{hour:02d}:00:00"
            answer = client.post("/v1.0/me/events", headers=headers, json=_event(index, start))
            answer.raise_for_status()
            event_id = answer.json()["id"]
        series = _event(-1, "2026-03-02T12:00:00") | {
            "recurrence": {
                "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"]},
                "range": {"type": "noEnd", "startDate": "2026-03-02"},
            }
        }
        client.post("/v1.0/me/events", headers=headers, json=series).raise_for_status()
        return token, event_id


def _event(index: int, start: str) -> dict[str, object]:
    end = start[:11] + f"{int(start[11:13]) + 1:02d}" + start[13:]
    return {
        "subject": f"Bench {index}",
        "body": {"contentType": "text", "content": "x" * 200},
        "start": {"dateTime": start, "timeZone": "UTC"},
        "end": {"dateTime": end, "timeZone": "UTC"},
    }


async def _load(url: str, token: str, concurrency: int, seconds: float) -> tuple[list[float], int]:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=concurrency)
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                began = time.perf_counter()
                async with session.get(URL(url, encoded=True)) as answer:
                    await answer.read()
                    if answer.status != 200:
                        errors += 1
                latencies.append(time.perf_counter() - began)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, errors


def _generator(
    url: str, token: str, concurrency: int, seconds: float, out: multiprocessing.Queue
) -> None:  # type: ignore[type-arg]
    out.put(asyncio.run(_load(url, token, concurrency, seconds)))


def measure(name: str, url: str, token: str, *, concurrency: int, seconds: float) -> Result:
    queue: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    process = multiprocessing.Process(
        target=_generator, args=(url, token, concurrency, seconds, queue)
    )
    process.start()
    latencies, errors = queue.get(timeout=seconds + 60)
    process.join()
    ordered = sorted(latencies)
    return Result(
        name=name,
        concurrency=concurrency,
        requests=len(ordered),
        errors=errors,
        seconds=seconds,
        p50_ms=statistics.median(ordered) * 1000,
        p99_ms=ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--events", type=int, default=200)
    args = parser.parse_args()
    process, origin = start_emulator()
    try:
        token, event_id = seed(origin, args.events)
        scenarios = {
            # Ids hold "/", "+" and "=": percent-encoded, as every Graph client must (§1).
            "GET event": f"{origin}/v1.0/me/events/{quote(event_id, safe='')}",
            "list page": f"{origin}/v1.0/me/events?$top=10",
            "calendarView": f"{origin}/v1.0/me/calendarView?{WINDOW}",
        }
        print(
            f"emulator at {origin}; {args.events} events + 1 weekly series; {args.seconds:g} s each"
        )
        failed = 0
        for concurrency in (1, 32):
            for name, url in scenarios.items():
                result = measure(name, url, token, concurrency=concurrency, seconds=args.seconds)
                print(result.line(), flush=True)
                failed += result.errors
    finally:
        process.terminate()
        process.wait(timeout=10)
    if failed:  # figures of error answers measure nothing: say so and fail
        sys.exit(f"{failed} answers were not 200: the figures above are not valid")


if __name__ == "__main__":
    main()
