"""What the gateway adds to a Graph call: the same two requests, the same load generator (wrk),
three targets.

    .venv/bin/python bench/hub_overhead.py [--seconds 5] [--keep-logs]

Targets: the emulator directly; `bench/minimal_proxy.py` (FastAPI + aiohttp pass-through, the
floor for any Python gateway); the gateway (`openelements serve` on SQLite, an instance
provisioned through the OAuth round trip, hub calls with `User`/`Element` credentials).
Requests: GET one event; a 50-event list page. Each at concurrency 1 and 32.

Throttling is lifted on both sides so that the limits measured are the processes' own: the
emulator serves 1000 concurrent requests per mailbox and the gateway's per-mailbox limiter is
raised from Graph's 4 to 64 (with 4, a single mailbox would cap every Python gateway at 4 in
flight). The emulator's listening socket has TCP_NODELAY (commit 1072e93): before, small answers
on a kept-alive connection waited ~40 ms for a delayed ACK, which hid the gateway's own cost
at c=1. wrk comes from Debian (`apt-get install wrk`); the script installs it when missing and
it can. All processes share the machine: read the figures as relative, not absolute, and
compare runs made back to back; "CPU per request" (the serving process's CPU time over the
requests it served) is the figure least disturbed by neighbours.

Where the gateway's time goes: profile it under load with py-spy from a scratch venv
(`py-spy record --pid <gateway pid> --format raw`, or `py-spy top`) while wrk runs.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp

from openelements import demo

BENCH = Path(__file__).resolve().parent
MONDAY = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
LIST_SIZE = 50
CONCURRENCIES = (1, 32)


@dataclass(frozen=True)
class Target:
    name: str
    event_url: str
    list_url: str
    authorization: str
    pid: int
    """The serving process whose CPU time is charged to this target."""


@dataclass(frozen=True)
class Figure:
    target: str
    request: str
    concurrency: int
    p50_ms: float
    p99_ms: float
    rps: float
    errors: int
    cpu_ms: float
    """CPU time of the serving process per request: robust to a busy machine."""

    def line(self) -> str:
        return (
            f"  {self.request:10} c={self.concurrency:<3} {self.target:14} "
            f"p50 {self.p50_ms:7.2f} ms  p99 {self.p99_ms:7.2f} ms  {self.rps:8.1f} req/s  "
            f"cpu {self.cpu_ms:5.2f} ms/req  non-2xx {self.errors}"
        )


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk not found; trying: apt-get install -y wrk", flush=True)
    subprocess.run(["apt-get", "install", "-y", "wrk"], check=False, capture_output=True)
    found = shutil.which("wrk")
    if not found:
        sys.exit("bench: install wrk first (Debian/Ubuntu: sudo apt-get install wrk)")
    return found


def _duration_ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(
    wrk: str, url: str, *, authorization: str, concurrency: int, seconds: int
) -> tuple[float, float, float, int]:
    threads = 1 if concurrency == 1 else 2
    command = [
        wrk, "-t", str(threads), "-c", str(concurrency), "-d", f"{seconds}s", "--latency",
        "-H", f"Authorization: {authorization}", url,
    ]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    p50 = _duration_ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    p99 = _duration_ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = int(bad.group(1)) if bad else 0
    return p50, p99, rps, errors


async def _seed(emulator: str, token: str) -> tuple[str, str]:
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        async with session.post(f"{emulator}/v1.0/me/calendars", json={"name": "Bench"}) as answer:
            calendar: str = (await answer.json())["id"]
        url = f"{emulator}/v1.0/me/calendars/{quote(calendar, safe='')}/events"
        ids = []
        for number in range(LIST_SIZE + 10):
            body = demo.sample_event(f"Bench {number}", MONDAY + dt.timedelta(hours=number))
            async with session.post(url, json=body) as answer:
                ids.append((await answer.json())["id"])
    return calendar, ids[0]


async def build_targets(
    directory: Path, log: object, processes: list[subprocess.Popen[bytes]]
) -> tuple[list[Target], subprocess.Popen[bytes]]:
    emulator_port, gateway_port, proxy_port = demo.free_port(), demo.free_port(), demo.free_port()
    emulator = f"http://127.0.0.1:{emulator_port}"
    env = demo.gateway_environment(directory=directory, emulator=emulator)
    env["OPENELEMENTS_GRAPH_MAILBOX_CONCURRENCY"] = "64"
    extra = (
        "--throttle-concurrent-per-mailbox",
        "1000",
        "--throttle-requests-per-window",
        "100000000",
    )
    processes.append(demo.start_emulator(emulator_port, log=log, extra=extra))  # type: ignore[arg-type]
    gateway_process = demo.start_gateway(gateway_port, env=env, log=log, cwd=directory)  # type: ignore[arg-type]
    processes.append(gateway_process)
    processes.append(start_proxy(emulator, proxy_port, log=log))
    app = demo.DemoApp()
    gateway = f"http://127.0.0.1:{gateway_port}/elements/api-v2"
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as session:
        await demo.wait_until_up(session, f"{emulator}/_emulator/settings", process=processes[0])
        await demo.wait_until_up(
            session, f"http://127.0.0.1:{gateway_port}/health", process=gateway_process
        )
        await demo.wait_until_up(session, f"http://127.0.0.1:{proxy_port}/", process=processes[2])
        organization = demo.create_organization(env=env, cwd=directory, email="bench@acme.example")
        await demo.register_app_and_mailbox(session, emulator, app)
        token = await demo.graph_token(session, emulator, app.mailbox)
        instance = await demo.provision_instance(
            session, gateway, organization=organization, app=app
        )
    calendar, event = await _seed(emulator, token)
    cal, ev = quote(calendar, safe=""), quote(event, safe="")
    bearer = f"Bearer {token}"
    hub_auth = f"User {organization.user_secret}, Element {instance['token']}"
    graph_event, graph_list = f"me/events/{ev}", f"me/calendars/{cal}/events?%24top={LIST_SIZE}"
    targets = [
        Target(
            "direct",
            f"{emulator}/v1.0/{graph_event}",
            f"{emulator}/v1.0/{graph_list}",
            bearer,
            processes[0].pid,
        ),
        Target(
            "minimal proxy",
            f"http://127.0.0.1:{proxy_port}/v1.0/{graph_event}",
            f"http://127.0.0.1:{proxy_port}/v1.0/{graph_list}",
            bearer,
            processes[2].pid,
        ),
        Target(
            "gateway",
            f"{gateway}/hubs/general/events/{ev}",
            f"{gateway}/hubs/general/calendars/{cal}/events?pageSize={LIST_SIZE}",
            hub_auth,
            gateway_process.pid,
        ),
    ]
    return targets, gateway_process


def start_proxy(upstream: str, port: int, *, log: Any) -> subprocess.Popen[bytes]:
    command = [sys.executable, str(BENCH / "minimal_proxy.py"), upstream, str(port)]
    return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(targets: Sequence[Target], *, wrk: str, seconds: int) -> list[Figure]:
    figures = []
    for request in ("GET event", f"list {LIST_SIZE}"):
        for concurrency in CONCURRENCIES:
            for target in targets:
                url = target.event_url if request == "GET event" else target.list_url
                run_wrk(
                    wrk, url, authorization=target.authorization, concurrency=concurrency, seconds=1
                )
                before = cpu_seconds(target.pid)
                p50, p99, rps, errors = run_wrk(
                    wrk,
                    url,
                    authorization=target.authorization,
                    concurrency=concurrency,
                    seconds=seconds,
                )
                cpu_ms = (cpu_seconds(target.pid) - before) * 1000 / max(rps * seconds, 1)
                figures.append(
                    Figure(target.name, request, concurrency, p50, p99, rps, errors, cpu_ms)
                )
                print(figures[-1].line(), flush=True)
    return figures


def _verdict(met: bool) -> str:
    return "ok" if met else "MISSED"


def report(figures: Sequence[Figure], *, rss_mb: float) -> None:
    def find(target: str, request: str, concurrency: int) -> Figure:
        return next(
            f
            for f in figures
            if (f.target, f.request, f.concurrency) == (target, request, concurrency)
        )

    print("\nratios and goals")
    for request in ("GET event", f"list {LIST_SIZE}"):
        direct1, gateway1 = find("direct", request, 1), find("gateway", request, 1)
        proxy32, gateway32 = find("minimal proxy", request, 32), find("gateway", request, 32)
        added = gateway1.p50_ms - direct1.p50_ms
        ratio = gateway32.rps / proxy32.rps if proxy32.rps else float("nan")
        print(
            f"  {request:10} added p50 at c=1 over direct: {added:6.2f} ms (goal <= 1.5)",
            _verdict(added <= 1.5),
        )
        print(
            f"  {request:10} gateway/proxy throughput at c=32: {ratio:5.2f} (goal >= 0.7)",
            _verdict(ratio >= 0.7),
        )
        proxy_added = find("minimal proxy", request, 1).p50_ms - direct1.p50_ms
        print(f"  {request:10} (minimal proxy adds {proxy_added:.2f} ms p50 at c=1)")
        proxy_cpu, gateway_cpu = proxy32.cpu_ms, gateway32.cpu_ms
        print(
            f"  {request:10} CPU per request at c=32: gateway {gateway_cpu:.2f} ms, "
            f"minimal proxy {proxy_cpu:.2f} ms (ratio {proxy_cpu / gateway_cpu:.2f})"
        )
    print(
        f"  gateway peak RSS: {rss_mb:.1f} MB (goal <= 200) {'ok' if rss_mb <= 200 else 'MISSED'}"
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args(argv)
    wrk = ensure_wrk()
    processes: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        with (directory / "processes.log").open("wb") as log, demo.running_processes(processes):
            targets, gateway = asyncio.run(build_targets(directory, log, processes))
            print(f"wrk, {args.seconds} s per run after a 1 s warm-up; targets ready", flush=True)
            figures = measure(targets, wrk=wrk, seconds=args.seconds)
            rss = peak_rss_mb(gateway.pid)
        report(figures, rss_mb=rss)


if __name__ == "__main__":
    main()
