"""Organizations, accounts and account settings (spec §4.2, §4.3, §10.8, D09-D11).

Services flush, never commit: the request (or CLI command) owns the transaction.
"""

from __future__ import annotations

from openelements.kit.crypto import new_organization_secret
from openelements.kit.errors import BadRequest, Conflict, NotFound, Unauthorized
from openelements.platform.account_where import account_condition
from openelements.platform.caller import Caller, require_org_admin
from openelements.platform.models import Account, Organization
from openelements.platform.rendering import account_out, organization_out
from openelements.platform.repository import DuplicateRow
from openelements.platform.roles import RoleKey
from openelements.platform.runtime import PlatformService
from openelements.platform.schemas import (
    AccountCreate,
    AccountOut,
    AccountSettingsChange,
    AccountSettingsOut,
    AccountUpdate,
    OrganizationCreated,
    OrganizationOut,
    UserCreate,
)
from openelements.platform.users import insert_user

WEBHOOK_FAILURE_POLICY = "notification.webhook.failure.policy"


class OrganizationService(PlatformService):
    async def create(self, *, name: str, admin: UserCreate) -> OrganizationCreated:
        """D09: the organization, its default account and its administrator, secrets once."""
        password_hash = await self._runtime.passwords.hash(admin.password)
        now = self._runtime.now()
        secret = self._runtime.secrets.issue(new_organization_secret(), table="organization")
        organization = Organization(
            name=name,
            secret_digest=secret.digest,
            secret_sealed=secret.sealed,
            active=True,
            created_at=now,
        )
        await self._repository.add(organization)
        account = Account(
            organization_id=organization.id,
            name=name,
            description=name,
            external_id=admin.email,
            is_default=True,
            active=True,
            created_at=now,
        )
        await self._repository.add(account)
        user, user_secret = await insert_user(
            self._repository,
            runtime=self._runtime,
            account=account,
            body=admin,
            password_hash=password_hash,
            roles=frozenset({RoleKey.ORG_ADMIN}),
        )
        return OrganizationCreated(
            organization=OrganizationCreated.Organization(
                id=organization.id, name=organization.name, secret=secret.value
            ),
            user=OrganizationCreated.User(id=user.id, email=user.email, secret=user_secret),
        )

    async def of(self, caller: Caller) -> OrganizationOut:
        """D10: the caller's organization, never its secret."""
        organization = await self._repository.organization(caller.organization_id)
        if organization is None:
            raise NotFound("Organization not found")
        return organization_out(organization)


class AccountService(PlatformService):
    async def list(
        self, caller: Caller, *, offset: int, limit: int, where: str | None
    ) -> list[AccountOut]:
        require_org_admin(caller)
        condition = account_condition(where) if where and where.strip() else None
        rows = await self._repository.accounts(
            caller.organization_id, offset=offset, limit=limit, condition=condition
        )
        return [account_out(row) for row in rows]

    async def create(self, caller: Caller, body: AccountCreate) -> AccountOut:
        require_org_admin(caller)
        await self._ensure_external_id_free(caller, body.external_id)
        account = Account(
            organization_id=caller.organization_id,
            name=body.name if body.name is not None else body.external_id,
            description=body.description if body.description is not None else body.external_id,
            external_id=body.external_id,
            is_default=False,
            active=True,
            created_at=self._runtime.now(),
        )
        try:
            await self._repository.add(account)
        except DuplicateRow:
            raise _duplicate_external_id(body.external_id) from None
        return account_out(account)

    async def get(self, caller: Caller, account_id: int) -> AccountOut:
        require_org_admin(caller)
        return account_out(await self.load(caller, account_id))

    async def update(self, caller: Caller, account_id: int, *, body: AccountUpdate) -> AccountOut:
        require_org_admin(caller)
        account = await self.load(caller, account_id)
        if body.external_id is not None and body.external_id != account.external_id:
            await self._ensure_external_id_free(caller, body.external_id)
            account.external_id = body.external_id
        if body.name is not None:
            account.name = body.name
        if body.description is not None:
            account.description = body.description
        if body.active is not None:
            _ensure_may_deactivate(account, active=body.active)
            account.active = body.active  # D11: reactivation restores the account's users
        try:
            await self._repository.flush()
        except DuplicateRow:
            raise _duplicate_external_id(account.external_id) from None
        return account_out(account)

    async def deactivate(self, caller: Caller, account_id: int) -> AccountOut:
        """D11: the account and, through it, its users; users keep their own active flag."""
        require_org_admin(caller)
        account = await self.load(caller, account_id)
        _ensure_may_deactivate(account, active=False)
        account.active = False
        await self._repository.flush()
        return account_out(account)

    async def load(self, caller: Caller, account_id: int) -> Account:
        account = await self._repository.account(caller.organization_id, account_id)
        if account is None:
            raise NotFound(f"No account with id {account_id}")
        return account

    async def _ensure_external_id_free(self, caller: Caller, external_id: str) -> None:
        found = await self._repository.account_by_external_id(caller.organization_id, external_id)
        if found is not None:
            raise _duplicate_external_id(external_id)


class AccountSettingsService(PlatformService):
    async def change(
        self, caller: Caller, account_id: int | None, *, body: AccountSettingsChange
    ) -> AccountSettingsOut:
        """`account_id` None is the caller's own account (`PATCH /accounts/settings`)."""
        if account_id is None:
            if not (caller.is_org_admin or caller.is_account_admin):
                raise Unauthorized("Only an administrator may change account settings")
            account_id = caller.account_id
        else:
            require_org_admin(caller)
            if await self._repository.account(caller.organization_id, account_id) is None:
                raise NotFound(f"No account with id {account_id}")
        if body.webhook_failure_policy is not None:
            await self._repository.lock_account(account_id)
            await self._repository.put_setting(
                account_id,
                key=WEBHOOK_FAILURE_POLICY,
                value=body.webhook_failure_policy,
                moment=self._runtime.now(),
            )
        return await self.current(account_id)

    async def current(self, account_id: int) -> AccountSettingsOut:
        stored = await self._repository.settings(account_id)
        return AccountSettingsOut.model_validate(stored)


def _ensure_may_deactivate(account: Account, *, active: bool) -> None:
    if account.is_default and not active:
        raise BadRequest("The organization's default account cannot be deactivated")


def _duplicate_external_id(external_id: str) -> Conflict:
    return Conflict(f"An account with externalId '{external_id}' already exists")
