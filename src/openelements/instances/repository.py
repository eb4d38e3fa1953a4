"""All SQL of the instances domain. Flushes, never commits: the caller owns the transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from openelements.instances.models import ElementInstance, InstanceConfiguration, InstanceTag
from openelements.platform.models import AppUser

__all__ = ["InstanceFilter", "InstanceRepository", "TokenState", "token_state_of"]


@dataclass(frozen=True, slots=True)
class InstanceFilter:
    """Which instances a listing covers: an account's, optionally narrowed."""

    account_id: int
    element_key: str | None = None
    tags: tuple[str, ...] = ()
    search_text: str | None = None


@dataclass(frozen=True, slots=True)
class TokenState:
    """The columns the token keeper judges a token and its lease by (instances/tokens.py)."""

    id: int
    element_key: str
    mailbox: str | None
    disabled: bool
    valid: bool
    invalid_reason: str | None
    access_token_sealed: str | None
    access_expires_at: datetime | None
    credentials_version: int
    refreshed_at: datetime | None
    created_at: datetime
    refresh_owner: str | None
    refreshing_until: datetime | None


_TOKEN_STATE_COLUMNS = tuple(
    getattr(ElementInstance, name) for name in TokenState.__dataclass_fields__
)


def token_state_of(instance: ElementInstance) -> TokenState:
    return TokenState(*(getattr(instance, name) for name in TokenState.__dataclass_fields__))


class InstanceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, row: ElementInstance) -> ElementInstance:
        self._session.add(row)
        await self._session.flush()
        return row

    async def get(self, instance_id: int, *, for_update: bool = False) -> ElementInstance | None:
        """A live (not deleted) instance. `for_update` locks the row on PostgreSQL; SQLite's
        write transactions already hold the database lock (BEGIN IMMEDIATE, kit.db)."""
        query = select(ElementInstance).where(
            ElementInstance.id == instance_id, ElementInstance.deleted_at.is_(None)
        )
        if for_update:
            query = query.with_for_update()
        return await self._session.scalar(query.execution_options(populate_existing=True))

    async def token_state(self, instance_id: int) -> TokenState | None:
        """A live instance's token columns: one narrow row, no ORM object (the hub's hot path
        reads it once per grant-cache TTL)."""
        query = select(*_TOKEN_STATE_COLUMNS).where(
            ElementInstance.id == instance_id, ElementInstance.deleted_at.is_(None)
        )
        row = (await self._session.execute(query)).one_or_none()
        return None if row is None else TokenState(*row)

    async def by_token_digest(self, digest: str) -> ElementInstance | None:
        query = select(ElementInstance).where(
            ElementInstance.token_digest == digest, ElementInstance.deleted_at.is_(None)
        )
        return await self._session.scalar(query)

    async def listing(
        self, scope: InstanceFilter, *, offset: int, limit: int
    ) -> Sequence[ElementInstance]:
        query = self._filtered(scope).order_by(ElementInstance.id).offset(offset).limit(limit)
        return (await self._session.scalars(query)).all()

    async def count_by_element(self, account_id: int) -> dict[str, int]:
        query = (
            select(ElementInstance.element_key, func.count())
            .where(ElementInstance.account_id == account_id, ElementInstance.deleted_at.is_(None))
            .group_by(ElementInstance.element_key)
            .order_by(ElementInstance.element_key)
        )
        return {str(key): int(count) for key, count in await self._session.execute(query)}

    def _filtered(self, scope: InstanceFilter) -> Select[ElementInstance]:
        query = select(ElementInstance).where(
            ElementInstance.account_id == scope.account_id, ElementInstance.deleted_at.is_(None)
        )
        if scope.element_key is not None:
            query = query.where(ElementInstance.element_key == scope.element_key)
        if scope.tags:
            tagged = select(InstanceTag.instance_id).where(InstanceTag.tag.in_(scope.tags))
            query = query.where(ElementInstance.id.in_(tagged))
        if scope.search_text:
            pattern = f"%{_escape_like(scope.search_text.lower())}%"
            tagged = select(InstanceTag.instance_id).where(
                func.lower(InstanceTag.tag).like(pattern, escape="\\")
            )
            query = query.where(
                or_(
                    func.lower(ElementInstance.name).like(pattern, escape="\\"),
                    ElementInstance.id.in_(tagged),
                )
            )
        return query

    # --- configuration ----------------------------------------------------------------

    async def configuration(self, instance_id: int) -> Sequence[InstanceConfiguration]:
        query = (
            select(InstanceConfiguration)
            .where(InstanceConfiguration.instance_id == instance_id)
            .order_by(InstanceConfiguration.id)
        )
        return (await self._session.scalars(query)).all()

    async def configuration_entry(
        self, instance_id: int, entry_id: int
    ) -> InstanceConfiguration | None:
        query = select(InstanceConfiguration).where(
            InstanceConfiguration.instance_id == instance_id, InstanceConfiguration.id == entry_id
        )
        return await self._session.scalar(query)

    async def put_configuration(
        self, instance_id: int, key: str, *, value: str, sealed: bool
    ) -> InstanceConfiguration:
        query = select(InstanceConfiguration).where(
            InstanceConfiguration.instance_id == instance_id, InstanceConfiguration.key == key
        )
        entry = await self._session.scalar(query)
        if entry is None:
            entry = InstanceConfiguration(
                instance_id=instance_id, key=key, value=value, sealed=sealed
            )
            self._session.add(entry)
        else:
            entry.value = value
            entry.sealed = sealed
        await self._session.flush()
        return entry

    # --- tags -------------------------------------------------------------------------

    async def replace_tags(self, instance_id: int, tags: Iterable[str]) -> None:
        await self._session.execute(
            delete(InstanceTag).where(InstanceTag.instance_id == instance_id)
        )
        for position, tag in enumerate(tags):
            self._session.add(InstanceTag(instance_id=instance_id, position=position, tag=tag))
        await self._session.flush()

    async def tags_of(self, instance_ids: Sequence[int]) -> dict[int, list[str]]:
        found: dict[int, list[str]] = {instance_id: [] for instance_id in instance_ids}
        if not instance_ids:
            return found
        query = (
            select(InstanceTag)
            .where(InstanceTag.instance_id.in_(instance_ids))
            .order_by(InstanceTag.instance_id, InstanceTag.position)
        )
        for row in await self._session.scalars(query):
            found[row.instance_id].append(row.tag)
        return found

    # --- owners -----------------------------------------------------------------------

    async def users(self, user_ids: Iterable[int]) -> dict[int, AppUser]:
        ids = sorted(set(user_ids))
        if not ids:
            return {}
        rows = await self._session.scalars(select(AppUser).where(AppUser.id.in_(ids)))
        return {user.id: user for user in rows}

    # --- token lease (instances/tokens.py) --------------------------------------------

    async def store_tokens(
        self,
        instance_id: int,
        *,
        owner: str,
        access_token_sealed: str,
        refresh_token_sealed: str | None,
        expires_at: datetime,
        now: datetime,
    ) -> bool:
        """Save a refresh's outcome if `owner` still holds the lease; bumps the version."""
        values: dict[str, object] = {
            "access_token_sealed": access_token_sealed,
            "access_expires_at": expires_at,
            "credentials_version": ElementInstance.credentials_version + 1,
            "refresh_owner": None,
            "refreshing_until": None,
            "refreshed_at": now,
            "updated_at": now,
        }
        if refresh_token_sealed is not None:
            values["refresh_token_sealed"] = refresh_token_sealed
        statement = (
            update(ElementInstance)
            .where(ElementInstance.id == instance_id, ElementInstance.refresh_owner == owner)
            .values(**values)
        )
        result = await self._session.execute(statement)
        return bool(getattr(result, "rowcount", 0))

    async def release_lease(self, instance_id: int, *, owner: str) -> None:
        statement = (
            update(ElementInstance)
            .where(ElementInstance.id == instance_id, ElementInstance.refresh_owner == owner)
            .values(refresh_owner=None, refreshing_until=None)
        )
        await self._session.execute(statement)

    async def mark_invalid(
        self, instance_id: int, *, reason: str | None, owner: str | None, now: datetime
    ) -> None:
        statement = update(ElementInstance).where(ElementInstance.id == instance_id)
        if owner is not None:
            statement = statement.where(ElementInstance.refresh_owner == owner)
        await self._session.execute(
            statement.values(
                valid=False,
                invalid_reason=reason,
                refresh_owner=None,
                refreshing_until=None,
                updated_at=now,
            )
        )

    async def idle_instance_ids(self, *, idle_since: datetime, limit: int) -> Sequence[int]:
        """Valid live instances whose tokens were last obtained before `idle_since`."""
        last = func.coalesce(ElementInstance.refreshed_at, ElementInstance.created_at)
        query = (
            select(ElementInstance.id)
            .where(
                ElementInstance.deleted_at.is_(None),
                ElementInstance.valid.is_(True),
                ElementInstance.refresh_token_sealed.is_not(None),
                last < idle_since,
            )
            .order_by(last)
            .limit(limit)
        )
        return (await self._session.scalars(query)).all()


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
