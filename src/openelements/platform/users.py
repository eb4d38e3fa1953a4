"""Users and their roles (spec §4.4, §4.5, D12, D13).

Who may do what is decided by `roles`: a user the caller may not see is answered 404 (D13),
a visible user the caller may not change 403. Routes under `/accounts` and
`/organizations/users` are the organization administrator's (401 for others, spec §3.4).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from openelements.kit.crypto import new_user_secret
from openelements.kit.errors import BadRequest, Conflict, Forbidden, NotFound, Unauthorized
from openelements.kit.ids import object_id_or_none
from openelements.platform.caller import Caller, require_org_admin
from openelements.platform.models import Account, AppUser
from openelements.platform.rendering import roles_out, user_out
from openelements.platform.repository import DuplicateRow, PlatformRepository
from openelements.platform.roles import (
    RoleKey,
    Subject,
    can_edit_profile,
    can_grant,
    can_manage,
    can_see,
    default_roles,
    role_for_key,
    roles_allowed_in,
)
from openelements.platform.runtime import PlatformRuntime, PlatformService
from openelements.platform.schemas import (
    MAX_EMAIL_LENGTH,
    Address,
    RoleOut,
    RoleReference,
    UserCreate,
    UserOut,
    UserReplace,
    UserUpdate,
)

USER_TABLE = "app_user"
_ADDRESS_FIELDS = tuple(Address.model_fields)


def email_key(email: str) -> str:
    return email.lower()


async def insert_user(
    repository: PlatformRepository,
    *,
    runtime: PlatformRuntime,
    account: Account,
    body: UserCreate,
    password_hash: str,
    roles: frozenset[RoleKey],
) -> tuple[AppUser, str]:
    """Create a user with a fresh secret; returns the row and the secret to show once.

    The password is hashed by the caller before its transaction writes anything: argon2 is
    slow, and on SQLite a write transaction holds the database's only write lock.
    """
    await _ensure_email_free(repository, body.email)
    secret = runtime.secrets.issue(new_user_secret(), table=USER_TABLE)
    user = AppUser(
        organization_id=account.organization_id,
        account_id=account.id,
        email=body.email,
        email_key=email_key(body.email),
        first_name=body.first_name,
        last_name=body.last_name,
        password_hash=password_hash,
        secret_digest=secret.digest,
        secret_sealed=secret.sealed,
        active=True,
        created_at=runtime.now(),
        **{name: getattr(body, name) for name in _ADDRESS_FIELDS},
    )
    try:
        await repository.add(user)
    except DuplicateRow:
        raise _duplicate_email(body.email) from None
    await repository.replace_roles(user.id, (role.value for role in roles))
    return user, secret.value


@dataclass(frozen=True, slots=True)
class Scope:
    """The account a user route is limited to: any the caller sees (`/users`), one account
    (`/accounts/{id}/users`) or the organization's default account (`/organizations/users`)."""

    everywhere: bool = False
    account_id: int | None = None

    @classmethod
    def account(cls, account_id: int) -> Scope:
        return cls(account_id=account_id)


EVERYWHERE = Scope(everywhere=True)
DEFAULT_ACCOUNT = Scope()


def require_scope_admin(caller: Caller, scope: Scope) -> None:
    """Routes under `/accounts` and `/organizations/users` are the org admin's (spec §3.4)."""
    if scope.everywhere:
        return
    routes = "/accounts" if scope.account_id is not None else "/organizations/users"
    require_org_admin(caller, routes=routes)


class UserService(PlatformService):
    async def scoped_account(self, caller: Caller, scope: Scope) -> Account | None:
        """The account a route is limited to (None for `/users`); 401 unless org admin."""
        if scope.everywhere:
            return None
        require_scope_admin(caller, scope)
        if scope.account_id is None:
            account = await self._repository.default_account(caller.organization_id)
        else:
            account = await self._repository.account(caller.organization_id, scope.account_id)
        if account is None:
            raise NotFound(f"No account with id {scope.account_id}")
        return account

    # --- reading ------------------------------------------------------------------------

    async def list_visible(self, caller: Caller, *, offset: int, limit: int) -> list[UserOut]:
        """`GET /users`: what D13 lets the caller see."""
        if caller.is_org_admin:
            rows = await self._repository.users(caller.organization_id, offset=offset, limit=limit)
        elif caller.is_account_admin:
            rows = await self._repository.users(
                caller.organization_id, offset=offset, limit=limit, account_id=caller.account_id
            )
        else:
            rows = await self._repository.users(
                caller.organization_id, offset=offset, limit=limit, user_id=caller.user_id
            )
        return await self._list_out(rows)

    async def list_in_account(
        self, caller: Caller, scope: Scope, *, offset: int, limit: int
    ) -> list[UserOut]:
        account = await self._required_account(caller, scope)
        rows = await self._repository.users(
            caller.organization_id, offset=offset, limit=limit, account_id=account.id
        )
        if not rows:
            raise NotFound("No users found")
        return await self._list_out(rows)

    async def find(
        self,
        caller: Caller,
        email_or_id: str,
        *,
        password: str | None,
        scope: Scope = EVERYWHERE,
    ) -> UserOut:
        """D13: one object; ``secret`` for the user themself or with the right password."""
        account = await self.scoped_account(caller, scope)
        user = await self._visible(caller, email_or_id, account=account)
        if password is not None and not await self._runtime.passwords.verify(
            user.password_hash, password
        ):
            raise Unauthorized("Invalid user password")
        reveal = password is not None or user.id == caller.user_id
        return await self._out(user, reveal_secret=reveal)

    async def roles(self, caller: Caller, user_id: int) -> list[RoleOut]:
        user = await self._visible(caller, str(user_id))
        return roles_out((await self._repository.role_keys([user.id]))[user.id])

    # --- writing ------------------------------------------------------------------------

    async def create(self, caller: Caller, scope: Scope, *, body: UserCreate) -> UserOut:
        """The response carries the new user's secret (spec §4.4)."""
        require_scope_admin(caller, scope)
        password_hash = await self._runtime.passwords.hash(body.password)
        account = await self._required_account(caller, scope)
        roles = _requested_roles(body.roles, account=account)
        user, secret = await insert_user(
            self._repository,
            runtime=self._runtime,
            account=account,
            body=body,
            password_hash=password_hash,
            roles=roles,
        )
        return user_out(user, account=account, role_keys=_values(roles), secret=secret)

    async def update(
        self,
        caller: Caller,
        user_id: int,
        *,
        body: UserUpdate,
        scope: Scope = EVERYWHERE,
    ) -> UserOut:
        require_scope_admin(caller, scope)
        password_hash = await self._hash_optional(body.password)
        account = await self.scoped_account(caller, scope)
        user = await self._visible(caller, str(user_id), account=account)
        subject = await self._subject(user)
        if not can_edit_profile(caller, subject):
            raise Forbidden("Not allowed to change this user")
        if body.active is not None:
            _ensure_may_set_active(caller, subject, active=body.active)
            user.active = body.active
        changes = body.model_dump(exclude_unset=True, exclude={"active", "password", "email"})
        for name, value in changes.items():
            if value is not None:
                setattr(user, name, value)
        await self._change_credentials(user, email=body.email, password_hash=password_hash)
        return await self._out(user, reveal_secret=user.id == caller.user_id)

    async def replace(
        self, caller: Caller, user_id: int, *, body: UserReplace, scope: Scope
    ) -> UserOut:
        """PUT: the whole profile; address fields left out are cleared."""
        require_scope_admin(caller, scope)
        password_hash = await self._hash_optional(body.password)
        account = await self._required_account(caller, scope)
        user = await self._visible(caller, str(user_id), account=account)
        roles = _requested_roles(body.roles, account=account) if body.roles is not None else None
        user.first_name, user.last_name = body.first_name, body.last_name
        for name in _ADDRESS_FIELDS:
            setattr(user, name, getattr(body, name))
        await self._change_credentials(user, email=body.email, password_hash=password_hash)
        if roles is not None:
            self._ensure_keeps_own_org_admin(caller, user, roles=roles)
            await self._repository.lock_user(user.id)
            await self._repository.replace_roles(user.id, _values(roles))
        return await self._out(user, reveal_secret=user.id == caller.user_id)

    async def deactivate(
        self, caller: Caller, user_id: int, *, scope: Scope = EVERYWHERE
    ) -> UserOut:
        account = await self.scoped_account(caller, scope)
        user = await self._visible(caller, str(user_id), account=account)
        _ensure_may_set_active(caller, await self._subject(user), active=False)
        user.active = False
        await self._repository.flush()
        return await self._out(user, reveal_secret=False)

    async def grant(self, caller: Caller, user_id: int, *, role_key: str) -> list[RoleOut]:
        user, role = await self._role_change(caller, user_id, role_key=role_key)
        account = await self._account_of(user)
        if role not in roles_allowed_in(default_account=account.is_default):
            raise BadRequest(
                f"Role '{role.value}' is only for users of the organization's default account"
            )
        await self._repository.grant(user.id, role.value)
        return roles_out((await self._repository.role_keys([user.id]))[user.id])

    async def revoke(self, caller: Caller, user_id: int, *, role_key: str) -> list[RoleOut]:
        user, role = await self._role_change(caller, user_id, role_key=role_key)
        if role is RoleKey.ORG_ADMIN and user.id == caller.user_id:
            raise BadRequest("You cannot remove your own org-admin role")
        await self._repository.revoke(user.id, role.value)
        return roles_out((await self._repository.role_keys([user.id]))[user.id])

    # --- internals ----------------------------------------------------------------------

    async def _visible(
        self, caller: Caller, email_or_id: str, *, account: Account | None = None
    ) -> AppUser:
        user = await self._lookup(email_or_id)
        visible = user is not None and can_see(caller, await self._subject(user))
        if user is None or not visible or (account is not None and user.account_id != account.id):
            raise NotFound(f"No user '{_shown(email_or_id)}'")
        return user

    async def _lookup(self, email_or_id: str) -> AppUser | None:
        if email_or_id.isascii() and email_or_id.isdigit():
            user_id = object_id_or_none(email_or_id)
            return None if user_id is None else await self._repository.user(user_id)
        if len(email_or_id) > MAX_EMAIL_LENGTH or "\x00" in email_or_id:
            return None  # no stored email looks like this; PostgreSQL cannot even compare NUL
        return await self._repository.user_by_email_key(email_key(email_or_id))

    async def _subject(self, user: AppUser) -> Subject:
        roles = (await self._repository.role_keys([user.id]))[user.id]
        return Subject(
            user_id=user.id,
            account_id=user.account_id,
            organization_id=user.organization_id,
            is_org_admin=RoleKey.ORG_ADMIN.value in roles,
        )

    async def _role_change(
        self, caller: Caller, user_id: int, *, role_key: str
    ) -> tuple[AppUser, RoleKey]:
        user = await self._visible(caller, str(user_id))
        role = role_for_key(role_key)
        if role is None:
            raise NotFound(f"No role '{_shown(role_key)}' (roles: org-admin, admin, org)")
        if not (can_manage(caller, await self._subject(user)) and can_grant(caller, role)):
            raise Forbidden(f"Not allowed to change role '{role.value}' of this user")
        await self._repository.lock_user(user.id)
        return user, role

    def _ensure_keeps_own_org_admin(
        self, caller: Caller, user: AppUser, *, roles: frozenset[RoleKey]
    ) -> None:
        if user.id == caller.user_id and caller.is_org_admin and RoleKey.ORG_ADMIN not in roles:
            raise BadRequest("You cannot remove your own org-admin role")

    async def _required_account(self, caller: Caller, scope: Scope) -> Account:
        account = await self.scoped_account(caller, scope)
        if account is None:
            raise NotFound("No account given")
        return account

    async def _hash_optional(self, password: str | None) -> str | None:
        return None if password is None else await self._runtime.passwords.hash(password)

    async def _change_credentials(
        self, user: AppUser, *, email: str | None, password_hash: str | None
    ) -> None:
        if email is not None and email_key(email) != user.email_key:
            await _ensure_email_free(self._repository, email)
            user.email, user.email_key = email, email_key(email)
        elif email is not None:
            user.email = email
        if password_hash is not None:
            user.password_hash = password_hash
            # Sessions opened with the old password end with it (D03 tokens).
            await self._repository.delete_sessions_of(user.id)
        try:
            await self._repository.flush()
        except DuplicateRow:
            raise _duplicate_email(user.email) from None

    async def _account_of(self, user: AppUser) -> Account:
        account = await self._repository.account(user.organization_id, user.account_id)
        if account is None:  # the foreign key makes this impossible; say so if it happens
            raise NotFound(f"No account with id {user.account_id}")
        return account

    async def _out(self, user: AppUser, *, reveal_secret: bool) -> UserOut:
        account = await self._account_of(user)
        roles = (await self._repository.role_keys([user.id]))[user.id]
        secret = None
        if reveal_secret:
            secret = self._runtime.secrets.reveal(
                user.secret_sealed, table=USER_TABLE, digest=user.secret_digest
            )
        return user_out(user, account=account, role_keys=roles, secret=secret)

    async def _list_out(self, rows: Sequence[AppUser]) -> list[UserOut]:
        accounts = await self._repository.accounts_by_id(row.account_id for row in rows)
        roles = await self._repository.role_keys(row.id for row in rows)
        return [
            user_out(row, account=accounts[row.account_id], role_keys=roles[row.id], in_list=True)
            for row in rows
        ]


def _requested_roles(
    references: list[RoleReference] | None, *, account: Account
) -> frozenset[RoleKey]:
    if not references:
        return default_roles(default_account=account.is_default)
    allowed = roles_allowed_in(default_account=account.is_default)
    roles: set[RoleKey] = set()
    for index, reference in enumerate(references):
        role = role_for_key(reference.key)
        if role is None or role not in allowed:
            keys = ", ".join(sorted(key.value for key in allowed))
            raise BadRequest(
                f"Invalid request body: roles[{index}].key: must be one of {keys} in this account"
            )
        roles.add(role)
    return frozenset(roles)


async def _ensure_email_free(repository: PlatformRepository, email: str) -> None:
    if await repository.user_by_email_key(email_key(email)) is not None:
        raise _duplicate_email(email)


def _duplicate_email(email: str) -> Conflict:
    return Conflict(f"A user with email '{email}' already exists")


def _ensure_may_set_active(caller: Caller, subject: Subject, *, active: bool) -> None:
    if not can_manage(caller, subject):
        raise Forbidden("Only an administrator may activate or deactivate users")
    if subject.user_id == caller.user_id and not active:
        raise BadRequest("You cannot deactivate yourself")


def _values(roles: frozenset[RoleKey]) -> list[str]:
    return sorted(role.value for role in roles)


def _shown(text: str) -> str:
    """Path values echoed in messages: printable and short."""
    cleaned = "".join(char if char.isprintable() else "?" for char in text)
    return cleaned if len(cleaned) <= 100 else cleaned[:100] + "..."
