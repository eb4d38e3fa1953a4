"""User routes (spec §4.2, §4.4, §4.5, D12, D13): three families over one `UserService`.

- `/accounts/{id}/users...`: users of one account, organization administrator only;
- `/organizations/users...`: the same over the organization's default account;
- `/users...`: the users the caller may see (D13), and roles.

Users are rendered without `null` fields: `secret` appears only where D13 allows it and
`password: "secured"` only in lists.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header

from openelements.container import ReadSession, WriteSession
from openelements.kit.ids import parse_object_id
from openelements.platform.auth import PlatformRuntimeDep, UserAndOrganization
from openelements.platform.paging import Offset, PageSize
from openelements.platform.runtime import DEFAULT_PAGE_SIZE
from openelements.platform.schemas import RoleOut, UserCreate, UserOut, UserReplace, UserUpdate
from openelements.platform.users import DEFAULT_ACCOUNT, Scope, UserService

router = APIRouter(tags=["platform"])

UserPassword = Annotated[str | None, Header(alias="elements-user-password")]


def _account_id(text: str) -> int:
    return parse_object_id(text, kind="account")


def _user_id(text: str) -> int:
    return parse_object_id(text, kind="user")


# --- /accounts/{id}/users ------------------------------------------------------------------


@router.get("/accounts/{account_id}/users")
async def list_account_users(
    caller: UserAndOrganization,
    session: ReadSession,
    runtime: PlatformRuntimeDep,
    account_id: str,
    offset: Offset = 0,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
) -> list[UserOut]:
    service = UserService(session, runtime)
    scope = Scope.account(_account_id(account_id))
    return await service.list_in_account(caller, scope, offset=offset, limit=page_size)


@router.post("/accounts/{account_id}/users")
async def create_account_user(
    caller: UserAndOrganization,
    session: WriteSession,
    runtime: PlatformRuntimeDep,
    account_id: str,
    body: UserCreate,
) -> UserOut:
    service = UserService(session, runtime)
    return await service.create(caller, Scope.account(_account_id(account_id)), body=body)


@router.get("/accounts/{account_id}/users/{email_or_id}")
async def get_account_user(
    caller: UserAndOrganization,
    session: ReadSession,
    runtime: PlatformRuntimeDep,
    account_id: str,
    email_or_id: str,
    password: UserPassword = None,
) -> UserOut:
    service = UserService(session, runtime)
    scope = Scope.account(_account_id(account_id))
    return await service.find(caller, email_or_id, password=password, scope=scope)


@router.patch("/accounts/{account_id}/users/{email_or_id}")
async def update_account_user(
    caller: UserAndOrganization,
    session: WriteSession,
    runtime: PlatformRuntimeDep,
    account_id: str,
    email_or_id: str,
    body: UserUpdate,
) -> UserOut:
    service = UserService(session, runtime)
    scope = Scope.account(_account_id(account_id))
    return await service.update(caller, _user_id(email_or_id), body=body, scope=scope)


@router.put("/accounts/{account_id}/users/{email_or_id}")
async def replace_account_user(
    caller: UserAndOrganization,
    session: WriteSession,
    runtime: PlatformRuntimeDep,
    account_id: str,
    email_or_id: str,
    body: UserReplace,
) -> UserOut:
    service = UserService(session, runtime)
    scope = Scope.account(_account_id(account_id))
    return await service.replace(caller, _user_id(email_or_id), body=body, scope=scope)


@router.delete("/accounts/{account_id}/users/{email_or_id}")
async def deactivate_account_user(
    caller: UserAndOrganization,
    session: WriteSession,
    runtime: PlatformRuntimeDep,
    account_id: str,
    email_or_id: str,
) -> UserOut:
    service = UserService(session, runtime)
    scope = Scope.account(_account_id(account_id))
    return await service.deactivate(caller, _user_id(email_or_id), scope=scope)


# --- /organizations/users (the default account) --------------------------------------------


@router.get("/organizations/users")
async def list_organization_users(
    caller: UserAndOrganization,
    session: ReadSession,
    runtime: PlatformRuntimeDep,
    offset: Offset = 0,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
) -> list[UserOut]:
    service = UserService(session, runtime)
    return await service.list_in_account(caller, DEFAULT_ACCOUNT, offset=offset, limit=page_size)


@router.post("/organizations/users")
async def create_organization_user(
    caller: UserAndOrganization,
    session: WriteSession,
    runtime: PlatformRuntimeDep,
    body: UserCreate,
) -> UserOut:
    return await UserService(session, runtime).create(caller, DEFAULT_ACCOUNT, body=body)


@router.get("/organizations/users/{email_or_id}")
async def get_organization_user(
    caller: UserAndOrganization,
    session: ReadSession,
    runtime: PlatformRuntimeDep,
    email_or_id: str,
    password: UserPassword = None,
) -> UserOut:
    service = UserService(session, runtime)
    return await service.find(caller, email_or_id, password=password, scope=DEFAULT_ACCOUNT)


@router.patch("/organizations/users/{email_or_id}")
async def update_organization_user(
    caller: UserAndOrganization,
    session: WriteSession,
    runtime: PlatformRuntimeDep,
    email_or_id: str,
    body: UserUpdate,
) -> UserOut:
    service = UserService(session, runtime)
    user_id = _user_id(email_or_id)
    return await service.update(caller, user_id, body=body, scope=DEFAULT_ACCOUNT)


@router.delete("/organizations/users/{email_or_id}")
async def deactivate_organization_user(
    caller: UserAndOrganization,
    session: WriteSession,
    runtime: PlatformRuntimeDep,
    email_or_id: str,
) -> UserOut:
    service = UserService(session, runtime)
    return await service.deactivate(caller, _user_id(email_or_id), scope=DEFAULT_ACCOUNT)


# --- /users (D13) --------------------------------------------------------------------------


@router.get("/users")
async def list_users(
    caller: UserAndOrganization,
    session: ReadSession,
    runtime: PlatformRuntimeDep,
    offset: Offset = 0,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
) -> list[UserOut]:
    service = UserService(session, runtime)
    return await service.list_visible(caller, offset=offset, limit=page_size)


@router.get("/users/{email_or_id}")
async def get_user(
    caller: UserAndOrganization,
    session: ReadSession,
    runtime: PlatformRuntimeDep,
    email_or_id: str,
    password: UserPassword = None,
) -> UserOut:
    return await UserService(session, runtime).find(caller, email_or_id, password=password)


@router.patch("/users/{email_or_id}")
async def update_user(
    caller: UserAndOrganization,
    session: WriteSession,
    runtime: PlatformRuntimeDep,
    email_or_id: str,
    body: UserUpdate,
) -> UserOut:
    return await UserService(session, runtime).update(caller, _user_id(email_or_id), body=body)


@router.delete("/users/{email_or_id}")
async def deactivate_user(
    caller: UserAndOrganization,
    session: WriteSession,
    runtime: PlatformRuntimeDep,
    email_or_id: str,
) -> UserOut:
    return await UserService(session, runtime).deactivate(caller, _user_id(email_or_id))


@router.get("/users/{user_id}/roles")
async def list_user_roles(
    caller: UserAndOrganization, session: ReadSession, runtime: PlatformRuntimeDep, user_id: str
) -> list[RoleOut]:
    return await UserService(session, runtime).roles(caller, _user_id(user_id))


@router.put("/users/{user_id}/roles/{role_key}")
async def grant_user_role(
    caller: UserAndOrganization,
    session: WriteSession,
    runtime: PlatformRuntimeDep,
    user_id: str,
    role_key: str,
) -> list[RoleOut]:
    return await UserService(session, runtime).grant(caller, _user_id(user_id), role_key=role_key)


@router.delete("/users/{user_id}/roles/{role_key}")
async def revoke_user_role(
    caller: UserAndOrganization,
    session: WriteSession,
    runtime: PlatformRuntimeDep,
    user_id: str,
    role_key: str,
) -> list[RoleOut]:
    return await UserService(session, runtime).revoke(caller, _user_id(user_id), role_key=role_key)
