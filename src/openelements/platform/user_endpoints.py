"""User routes (spec §4.2, §4.4, §4.5, D12, D13): three families over one `UserService`.

- `/accounts/{id}/users...`: users of one account, organization administrator only;
- `/organizations/users...`: the same over the organization's default account;
- `/users...`: the users the caller may see (D13), and roles.

Users are rendered without `null` fields: `secret` appears only where D13 allows it and
`password: "secured"` only in lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Header

from openelements.kit.ids import parse_object_id
from openelements.platform.auth import UserAndOrganization
from openelements.platform.dependencies import ReadUsers, WriteUsers
from openelements.platform.paging import Offset, PageSize
from openelements.platform.runtime import DEFAULT_PAGE_SIZE
from openelements.platform.schemas import RoleOut, UserCreate, UserOut, UserReplace, UserUpdate
from openelements.platform.users import DEFAULT_ACCOUNT, Scope

router = APIRouter(tags=["platform"])

UserPassword = Annotated[str | None, Header(alias="elements-user-password")]


@dataclass(frozen=True, slots=True)
class AccountUsersPath:
    """`/accounts/{account_id}/users[/{email_or_id}]`, read by one dependency so the OpenAPI
    document lists the segments in path order.

    The segments are parsed when a route uses them, not while FastAPI resolves dependencies:
    the body and query are validated first, so a request wrong in both ways answers 400.
    """

    account_id: str
    email_or_id: str = ""

    @property
    def scope(self) -> Scope:
        return Scope.account(parse_object_id(self.account_id, kind="account"))

    @property
    def user_id(self) -> int:
        return _user_id(self.email_or_id)


async def _account_users(account_id: str) -> AccountUsersPath:
    return AccountUsersPath(account_id)


async def _account_user(account_id: str, email_or_id: str) -> AccountUsersPath:
    return AccountUsersPath(account_id, email_or_id)


AccountUsers = Annotated[AccountUsersPath, Depends(_account_users)]
AccountUser = Annotated[AccountUsersPath, Depends(_account_user)]


def _user_id(text: str) -> int:
    return parse_object_id(text, kind="user")


# --- /accounts/{id}/users ------------------------------------------------------------------


@router.get("/accounts/{account_id}/users")
async def list_account_users(
    caller: UserAndOrganization,
    users: ReadUsers,
    path: AccountUsers,
    offset: Offset = 0,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
) -> list[UserOut]:
    return await users.list_in_account(caller, path.scope, offset=offset, limit=page_size)


@router.post("/accounts/{account_id}/users")
async def create_account_user(
    caller: UserAndOrganization, users: WriteUsers, path: AccountUsers, body: UserCreate
) -> UserOut:
    return await users.create(caller, path.scope, body=body)


@router.get("/accounts/{account_id}/users/{email_or_id}")
async def get_account_user(
    caller: UserAndOrganization,
    users: ReadUsers,
    path: AccountUser,
    password: UserPassword = None,
) -> UserOut:
    return await users.find(caller, path.email_or_id, password=password, scope=path.scope)


@router.patch("/accounts/{account_id}/users/{email_or_id}")
async def update_account_user(
    caller: UserAndOrganization, users: WriteUsers, path: AccountUser, body: UserUpdate
) -> UserOut:
    return await users.update(caller, path.user_id, body=body, scope=path.scope)


@router.put("/accounts/{account_id}/users/{email_or_id}")
async def replace_account_user(
    caller: UserAndOrganization, users: WriteUsers, path: AccountUser, body: UserReplace
) -> UserOut:
    return await users.replace(caller, path.user_id, body=body, scope=path.scope)


@router.delete("/accounts/{account_id}/users/{email_or_id}")
async def deactivate_account_user(
    caller: UserAndOrganization, users: WriteUsers, path: AccountUser
) -> UserOut:
    return await users.deactivate(caller, path.user_id, scope=path.scope)


# --- /organizations/users (the default account) --------------------------------------------


@router.get("/organizations/users")
async def list_organization_users(
    caller: UserAndOrganization,
    users: ReadUsers,
    offset: Offset = 0,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
) -> list[UserOut]:
    return await users.list_in_account(caller, DEFAULT_ACCOUNT, offset=offset, limit=page_size)


@router.post("/organizations/users")
async def create_organization_user(
    caller: UserAndOrganization, users: WriteUsers, body: UserCreate
) -> UserOut:
    return await users.create(caller, DEFAULT_ACCOUNT, body=body)


@router.get("/organizations/users/{email_or_id}")
async def get_organization_user(
    caller: UserAndOrganization,
    users: ReadUsers,
    email_or_id: str,
    password: UserPassword = None,
) -> UserOut:
    return await users.find(caller, email_or_id, password=password, scope=DEFAULT_ACCOUNT)


@router.patch("/organizations/users/{email_or_id}")
async def update_organization_user(
    caller: UserAndOrganization, users: WriteUsers, email_or_id: str, body: UserUpdate
) -> UserOut:
    return await users.update(caller, _user_id(email_or_id), body=body, scope=DEFAULT_ACCOUNT)


@router.delete("/organizations/users/{email_or_id}")
async def deactivate_organization_user(
    caller: UserAndOrganization, users: WriteUsers, email_or_id: str
) -> UserOut:
    return await users.deactivate(caller, _user_id(email_or_id), scope=DEFAULT_ACCOUNT)


# --- /users (D13) --------------------------------------------------------------------------


@router.get("/users")
async def list_users(
    caller: UserAndOrganization,
    users: ReadUsers,
    offset: Offset = 0,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
) -> list[UserOut]:
    return await users.list_visible(caller, offset=offset, limit=page_size)


@router.get("/users/{email_or_id}")
async def get_user(
    caller: UserAndOrganization,
    users: ReadUsers,
    email_or_id: str,
    password: UserPassword = None,
) -> UserOut:
    return await users.find(caller, email_or_id, password=password)


@router.patch("/users/{email_or_id}")
async def update_user(
    caller: UserAndOrganization, users: WriteUsers, email_or_id: str, body: UserUpdate
) -> UserOut:
    return await users.update(caller, _user_id(email_or_id), body=body)


@router.delete("/users/{email_or_id}")
async def deactivate_user(
    caller: UserAndOrganization, users: WriteUsers, email_or_id: str
) -> UserOut:
    return await users.deactivate(caller, _user_id(email_or_id))


@router.get("/users/{user_id}/roles")
async def list_user_roles(
    caller: UserAndOrganization, users: ReadUsers, user_id: str
) -> list[RoleOut]:
    return await users.roles(caller, _user_id(user_id))


@router.put("/users/{user_id}/roles/{role_key}")
async def grant_user_role(
    caller: UserAndOrganization, users: WriteUsers, user_id: str, role_key: str
) -> list[RoleOut]:
    return await users.grant(caller, _user_id(user_id), role_key=role_key)


@router.delete("/users/{user_id}/roles/{role_key}")
async def revoke_user_role(
    caller: UserAndOrganization, users: WriteUsers, user_id: str, role_key: str
) -> list[RoleOut]:
    return await users.revoke(caller, _user_id(user_id), role_key=role_key)
