"""`openelements demo`: the Graph emulator and the gateway on SQLite, seeded, in one command.

What it does, in order (everything over HTTP on loopback, as a customer would):

1. starts the emulator (`python -m msgraph_emulator --auto-consent`, its own uvicorn server)
   and the gateway (`openelements serve` on a fresh SQLite file with generated keys, Graph and
   the identity platform pointed at the emulator), each as a child process;
2. creates an organization and its administrator (`openelements admin create-organization`);
3. registers an OAuth app and a mailbox in the emulator's control API, and fills the mailbox
   through Graph: a few single events this week and a weekly series with one changed
   occurrence;
4. provisions an instance through the real OAuth round trip: `oauth/url` → authorize (auto
   consent, `login_hint`) → code → `POST /instances`;
5. prints the secrets, the instance token and curl lines to paste, then waits for Ctrl-C.

The emulator runs as a separate process started by module name, so nothing here imports
`msgraph_emulator` (only `cli.py` may, DESIGN.md §2). The building blocks are public because
the end-to-end tests and `bench/` provision the same way.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Annotated, Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import aiohttp
import typer

from openelements.settings import API_BASE_PATH

__all__ = [
    "DemoApp",
    "DemoWorld",
    "Organization",
    "create_organization",
    "demo",
    "free_port",
    "gateway_environment",
    "graph_token",
    "provision_instance",
    "register_app_and_mailbox",
    "running_processes",
    "sample_event",
    "seed_sample_events",
    "start_emulator",
    "start_gateway",
]

READY_LINE = "openelements demo is ready"
DATABASE_FILES = ("openelements.db", "openelements.db-wal", "openelements.db-shm")
STARTUP_SECONDS = 60.0


@dataclass(frozen=True)
class DemoApp:
    client_id: str = "6f1c2b8e-0d1a-4c3b-9e7f-5a4d3c2b1a00"
    client_secret: str = "demo-client-secret"
    callback_url: str = "http://127.0.0.1/demo/callback"
    mailbox: str = "dana@contoso.example"
    display_name: str = "Dana Swope"
    scope: str = "Calendars.Read Calendars.ReadWrite Contacts.ReadWrite offline_access"


@dataclass(frozen=True)
class Organization:
    organization_secret: str
    user_secret: str
    email: str

    def authorization(self, element_token: str | None = None) -> str:
        value = f"User {self.user_secret}, Organization {self.organization_secret}"
        return value if element_token is None else f"{value}, Element {element_token}"


@dataclass(frozen=True)
class DemoWorld:
    gateway: str
    """The API base, `http://host:port/elements/api-v2`."""
    emulator: str
    organization: Organization
    instance_id: int
    instance_token: str

    @property
    def hub_authorization(self) -> str:
        return f"User {self.organization.user_secret}, Element {self.instance_token}"


# --- processes --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _openelements_command(*args: str) -> list[str]:
    return [sys.executable, "-c", "from openelements.cli import main; main()", *args]


def gateway_environment(*, directory: Path, emulator: str) -> dict[str, str]:
    """A gateway on a SQLite file in `directory` whose Graph and identity platform is `emulator`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENELEMENTS_")}
    env.update(
        OPENELEMENTS_DATABASE_URL=f"sqlite+aiosqlite:///{directory / 'openelements.db'}",
        OPENELEMENTS_KEY_FILE=str(directory / "keys"),
        OPENELEMENTS_GRAPH_BASE_URL=f"{emulator}/v1.0",
        OPENELEMENTS_MICROSOFT_AUTHORITY=f"{emulator}/common",
        OPENELEMENTS_LOG_LEVEL="WARNING",
    )
    return env


def start_emulator(
    port: int, *, log: IO[bytes], extra: tuple[str, ...] = ()
) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "msgraph_emulator", "--port", str(port), "--auto-consent"]
    return subprocess.Popen([*command, *extra], stdout=log, stderr=subprocess.STDOUT)  # noqa: S603


def start_gateway(
    port: int, *, env: Mapping[str, str], log: IO[bytes], cwd: Path
) -> subprocess.Popen[bytes]:
    command = _openelements_command("serve", "--port", str(port), "--no-worker")
    return subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
        command, env=dict(env), cwd=cwd, stdout=log, stderr=subprocess.STDOUT
    )


@contextmanager
def running_processes(processes: list[subprocess.Popen[bytes]]) -> Iterator[None]:
    """Stops the processes in `processes` when the block ends, however it ends (SIGTERM, then
    SIGKILL); the list may grow inside the block."""
    try:
        yield
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def wait_until_up(
    session: aiohttp.ClientSession, url: str, *, process: subprocess.Popen[bytes]
) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the process exited with {process.returncode}")
        try:
            async with session.get(url) as response:
                if response.status < 500:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {STARTUP_SECONDS:.0f} s")


def create_organization(*, env: Mapping[str, str], cwd: Path, email: str) -> Organization:
    """`openelements admin create-organization` (D09); it prints one JSON object."""
    command = _openelements_command(
        "admin", "create-organization", "--name", "Contoso", "--email", email,
        "--password", "demo-password-1",
    )  # fmt: skip
    done = subprocess.run(command, env=dict(env), cwd=cwd, capture_output=True, check=True)  # noqa: S603
    created = json.loads(done.stdout.decode().strip().splitlines()[-1])
    return Organization(
        organization_secret=created["organization"]["secret"],
        user_secret=created["user"]["secret"],
        email=email,
    )


# --- the emulator's mailbox ---------------------------------------------------------------


async def _checked(response: aiohttp.ClientResponse) -> Any:
    text = await response.text()
    if response.status >= 400:
        raise RuntimeError(f"{response.method} {response.url} -> {response.status}: {text}")
    return json.loads(text) if text else None


async def register_app_and_mailbox(
    session: aiohttp.ClientSession, emulator: str, app: DemoApp
) -> None:
    control = f"{emulator}/_emulator"
    body = {
        "clientId": app.client_id,
        "clientSecret": app.client_secret,
        "redirectUris": [app.callback_url],
    }
    async with session.post(f"{control}/apps", json=body) as response:
        await _checked(response)
    user = {"userPrincipalName": app.mailbox, "displayName": app.display_name, "password": "pw"}
    async with session.post(f"{control}/users", json=user) as response:
        await _checked(response)


async def graph_token(session: aiohttp.ClientSession, emulator: str, mailbox: str) -> str:
    """A Graph token for seeding, from the emulator's control API (G41)."""
    async with session.post(f"{emulator}/_emulator/users/{mailbox}/token", json={}) as response:
        token: str = (await _checked(response))["access_token"]
        return token


def sample_event(
    subject: str, start: dt.datetime, *, minutes: int = 30, **extra: Any
) -> dict[str, Any]:
    end = start + dt.timedelta(minutes=minutes)
    return {
        "subject": subject,
        "start": {"dateTime": start.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"},
        "end": {"dateTime": end.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"},
        **extra,
    }


def week_start(today: dt.date) -> dt.datetime:
    monday = today - dt.timedelta(days=today.weekday())
    return dt.datetime.combine(monday, dt.time(), tzinfo=dt.UTC)


async def seed_sample_events(
    session: aiohttp.ClientSession, emulator: str, *, token: str, today: dt.date
) -> dict[str, Any]:
    """A few events this week and a weekly series starting this week with one changed
    occurrence; returns the series master."""
    graph, headers = f"{emulator}/v1.0/me", {"Authorization": f"Bearer {token}"}
    monday = week_start(today)
    singles = [
        sample_event("Planning", monday + dt.timedelta(hours=9)),
        sample_event("Design review", monday + dt.timedelta(days=1, hours=14), minutes=60),
        sample_event("Lunch with Sam", monday + dt.timedelta(days=3, hours=12), minutes=60),
    ]
    for body in singles:
        async with session.post(f"{graph}/events", json=body, headers=headers) as response:
            await _checked(response)
    weekly = sample_event(
        "Weekly sync",
        monday + dt.timedelta(days=2, hours=10),
        recurrence={
            "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["wednesday"]},
            "range": {
                "type": "numbered",
                "startDate": (monday + dt.timedelta(days=2)).date().isoformat(),
                "numberOfOccurrences": 8,
            },
        },
    )
    async with session.post(f"{graph}/events", json=weekly, headers=headers) as response:
        master: dict[str, Any] = await _checked(response)
    await _change_second_occurrence(session, graph, headers=headers, master=master, monday=monday)
    return master


async def _change_second_occurrence(
    session: aiohttp.ClientSession,
    graph: str,
    *,
    headers: Mapping[str, str],
    master: Mapping[str, Any],
    monday: dt.datetime,
) -> None:
    window = {
        "startDateTime": monday.isoformat(),
        "endDateTime": (monday + dt.timedelta(weeks=9)).isoformat(),
    }
    url = f"{graph}/events/{quote(master['id'], safe='')}/instances?{urlencode(window)}"
    async with session.get(url, headers=headers) as response:
        occurrences = (await _checked(response))["value"]
    second = occurrences[1]
    change = {
        "subject": "Weekly sync (moved to the big room)",
        "location": {"displayName": "Big room"},
    }
    async with session.patch(
        f"{graph}/events/{quote(second['id'], safe='')}", json=change, headers=headers
    ) as response:
        await _checked(response)


# --- provisioning through the gateway -------------------------------------------------------


async def provision_instance(
    session: aiohttp.ClientSession,
    gateway: str,
    *,
    organization: Organization,
    app: DemoApp,
    name: str = "Dana's calendar",
) -> dict[str, Any]:
    """`oauth/url` → authorize (auto consent) → code → `POST /instances` (spec §5.5)."""
    params = {
        "apiKey": app.client_id,
        "apiSecret": app.client_secret,
        "callbackUrl": app.callback_url,
        "scope": app.scope,
    }
    async with session.get(
        f"{gateway}/elements/microsoftgraph/oauth/url", params=params
    ) as response:
        oauth_url = (await _checked(response))["oauthUrl"]
    authorize = f"{oauth_url}&{urlencode({'login_hint': app.mailbox})}"
    async with session.get(authorize, allow_redirects=False) as response:
        location = response.headers.get("Location", "")
    code = parse_qs(urlsplit(location).query).get("code", [""])[0]
    if not code:
        raise RuntimeError(f"the identity platform gave no code: {location or response.status}")
    body = {
        "element": {"key": "microsoftgraph"},
        "name": name,
        "configuration": {
            "oauth.api.key": app.client_id,
            "oauth.api.secret": app.client_secret,
            "oauth.callback.url": app.callback_url,
            "oauth.scope": app.scope,
        },
        "providerData": {"code": code, "state": "microsoftgraph"},
    }
    headers = {"Authorization": organization.authorization()}
    async with session.post(f"{gateway}/instances", json=body, headers=headers) as response:
        instance: dict[str, Any] = await _checked(response)
        return instance


# --- what the demo prints ---------------------------------------------------------------------


def curl_lines(world: DemoWorld, *, today: dt.date) -> list[str]:
    hub = f"{world.gateway}/hubs/general"
    auth = shlex.quote(f"Authorization: {world.hub_authorization}")
    monday = week_start(today)
    next_monday = monday + dt.timedelta(days=7)
    # Issue 7: the calendar-view window as CEQL. It holds no `"`, `$`, backtick or backslash,
    # so the double-quoted shell word is safe and reads as typed.
    window = f"where=start >= '{monday:%Y-%m-%d}' AND end <= '{next_monday:%Y-%m-%d}'"
    new_event = json.dumps(
        sample_event("Coffee with the demo", monday + dt.timedelta(days=4, hours=15))
    )
    return [
        f"curl -s -H {auth} {shlex.quote(hub + '/events?pageSize=10')}",
        f"curl -s -G -H {auth} {shlex.quote(f'{hub}/calendar-view?orderBy=start.dateTime')}"
        f' --data-urlencode "{window}"',
        f"curl -s -H {auth} -H 'Content-Type: application/json' -X POST "
        f"-d {shlex.quote(new_event)} {shlex.quote(hub + '/events')}",
        f"curl -s -H {auth} {shlex.quote(hub + '/calendars')}",
    ]


def describe(world: DemoWorld, *, today: dt.date) -> str:
    lines = [
        READY_LINE,
        f"  gateway:             {world.gateway}",
        f"  emulator:            {world.emulator} (Graph at /v1.0, control at /_emulator)",
        f"  organization secret: {world.organization.organization_secret}",
        f"  user secret:         {world.organization.user_secret}",
        f"  user email:          {world.organization.email} (password demo-password-1)",
        f"  instance id:         {world.instance_id}",
        f"  instance token:      {world.instance_token}",
        "",
        "Try (list events, this week's calendar view with the weekly series expanded, create an",
        "event, list calendars):",
        *(f"  {line}" for line in curl_lines(world, today=today)),
        "",
        "Press Ctrl-C to stop.",
    ]
    return "\n".join(lines)


# --- the command ----------------------------------------------------------------------------


async def build_world(
    *,
    gateway_port: int,
    emulator_port: int,
    directory: Path,
    processes: list[subprocess.Popen[bytes]],
    log: IO[bytes],
    app: DemoApp = DemoApp(),
) -> DemoWorld:
    emulator = f"http://127.0.0.1:{emulator_port}"
    gateway = f"http://127.0.0.1:{gateway_port}{API_BASE_PATH}"
    env = gateway_environment(directory=directory, emulator=emulator)
    processes.append(start_emulator(emulator_port, log=log))
    processes.append(start_gateway(gateway_port, env=env, log=log, cwd=directory))
    timeout = aiohttp.ClientTimeout(total=30)
    # No keep-alive: the organization is created by a subprocess in between, long enough for
    # the servers to close idle connections under the client.
    connector = aiohttp.TCPConnector(force_close=True)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        await wait_until_up(session, f"{emulator}/_emulator/settings", process=processes[0])
        await wait_until_up(
            session, f"http://127.0.0.1:{gateway_port}/health", process=processes[1]
        )
        organization = create_organization(env=env, cwd=directory, email="admin@contoso.example")
        await register_app_and_mailbox(session, emulator, app)
        token = await graph_token(session, emulator, app.mailbox)
        await seed_sample_events(
            session, emulator, token=token, today=dt.datetime.now(dt.UTC).date()
        )
        instance = await provision_instance(session, gateway, organization=organization, app=app)
    return DemoWorld(
        gateway=gateway,
        emulator=emulator,
        organization=organization,
        instance_id=int(instance["id"]),
        instance_token=str(instance["token"]),
    )


def demo(
    port: Annotated[int, typer.Option(help="Gateway port (0 picks a free one).")] = 8000,
    emulator_port: Annotated[int, typer.Option(help="Emulator port (0 picks a free one).")] = 8765,
    directory: Annotated[
        Path, typer.Option(help="Where the demo's SQLite database, keys and log go.")
    ] = Path(".openelements/demo"),
) -> None:
    """Emulator + gateway on SQLite, a seeded mailbox, a connected instance, curl lines to try."""
    directory.mkdir(parents=True, exist_ok=True)
    directory = directory.resolve()
    for name in DATABASE_FILES:  # fresh each run: the emulator's mailbox lives in memory only
        (directory / name).unlink(missing_ok=True)
    processes: list[subprocess.Popen[bytes]] = []
    with (directory / "processes.log").open("wb") as log:
        try:
            world = asyncio.run(
                build_world(
                    gateway_port=port or free_port(),
                    emulator_port=emulator_port or free_port(),
                    directory=directory,
                    processes=processes,
                    log=log,
                )
            )
            typer.echo(describe(world, today=dt.datetime.now(dt.UTC).date()))
            _wait_for_interrupt(processes)
        except KeyboardInterrupt:
            pass
        except (RuntimeError, OSError, subprocess.CalledProcessError, aiohttp.ClientError) as exc:
            typer.echo(
                f"openelements demo: {exc} (logs in {directory / 'processes.log'})", err=True
            )
            raise typer.Exit(1) from None
        finally:
            _stop(processes)


def _wait_for_interrupt(processes: list[subprocess.Popen[bytes]]) -> None:
    signal.signal(signal.SIGTERM, _interrupt)
    while all(process.poll() is None for process in processes):
        time.sleep(0.5)
    raise RuntimeError("a demo process stopped on its own")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the demo like Ctrl-C: children are stopped too


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    with running_processes(processes):
        pass
