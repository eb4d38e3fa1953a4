"""The front door of every request.

For `/v1.0/**` (Graph) the middleware, in order: gives the request its ids, validates the
bearer token (G30) into `request.state.principal`, admits it through throttling per
(app id, mailbox) (G29), applies injected faults, runs the handler, stamps Graph's standard
response headers (spec §7) and records the request. Identity routes get faults and the
request log; `/_emulator/**` passes straight through.

Handlers use `mailbox_for(request)` and `require_scope(request, write=...)`.
"""

from __future__ import annotations

import json
import re
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import anyio
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from msgraph_emulator.directory import User
from msgraph_emulator.errors import GRAPH_JSON_CONTENT_TYPE, GraphError, graph_error_response
from msgraph_emulator.faults import DEFAULT_FAULT_ERRORS, Fault
from msgraph_emulator.graph.mailbox import Mailbox
from msgraph_emulator.identity.errors import IdentityError, identity_error_response
from msgraph_emulator.identity.tokens import GRAPH_APP_ID, TokenProblem, validate_access_token
from msgraph_emulator.throttle import ThrottleKey

if TYPE_CHECKING:
    from msgraph_emulator.emulator import Emulator

GRAPH_PREFIX = "/v1.0"
CONTROL_PREFIX = "/_emulator"
ME_ALIAS = "me-token-to-replace"  # G01
_ALIAS_PATH = re.compile(rf"^{re.escape(GRAPH_PREFIX)}/users/{ME_ALIAS}(?=/|$)", re.IGNORECASE)
_USER_PATH = re.compile(rf"^{re.escape(GRAPH_PREFIX)}/users/([^/]+)")
_ME_PATH = re.compile(rf"^{re.escape(GRAPH_PREFIX)}/me(?=/|$)")
ACCESS_DENIED = "Access is denied. Check credentials and try again."
AGS_DIAGNOSTIC = json.dumps(
    {
        "ServerInfo": {
            "DataCenter": "Emulator",
            "Slice": "E",
            "Ring": "1",
            "ScaleUnit": "000",
            "RoleInstance": "msgraph-emulator",
        }
    },
    separators=(",", ":"),
)


@dataclass(frozen=True)
class Principal:
    user: User | None  # None for an application-only token
    app_id: str
    scopes: frozenset[str]  # `scp` of a delegated token, `roles` of an app token


# --- helpers for Graph handlers -----------------------------------------------------------

Resource = Literal["calendar", "contact", "user"]
_READ_SCOPES: dict[Resource, frozenset[str]] = {
    "calendar": frozenset(
        {
            "Calendars.Read",
            "Calendars.ReadBasic",
            "Calendars.ReadWrite",
            "Calendars.Read.Shared",
            "Calendars.ReadWrite.Shared",
        }
    ),
    "contact": frozenset(
        {"Contacts.Read", "Contacts.ReadWrite", "Contacts.Read.Shared", "Contacts.ReadWrite.Shared"}
    ),
    "user": frozenset(
        {"User.Read", "User.ReadWrite", "User.ReadBasic.All", "User.Read.All", "User.ReadWrite.All"}
    ),
}
_WRITE_SCOPES: dict[Resource, frozenset[str]] = {
    "calendar": frozenset({"Calendars.ReadWrite", "Calendars.ReadWrite.Shared"}),
    "contact": frozenset({"Contacts.ReadWrite", "Contacts.ReadWrite.Shared"}),
    "user": frozenset({"User.ReadWrite", "User.ReadWrite.All"}),
}
_SHARED_SCOPES = frozenset(
    {
        "Calendars.Read.Shared",
        "Calendars.ReadWrite.Shared",
        "Contacts.Read.Shared",
        "Contacts.ReadWrite.Shared",
    }
)


def principal_of(request: Request) -> Principal:
    principal = getattr(request.state, "principal", None)
    if not isinstance(principal, Principal):
        raise GraphError(401, "InvalidAuthenticationToken", TokenProblem.EMPTY.value)
    return principal


def require_scope(request: Request, write: bool, *, resource: Resource = "calendar") -> None:
    """G30: `Calendars.Read` for reads, `Calendars.ReadWrite` for writes (`User.Read` for
    `/me`, `Contacts.*` for contacts); otherwise 403 `ErrorAccessDenied`."""
    granted = principal_of(request).scopes
    needed = _WRITE_SCOPES[resource] if write else _READ_SCOPES[resource]
    if not granted & needed:
        raise GraphError(403, "ErrorAccessDenied", ACCESS_DENIED)


def user_for(request: Request) -> User:
    """The user a `/me/...` or `/users/{user}/...` request is about."""
    principal = principal_of(request)
    key = request.path_params.get("user")
    if key is None or str(key).casefold() == ME_ALIAS:
        if principal.user is None:  # G02
            raise GraphError(
                400, "BadRequest", "/me request is only valid with delegated authentication flow."
            )
        return principal.user
    user = _emulator(request).directory.user_by_id_or_upn(str(key))
    if user is None:
        raise GraphError(404, "ErrorInvalidUser", f"The requested user '{key}' is invalid.")
    other_users_mailbox = principal.user is not None and principal.user.id != user.id
    if other_users_mailbox and not principal.scopes & _SHARED_SCOPES:
        raise GraphError(403, "ErrorAccessDenied", ACCESS_DENIED)
    return user


def mailbox_for(request: Request) -> Mailbox:
    """The mailbox of `user_for(request)` (created on first use if missing)."""
    return _emulator(request).ensure_mailbox(user_for(request))


def _emulator(request: Request) -> Emulator:
    emulator: Emulator = request.app.state.emulator
    return emulator


# --- the middleware -----------------------------------------------------------------------


class EmulatorMiddleware:
    def __init__(self, app: ASGIApp, *, emulator: Emulator) -> None:
        self.app = app
        self.emulator = emulator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "") if scope["type"] == "http" else ""
        if not path or path.startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
        elif path == GRAPH_PREFIX or path.startswith(GRAPH_PREFIX + "/"):
            await GraphExchange(self, scope, receive, send).run()
        else:
            await IdentityExchange(self, scope, receive, send).run()


class _Exchange(ABC):
    """One request on its way through the middleware; remembers what the log needs."""

    def __init__(self, owner: EmulatorMiddleware, scope: Scope, receive: Receive, send: Send):
        self.app = owner.app
        self.emulator = owner.emulator
        self.scope = scope
        self.receive = receive
        self._send = send
        self.status = 500
        self.state: dict[str, Any] = scope.setdefault("state", {})
        self.received_path: str = scope["path"]  # logged as sent, before the G01 rewrite

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
        await self._send(message)

    async def respond(self, response: Response) -> None:
        await response(self.scope, self.receive, self.send)

    async def apply_fault(self, fault: Fault) -> bool:
        """Sleeps for the fault's latency; True when the fault answered the request."""
        if fault.delay_ms:
            await anyio.sleep(fault.delay_ms / 1000)
        if fault.status is None:
            return False
        await self.respond(self.fault_response(fault))
        return True

    @abstractmethod
    def fault_response(self, fault: Fault) -> Response:
        """Graph and the identity platform write errors differently."""

    def record(self) -> None:
        principal = self.state.get("principal")
        user = None
        if isinstance(principal, Principal) and principal.user is not None:
            user = principal.user.user_principal_name
        self.emulator.request_log.record(
            method=self.scope["method"],
            path=self.received_path,
            query=self.scope.get("query_string", b"").decode("latin-1"),
            status=self.status,
            at=self.emulator.clock.now(),
            user=self.state.get("log_user", user),
            app_id=principal.app_id if isinstance(principal, Principal) else None,
            grant_type=self.state.get("grant_type"),
        )


class IdentityExchange(_Exchange):
    async def run(self) -> None:
        try:
            fault = self.emulator.faults.take(self.scope["method"], self.scope["path"])
            if fault is None or not await self.apply_fault(fault):
                await self.app(self.scope, self.receive, self.send)
        finally:
            self.record()

    def fault_response(self, fault: Fault) -> Response:
        headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
        if fault.body is not None:
            return Response(
                json.dumps(fault.body), fault.status or 500, headers, "application/json"
            )
        error = IdentityError(
            "temporarily_unavailable", 90006, "The service is temporarily unavailable."
        )
        error.status = fault.status or 503
        response = identity_error_response(
            error,
            now=self.emulator.clock.now(),
            correlation_id=Headers(scope=self.scope).get("client-request-id"),
            origin=self.emulator.origin_for(self.scope.get("scheme", "http")),
        )
        response.headers.update(headers)
        return response


class GraphExchange(_Exchange):
    async def run(self) -> None:
        self._assign_ids()
        self._rewrite_me_alias()
        try:
            await self._admit()
        finally:
            self.record()

    async def _admit(self) -> None:
        problem = self._authenticate()
        if problem is not None:
            await self.respond(self._unauthorized(problem))
            return
        key = self._throttle_key()
        if key is not None:
            rejection = self.emulator.throttle.acquire(key)
            if rejection is not None:
                headers = {"Retry-After": str(rejection.retry_after_seconds)}
                error = GraphError(429, "ApplicationThrottled", rejection.message, headers=headers)
                await self.respond(graph_error_response(Request(self.scope), error))
                return
        try:
            fault = self.emulator.faults.take(self.scope["method"], self.scope["path"])
            if fault is None or not await self.apply_fault(fault):
                await self.app(self.scope, self.receive, self.send)
        finally:  # also when the handler fails or the client goes away
            if key is not None:
                self.emulator.throttle.release(key)

    def _assign_ids(self) -> None:
        request_id = str(uuid.uuid4())
        self.state["request_id"] = request_id
        given = Headers(scope=self.scope).get("client-request-id")
        self.state["client_request_id"] = given or request_id

    def _rewrite_me_alias(self) -> None:
        path = self.scope["path"]
        rewritten = _ALIAS_PATH.sub(f"{GRAPH_PREFIX}/me", path, count=1)
        if rewritten != path:
            # The raw path keeps its percent-encoding: ids may hold an encoded "/".
            raw = self.scope.get("raw_path") or path.encode()
            raw_rewritten = _ALIAS_PATH.sub(f"{GRAPH_PREFIX}/me", raw.decode("latin-1"), count=1)
            self.scope = dict(self.scope, path=rewritten, raw_path=raw_rewritten.encode("latin-1"))
            self.state = self.scope["state"]

    def _authenticate(self) -> TokenProblem | None:
        header = Headers(scope=self.scope).get("authorization", "")
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != "bearer":
            token = ""
        result = validate_access_token(
            self.emulator.directory, token.strip(), now=self.emulator.clock.now()
        )
        if isinstance(result, TokenProblem):
            return result
        self.state["principal"] = Principal(
            user=result.user, app_id=result.app_id, scopes=result.scopes
        )
        return None

    def _unauthorized(self, problem: TokenProblem) -> Response:
        challenge = (
            f'Bearer realm="", authorization_uri="{self._origin()}/common/oauth2/authorize", '
            f'client_id="{GRAPH_APP_ID}"'
        )
        error = GraphError(
            401,
            "InvalidAuthenticationToken",
            problem.value,
            headers={"WWW-Authenticate": challenge},
        )
        return graph_error_response(Request(self.scope), error)

    def _origin(self) -> str:
        return self.emulator.origin_for(self.scope.get("scheme", "http"))

    def _throttle_key(self) -> ThrottleKey | None:
        """(app id, mailbox user id) for mailbox paths; None for everything else, unknown
        users included: they answer 404, and keying them by the client's text would let any
        client grow the throttle's state without bound."""
        principal: Principal = self.state["principal"]
        path = self.scope["path"]
        if _ME_PATH.match(path):
            return (principal.app_id, principal.user.id) if principal.user else None
        match = _USER_PATH.match(path)
        if match is None:
            return None
        user = self.emulator.directory.user_by_id_or_upn(match.group(1))
        return (principal.app_id, user.id) if user else None

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            message = dict(message, headers=self._graph_headers(message.get("headers", [])))
        await super().send(message)

    def _graph_headers(self, raw: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
        present = {name.lower() for name, _ in raw}
        headers = [
            (name, GRAPH_JSON_CONTENT_TYPE.encode())
            if name.lower() == b"content-type" and value.startswith(b"application/json")
            else (name, value)
            for name, value in raw
        ]
        standard = {
            b"request-id": self.state["request_id"],
            b"client-request-id": self.state["client_request_id"],
            b"x-ms-ags-diagnostic": AGS_DIAGNOSTIC,
            b"odata-version": "4.0",
            b"cache-control": "private",
            b"strict-transport-security": "max-age=31536000",
        }
        headers += [(k, v.encode()) for k, v in standard.items() if k not in present]
        return headers

    def fault_response(self, fault: Fault) -> Response:
        status = fault.status or 500
        headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
        if fault.body is not None:
            return Response(json.dumps(fault.body), status, headers, "application/json")
        code, message = DEFAULT_FAULT_ERRORS.get(status, ("generalException", "Injected fault."))
        error = GraphError(status, code, message, headers=headers)
        return graph_error_response(Request(self.scope), error)
