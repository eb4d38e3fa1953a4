"""All SQL of the platform domain. Flushes, never commits: the caller owns the transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from openelements.platform.models import (
    Account,
    AccountSetting,
    AppUser,
    Organization,
    UserRole,
    UserSession,
)


class DuplicateRow(Exception):
    """A unique constraint refused the write (duplicate email, externalId, ...)."""


class PlatformRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, row: Organization | Account | AppUser | UserSession) -> None:
        """Insert ``row`` and flush so its id is known; a unique violation is `DuplicateRow`."""
        self._session.add(row)
        await self.flush()

    async def flush(self) -> None:
        try:
            async with self._session.begin_nested():
                await self._session.flush()
        except IntegrityError as error:
            raise DuplicateRow(str(error.orig)) from error

    # --- organizations ------------------------------------------------------------------

    async def organization(self, organization_id: int) -> Organization | None:
        return await self._session.get(Organization, organization_id)

    async def organization_by_digest(self, digest: str) -> Organization | None:
        query = select(Organization).where(Organization.secret_digest == digest)
        return await self._session.scalar(query)

    # --- accounts -----------------------------------------------------------------------

    async def account(self, organization_id: int, account_id: int) -> Account | None:
        query = select(Account).where(
            Account.organization_id == organization_id, Account.id == account_id
        )
        return await self._session.scalar(query)

    async def default_account(self, organization_id: int) -> Account | None:
        query = select(Account).where(
            Account.organization_id == organization_id, Account.is_default.is_(True)
        )
        return await self._session.scalar(query)

    async def account_by_external_id(
        self, organization_id: int, external_id: str
    ) -> Account | None:
        query = select(Account).where(
            Account.organization_id == organization_id, Account.external_id == external_id
        )
        return await self._session.scalar(query)

    async def accounts(
        self,
        organization_id: int,
        *,
        offset: int,
        limit: int,
        condition: ColumnElement[bool] | None = None,
    ) -> Sequence[Account]:
        query = select(Account).where(Account.organization_id == organization_id)
        if condition is not None:
            query = query.where(condition)
        query = query.order_by(Account.id).offset(offset).limit(limit)
        return (await self._session.scalars(query)).all()

    # --- users --------------------------------------------------------------------------

    async def user(self, user_id: int) -> AppUser | None:
        return await self._session.get(AppUser, user_id)

    async def user_by_email_key(self, email_key: str) -> AppUser | None:
        return await self._session.scalar(select(AppUser).where(AppUser.email_key == email_key))

    async def user_by_digest(self, digest: str) -> AppUser | None:
        return await self._session.scalar(select(AppUser).where(AppUser.secret_digest == digest))

    async def users(
        self,
        organization_id: int,
        *,
        offset: int,
        limit: int,
        account_id: int | None = None,
        user_id: int | None = None,
    ) -> Sequence[AppUser]:
        query = select(AppUser).where(AppUser.organization_id == organization_id)
        if account_id is not None:
            query = query.where(AppUser.account_id == account_id)
        if user_id is not None:
            query = query.where(AppUser.id == user_id)
        query = query.order_by(AppUser.id).offset(offset).limit(limit)
        return (await self._session.scalars(query)).all()

    async def accounts_by_id(self, account_ids: Iterable[int]) -> dict[int, Account]:
        wanted = set(account_ids)
        if not wanted:
            return {}
        rows = await self._session.scalars(select(Account).where(Account.id.in_(wanted)))
        return {row.id: row for row in rows}

    # --- roles --------------------------------------------------------------------------

    async def role_keys(self, user_ids: Iterable[int]) -> dict[int, set[str]]:
        wanted = set(user_ids)
        found: dict[int, set[str]] = {user_id: set() for user_id in wanted}
        if not wanted:
            return found
        rows = await self._session.execute(
            select(UserRole.user_id, UserRole.role_key).where(UserRole.user_id.in_(wanted))
        )
        for user_id, key in rows:
            found[user_id].add(key)
        return found

    async def lock_user(self, user_id: int) -> None:
        """Serialize changes to one user's roles (a no-op on SQLite, whose writers queue)."""
        await self._session.execute(
            select(AppUser.id).where(AppUser.id == user_id).with_for_update()
        )

    async def lock_account(self, account_id: int) -> None:
        """Serialize changes to one account's settings."""
        await self._session.execute(
            select(Account.id).where(Account.id == account_id).with_for_update()
        )

    async def grant(self, user_id: int, role_key: str) -> None:
        if await self._session.get(UserRole, (user_id, role_key)) is None:
            self._session.add(UserRole(user_id=user_id, role_key=role_key))
            await self._session.flush()

    async def revoke(self, user_id: int, role_key: str) -> None:
        await self._session.execute(
            delete(UserRole).where(UserRole.user_id == user_id, UserRole.role_key == role_key)
        )

    async def replace_roles(self, user_id: int, role_keys: Iterable[str]) -> None:
        await self._session.execute(delete(UserRole).where(UserRole.user_id == user_id))
        for key in sorted(set(role_keys)):
            self._session.add(UserRole(user_id=user_id, role_key=key))
        await self._session.flush()

    # --- sessions -----------------------------------------------------------------------

    async def session_by_digest(self, digest: str) -> UserSession | None:
        query = select(UserSession).where(UserSession.token_digest == digest)
        return await self._session.scalar(query)

    async def delete_sessions_of(self, user_id: int) -> None:
        await self._session.execute(delete(UserSession).where(UserSession.user_id == user_id))

    async def delete_sessions_expired_by(self, moment: datetime) -> None:
        await self._session.execute(delete(UserSession).where(UserSession.expires_at <= moment))

    # --- settings -----------------------------------------------------------------------

    async def settings(self, account_id: int) -> dict[str, str]:
        rows = await self._session.execute(
            select(AccountSetting.key, AccountSetting.value).where(
                AccountSetting.account_id == account_id
            )
        )
        return {row.key: row.value for row in rows}

    async def put_setting(self, account_id: int, *, key: str, value: str, moment: datetime) -> None:
        row = await self._session.get(AccountSetting, (account_id, key))
        if row is None:
            self._session.add(
                AccountSetting(account_id=account_id, key=key, value=value, updated_at=moment)
            )
        else:
            row.value, row.updated_at = value, moment
        await self._session.flush()
