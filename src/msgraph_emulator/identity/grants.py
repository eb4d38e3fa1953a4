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


# The registries are swept once they reach this size, then again at twice the size the sweep
# left, so a sweep costs O(1) per issued token even when every entry is still alive.
ACCESS_REGISTRY_PRUNE_AT = 10_000
REFRESH_REGISTRY_PRUNE_AT = 10_000


@dataclass
class GrantStore:
    codes: dict[str, AuthorizationCode] = field(default_factory=dict)
    refresh: dict[str, RefreshGrant] = field(default_factory=dict)
    access: dict[str, IssuedAccessToken] = field(default_factory=dict)
    _access_sweep_at: int = field(default=ACCESS_REGISTRY_PRUNE_AT, repr=False)
    _refresh_sweep_at: int = field(default=REFRESH_REGISTRY_PRUNE_AT, repr=False)

    def issue_code(self, code: AuthorizationCode, *, now: datetime) -> str:
        self._prune_codes(now)
        value = secrets.token_urlsafe(48)
        self.codes[value] = code
        return value

    def find_code(self, value: str) -> AuthorizationCode | None:
        return self.codes.get(value)

    def issue_refresh(self, grant: RefreshGrant, *, inactivity: timedelta | None = None) -> str:
        """Every use of a refresh token adds a grant and the old one stays valid (G35), so
        grants past `inactivity` are swept here: nothing else ever forgets them."""
        if inactivity is not None and len(self.refresh) >= self._refresh_sweep_at:
            self._prune_refresh(grant.issued_at, inactivity)
            self._refresh_sweep_at = max(REFRESH_REGISTRY_PRUNE_AT, 2 * len(self.refresh))
        value = "1." + secrets.token_urlsafe(64)
        self.refresh[_hash(value)] = grant
        return value

    def find_refresh(self, value: str) -> RefreshGrant | None:
        return self.refresh.get(_hash(value))

    def register_access(self, token_id: str, issued: IssuedAccessToken, *, now: datetime) -> None:
        if len(self.access) >= self._access_sweep_at:
            self._prune_access(now)
            self._access_sweep_at = max(ACCESS_REGISTRY_PRUNE_AT, 2 * len(self.access))
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
        self._prune_refresh(now, refresh_inactivity)

    def _prune_refresh(self, now: datetime, inactivity: timedelta) -> None:
        """Grants past inactivity are dead (a forgotten one answers `invalid_grant` too);
        revoked grants stay, as subscriptions count them to notice a revocation."""
        self.refresh = {
            k: v for k, v in self.refresh.items() if v.revoked or v.issued_at + inactivity > now
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
