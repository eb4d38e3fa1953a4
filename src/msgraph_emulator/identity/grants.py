"""What the identity platform has handed out: authorization codes, refresh grants and access
tokens (G33, G35, G39).

Refresh tokens are opaque random strings stored hashed. Access tokens are JWTs, but each one's
`uti` is registered here so `POST /_emulator/tokens/expire` can end them early and a token
from another emulator run (or before a reset) is unknown.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class AuthorizationCode:
    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    user_id: str
    code_challenge: str | None
    code_challenge_method: str | None
    nonce: str | None
    expires_at: datetime
    redeemed: bool = False


@dataclass
class RefreshGrant:
    user_id: str
    client_id: str
    scopes: tuple[str, ...]
    issued_at: datetime
    revoked: bool = False
    used: bool = False

    def to_json(self) -> dict[str, Any]:
        document = asdict(self)
        document["scopes"] = list(self.scopes)
        document["issued_at"] = self.issued_at.isoformat()
        return document

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> RefreshGrant:
        return cls(
            user_id=document["user_id"],
            client_id=document["client_id"],
            scopes=tuple(document["scopes"]),
            issued_at=datetime.fromisoformat(document["issued_at"]),
            revoked=bool(document.get("revoked", False)),
            used=bool(document.get("used", False)),
        )


@dataclass
class IssuedAccessToken:
    user_id: str | None
    client_id: str
    expires_at: datetime  # moved earlier by `expire_access`
    lifetime_ends_at: datetime | None = None  # the token's own `exp`; None: same as expires_at

    @property
    def natural_end(self) -> datetime:
        return self.lifetime_ends_at or self.expires_at


ACCESS_REGISTRY_PRUNE_AT = 10_000


@dataclass
class GrantStore:
    codes: dict[str, AuthorizationCode] = field(default_factory=dict)
    refresh: dict[str, RefreshGrant] = field(default_factory=dict)
    access: dict[str, IssuedAccessToken] = field(default_factory=dict)

    def issue_code(self, code: AuthorizationCode, *, now: datetime) -> str:
        self._prune_codes(now)
        value = secrets.token_urlsafe(48)
        self.codes[value] = code
        return value

    def find_code(self, value: str) -> AuthorizationCode | None:
        return self.codes.get(value)

    def issue_refresh(self, grant: RefreshGrant) -> str:
        value = "1." + secrets.token_urlsafe(64)
        self.refresh[_hash(value)] = grant
        return value

    def find_refresh(self, value: str) -> RefreshGrant | None:
        return self.refresh.get(_hash(value))

    def register_access(self, token_id: str, issued: IssuedAccessToken, *, now: datetime) -> None:
        if len(self.access) >= ACCESS_REGISTRY_PRUNE_AT:
            self._prune_access(now)
        self.access[token_id] = issued

    def find_access(self, token_id: str) -> IssuedAccessToken | None:
        return self.access.get(token_id)

    def expire_access(self, *, now: datetime, user_id: str | None = None) -> int:
        """End access tokens now (all, or one user's); returns how many were still alive."""
        ended = 0
        for issued in self.access.values():
            if (user_id is None or issued.user_id == user_id) and issued.expires_at > now:
                issued.expires_at = now
                ended += 1
        return ended

    def revoke_refresh(self, *, user_id: str | None = None) -> int:
        revoked = 0
        for grant in self.refresh.values():
            if (user_id is None or grant.user_id == user_id) and not grant.revoked:
                grant.revoked = True
                revoked += 1
        return revoked

    def prune(self, *, now: datetime, refresh_inactivity: timedelta) -> None:
        """Forget what can no longer be used, so memory stays bounded in long runs."""
        self._prune_codes(now)
        self._prune_access(now)
        self.refresh = {
            k: v for k, v in self.refresh.items() if v.issued_at + refresh_inactivity > now
        }

    def _prune_access(self, now: datetime) -> None:
        """Only tokens past their own `exp`: those answer "expired" without the registry."""
        self.access = {k: v for k, v in self.access.items() if v.natural_end > now}

    def _prune_codes(self, now: datetime) -> None:
        self.codes = {k: v for k, v in self.codes.items() if v.expires_at > now}

    def to_json(self) -> dict[str, Any]:
        return {
            "refresh": {k: v.to_json() for k, v in self.refresh.items()},
            "access": {
                k: {
                    "user_id": v.user_id,
                    "client_id": v.client_id,
                    "expires_at": v.expires_at.isoformat(),
                    "lifetime_ends_at": v.natural_end.isoformat(),
                }
                for k, v in self.access.items()
            },
        }

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> GrantStore:
        store = cls()
        for key, grant in document.get("refresh", {}).items():
            store.refresh[key] = RefreshGrant.from_json(grant)
        for key, issued in document.get("access", {}).items():
            store.access[key] = IssuedAccessToken(
                user_id=issued["user_id"],
                client_id=issued["client_id"],
                expires_at=datetime.fromisoformat(issued["expires_at"]),
                lifetime_ends_at=datetime.fromisoformat(
                    issued.get("lifetime_ends_at", issued["expires_at"])
                ),
            )
        return store
