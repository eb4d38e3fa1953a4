"""Session login (D03): email and password for a short-lived bearer token, token for secrets.

The token is opaque and random; only its HMAC digest is stored, with an expiry. It opens
`GET /authentication/secrets` and nothing else (the Authorization parser refuses `Bearer` on
every other route, D05).
"""

from __future__ import annotations

import re
import secrets

from openelements.kit.errors import Unauthorized
from openelements.platform.models import AppUser, UserSession
from openelements.platform.runtime import PlatformService
from openelements.platform.schemas import SessionLogin, SessionSecrets, SessionToken
from openelements.platform.users import USER_TABLE, email_key

_BEARER = re.compile(r"[ \t]*bearer[ \t]+([A-Za-z0-9_-]{1,200})[ \t]*", re.IGNORECASE)
_WRONG_LOGIN = "Invalid username or password"


def bearer_token(header: str | None) -> str:
    """The token of an `Authorization: Bearer <token>` header, or 401 saying what is wrong."""
    if header is None or not header.strip():
        raise Unauthorized("Authorization header with 'Bearer <token>' is required")
    match = _BEARER.fullmatch(header)
    if match is None:
        raise Unauthorized(
            "Invalid Authorization header: this route accepts only 'Bearer <token>'"
            " from POST /authentication"
        )
    return match.group(1)


class SessionService(PlatformService):
    async def check_login(self, body: SessionLogin) -> int:
        """The id of the user the email and password belong to; 401 otherwise.

        Meant for a read-only session: the slow password check must not hold a write lock.
        """
        user = await self._repository.user_by_email_key(email_key(body.username))
        hashed = user.password_hash if user is not None else None
        # Verified even for an unknown email, so timing does not tell which emails exist.
        matched = await self._runtime.passwords.verify(hashed, body.password)
        if user is None or not matched or not await self._usable(user):
            raise Unauthorized(_WRONG_LOGIN)
        return user.id

    async def open_session(self, user_id: int) -> SessionToken:
        """A new short-lived token for a user `check_login` accepted."""
        user = await self._repository.user(user_id)
        if user is None or not await self._usable(user):
            raise Unauthorized(_WRONG_LOGIN)
        now = self._runtime.now()
        await self._repository.delete_sessions_expired_by(now)
        token = secrets.token_urlsafe(32)
        await self._repository.add(
            UserSession(
                user_id=user.id,
                token_digest=self._runtime.secrets.digest(token),
                created_at=now,
                expires_at=now + self._runtime.session_lifetime,
            )
        )
        user.last_login_at = now
        await self._repository.flush()
        return SessionToken(token=token)

    async def secrets_for(self, token: str) -> SessionSecrets:
        found = await self._repository.session_by_digest(self._runtime.secrets.digest(token))
        if found is None or not self._runtime.secrets.matches(token, found.token_digest):
            raise Unauthorized("Invalid session token")
        if found.expires_at <= self._runtime.now():
            raise Unauthorized("The session token has expired; log in again")
        user = await self._repository.user(found.user_id)
        if user is None or not await self._usable(user):
            raise Unauthorized("The user is deactivated")
        organization = await self._repository.organization(user.organization_id)
        if organization is None:
            raise Unauthorized("The organization is deactivated")
        store = self._runtime.secrets
        return SessionSecrets(
            user_secret=store.reveal(
                user.secret_sealed, table=USER_TABLE, digest=user.secret_digest
            ),
            organization_secret=store.reveal(
                organization.secret_sealed,
                table="organization",
                digest=organization.secret_digest,
            ),
        )

    async def _usable(self, user: AppUser) -> bool:
        if not user.active:
            return False
        account = await self._repository.account(user.organization_id, user.account_id)
        organization = await self._repository.organization(user.organization_id)
        return bool(account and account.active and organization and organization.active)
