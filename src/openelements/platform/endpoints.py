"""Routes of the platform domain (spec §4.2, D03, D10-D13). Logic lives in the services.

Every success is 200 with JSON, including creates and deletes (spec §13.3). Reads run in a
read-only session, writes in the request's unit of work.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query

from openelements.container import ReadSession, WriteSession
from openelements.kit.ids import parse_object_id
from openelements.platform.auth import PlatformRuntimeDep, UserAndOrganization
from openelements.platform.dependencies import (
    ReadAccounts,
    ReadOrganizations,
    WriteAccounts,
    WriteAccountSettings,
)
from openelements.platform.paging import Offset, PageSize
from openelements.platform.runtime import DEFAULT_PAGE_SIZE
from openelements.platform.schemas import (
    AccountCreate,
    AccountOut,
    AccountSettingsChange,
    AccountSettingsOut,
    AccountUpdate,
    OrganizationOut,
    SessionLogin,
    SessionSecrets,
    SessionToken,
)
from openelements.platform.sessions import SessionService, bearer_token
from openelements.platform.user_endpoints import router as users_router

router = APIRouter(tags=["platform"])

Where = Annotated[str | None, Query(max_length=2000)]


def _account_id(text: str) -> int:
    return parse_object_id(text, kind="account")


# --- organizations --------------------------------------------------------------------------


@router.get("/organizations/me")
async def organization_me(
    caller: UserAndOrganization, organizations: ReadOrganizations
) -> OrganizationOut:
    return await organizations.of(caller)


# --- accounts ------------------------------------------------------------------------------


@router.get("/accounts")
async def list_accounts(
    caller: UserAndOrganization,
    accounts: ReadAccounts,
    where: Where = None,
    offset: Offset = 0,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
) -> list[AccountOut]:
    return await accounts.list(caller, offset=offset, limit=page_size, where=where)


@router.post("/accounts")
async def create_account(
    caller: UserAndOrganization, accounts: WriteAccounts, body: AccountCreate
) -> AccountOut:
    return await accounts.create(caller, body)


@router.patch("/accounts/settings")
async def change_own_account_settings(
    caller: UserAndOrganization, settings: WriteAccountSettings, body: AccountSettingsChange
) -> AccountSettingsOut:
    return await settings.change(caller, None, body=body)


@router.post("/accounts/{account_id}/settings")
@router.patch("/accounts/{account_id}/settings")
async def change_account_settings(
    caller: UserAndOrganization,
    settings: WriteAccountSettings,
    account_id: str,
    body: AccountSettingsChange,
) -> AccountSettingsOut:
    return await settings.change(caller, _account_id(account_id), body=body)


@router.get("/accounts/{account_id}")
async def get_account(
    caller: UserAndOrganization, accounts: ReadAccounts, account_id: str
) -> AccountOut:
    return await accounts.get(caller, _account_id(account_id))


@router.patch("/accounts/{account_id}")
async def update_account(
    caller: UserAndOrganization,
    accounts: WriteAccounts,
    account_id: str,
    body: AccountUpdate,
) -> AccountOut:
    return await accounts.update(caller, _account_id(account_id), body=body)


@router.delete("/accounts/{account_id}")
async def deactivate_account(
    caller: UserAndOrganization, accounts: WriteAccounts, account_id: str
) -> AccountOut:
    return await accounts.deactivate(caller, _account_id(account_id))


# --- sessions (D03) ------------------------------------------------------------------------


@router.post("/authentication")
async def log_in(
    reads: ReadSession, writes: WriteSession, runtime: PlatformRuntimeDep, body: SessionLogin
) -> SessionToken:
    user_id = await SessionService(reads, runtime).check_login(body)
    return await SessionService(writes, runtime).open_session(user_id)


@router.get("/authentication/secrets")
async def session_secrets(
    session: ReadSession,
    runtime: PlatformRuntimeDep,
    authorization: Annotated[str | None, Header()] = None,
) -> SessionSecrets:
    return await SessionService(session, runtime).secrets_for(bearer_token(authorization))


router.include_router(users_router)
