"""What the platform domain needs from the process: keys, password hashing, clock, limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from openelements.kit.clock import Clock, SystemClock
from openelements.kit.crypto import KeyRing, SecretDigester, constant_time_equals, row_aad
from openelements.platform.passwords import PasswordHashing
from openelements.platform.repository import PlatformRepository

DEFAULT_SESSION_LIFETIME = timedelta(minutes=15)
DEFAULT_PAGE_SIZE = 200
MAX_PAGE_SIZE = 1000


@dataclass(frozen=True, slots=True)
class IssuedSecret:
    """A freshly generated secret: the value to show once, and what the database keeps."""

    value: str
    digest: str
    sealed: str


@dataclass(frozen=True, slots=True)
class SecretStore:
    """D08: look secrets up by HMAC digest; keep an AES-GCM copy bound to its row."""

    key_ring: KeyRing
    digester: SecretDigester

    def digest(self, value: str) -> str:
        return self.digester.digest(value)

    def matches(self, value: str, digest: str) -> bool:
        return constant_time_equals(self.digester.digest(value), digest)

    def issue(self, value: str, *, table: str) -> IssuedSecret:
        digest = self.digester.digest(value)
        sealed = self.key_ring.seal_text(value, aad=row_aad(table, digest, "secret"))
        return IssuedSecret(value=value, digest=digest, sealed=sealed)

    def reveal(self, sealed: str, *, table: str, digest: str) -> str:
        return self.key_ring.open_text(sealed, aad=row_aad(table, digest, "secret"))


@dataclass(frozen=True, slots=True)
class PlatformRuntime:
    secrets: SecretStore
    passwords: PasswordHashing
    clock: Clock = field(default_factory=SystemClock)
    session_lifetime: timedelta = DEFAULT_SESSION_LIFETIME

    def now(self) -> datetime:
        return self.clock.now()


class PlatformService:
    """Base of the platform's services: all SQL through a repository over the session the
    request or command boundary owns (services flush, never commit)."""

    def __init__(self, session: AsyncSession, runtime: PlatformRuntime) -> None:
        self._repository = PlatformRepository(session)
        self._runtime = runtime
