"""An authorization request on its way through the sign-in pages (G33)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class AuthorizeRequest:
    tenant: str
    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]  # granted Graph permissions, then OIDC scopes
    state: str | None
    response_mode: str
    code_challenge: str | None
    code_challenge_method: str | None
    nonce: str | None
    login_hint: str | None
    prompt: str | None


@dataclass
class PendingSignIn:
    request: AuthorizeRequest
    expires_at: datetime
    username: str | None = None
    user_id: str | None = None  # set once the password was right


class SignInStore:
    def __init__(self) -> None:
        self._pending: dict[str, PendingSignIn] = {}

    def start(self, pending: PendingSignIn, *, now: datetime) -> str:
        self._pending = {k: v for k, v in self._pending.items() if v.expires_at > now}
        key = secrets.token_urlsafe(24)
        self._pending[key] = pending
        return key

    def find(self, key: str, *, now: datetime) -> PendingSignIn | None:
        pending = self._pending.get(key)
        return pending if pending is not None and pending.expires_at > now else None

    def finish(self, key: str) -> None:
        self._pending.pop(key, None)

    def clear(self) -> None:
        self._pending.clear()
