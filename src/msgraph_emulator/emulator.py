"""The whole state of one emulator: settings, clock, directory, mailboxes and the machinery
(throttle, faults, request log) the middleware consults. Handlers reach it as
`request.app.state.emulator`."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from msgraph_emulator.changes import ChangeEvent
from msgraph_emulator.clock import Clock
from msgraph_emulator.directory import App, Directory, User
from msgraph_emulator.faults import FaultTable
from msgraph_emulator.graph.mailbox import Mailbox
from msgraph_emulator.identity.jwt import SigningKey
from msgraph_emulator.identity.signin import SignInStore
from msgraph_emulator.identity.tokens import AccessToken, mint_access_token
from msgraph_emulator.request_log import RequestLog
from msgraph_emulator.settings import EmulatorSettings
from msgraph_emulator.throttle import Throttle

DEFAULT_ORIGIN = "http://127.0.0.1:8765"
# The client id of tokens handed out by `POST /_emulator/users/{upn}/token` ("as if in Outlook").
DIRECT_TOKEN_CLIENT_ID = "e0e0e0e0-0000-4000-8000-000000000001"
DIRECT_TOKEN_SCOPES = (
    "Calendars.Read",
    "Calendars.ReadWrite",
    "Contacts.ReadWrite",
    "User.Read",
)


class Emulator:
    def __init__(
        self,
        *,
        settings: EmulatorSettings | None = None,
        clock: Clock | None = None,
        directory: Directory | None = None,
        signing_key: SigningKey | None = None,
        origin: str = DEFAULT_ORIGIN,
        tls_origin: str | None = None,
    ) -> None:
        self.settings = settings or EmulatorSettings()
        self.clock = clock or Clock()
        self.directory = directory or Directory(signing_key=signing_key)
        self.mailboxes: dict[str, Mailbox] = {}
        self.faults = FaultTable()
        self.request_log = RequestLog()
        self.throttle = Throttle(self.settings.throttle, self.clock)
        self.change_listeners: list[Callable[[ChangeEvent], None]] = []
        # Parts with state of their own (subscriptions, delta) clear it here on reset.
        self.reset_listeners: list[Callable[[], None]] = []
        # Told after users, apps or grants change (the state file saves then).
        self.directory_listeners: list[Callable[[], None]] = []
        self.sign_ins = SignInStore()
        self.origin = origin
        # The HTTPS listener's origin when the emulator serves both (G40: msal needs https).
        self.tls_origin = tls_origin

    def create_user(
        self,
        *,
        user_principal_name: str,
        display_name: str,
        password: str | None = None,
        time_zone: str | None = None,
        user_id: str | None = None,
    ) -> User:
        """A user of the seed tenant with a mailbox (default calendar `Calendar`, G03)."""
        given, _, surname = display_name.partition(" ")
        user = User(
            id=user_id or str(uuid.uuid4()),
            user_principal_name=user_principal_name,
            display_name=display_name,
            mail=user_principal_name,
            password=password,
            time_zone=time_zone or "UTC",
            given_name=given or None,
            surname=surname or None,
        )
        self.directory.add_user(user)
        self.ensure_mailbox(user)
        return user

    def ensure_mailbox(self, user: User) -> Mailbox:
        """The user's mailbox, made on first need (users loaded from a state file)."""
        if user.id not in self.mailboxes:
            mailbox = Mailbox.create(user=user, clock=self.clock)
            # The very list, so listeners added later (delta, subscriptions) hear every change.
            mailbox.listeners = self.change_listeners
            self.mailboxes[user.id] = mailbox
        return self.mailboxes[user.id]

    def register_app(
        self, *, client_id: str, client_secret: str | None, redirect_uris: list[str]
    ) -> App:
        return self.directory.add_app(
            App(client_id=client_id, client_secret=client_secret, redirect_uris=redirect_uris)
        )

    def issue_user_token(
        self, user: User, *, scopes: tuple[str, ...] = DIRECT_TOKEN_SCOPES
    ) -> AccessToken:
        """A delegated access token without the sign-in dance (control API, tests, demo)."""
        return mint_access_token(
            self.directory,
            now=self.clock.now(),
            lifetime_seconds=self.settings.access_token_lifetime_seconds,
            client_id=DIRECT_TOKEN_CLIENT_ID,
            user=user,
            scopes=scopes,
        )

    def origin_for(self, scheme: str) -> str:
        """The origin a client reached over `scheme` should see in absolute URLs."""
        if scheme == "https" and self.tls_origin is not None:
            return self.tls_origin
        return self.origin

    def directory_changed(self) -> None:
        for listener in list(self.directory_listeners):
            listener()

    def reset(self) -> None:
        """Empty the store: users, mailboxes, apps, grants, faults, throttling, the log.
        Settings, clock, tenant and signing key stay."""
        self.directory.clear()
        self.mailboxes.clear()
        self.faults.clear()
        self.throttle.reset()
        self.request_log.clear()
        self.sign_ins.clear()
        for listener in self.reset_listeners:
            listener()
