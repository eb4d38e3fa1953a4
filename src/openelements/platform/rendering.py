"""Rows to the documented JSON shapes (spec §4.3, §4.4, D10)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from openelements.platform.models import Account, AppUser, Organization
from openelements.platform.roles import ROLES, RoleKey, role_for_key
from openelements.platform.schemas import AccountOut, OrganizationOut, RoleOut, UserOut

# Shown for users who never logged in, as the original platform did.
NEVER = date(1970, 1, 1)


def organization_out(organization: Organization) -> OrganizationOut:
    return OrganizationOut(
        id=organization.id,
        name=organization.name,
        active=organization.active,
        created_date=organization.created_at.date(),
    )


def account_out(account: Account) -> AccountOut:
    return AccountOut(
        id=account.id,
        name=account.name,
        description=account.description,
        active=account.active,
        company_id=account.organization_id,
        created_date=account.created_at.date(),
        external_id=account.external_id,
        default_account=account.is_default,
        type="Default" if account.is_default else "CompanyAccount",
    )


def roles_out(keys: Iterable[str]) -> list[RoleOut]:
    known = sorted((ROLES[key] for key in map(role_for_key, keys) if key), key=lambda r: r.id)
    return [
        RoleOut(id=role.id, name=role.name, key=role.key.value, description=role.description)
        for role in known
    ]


def user_out(
    user: AppUser,
    *,
    account: Account,
    role_keys: Iterable[str],
    secret: str | None = None,
    in_list: bool = False,
) -> UserOut:
    """``secret`` only where D13 allows; list entries carry ``"password": "secured"``."""
    active = user.active and account.active
    return UserOut(
        id=user.id,
        account_id=user.account_id,
        created_date=user.created_at.date(),
        first_name=user.first_name,
        last_name=user.last_name,
        full_name=f"{user.first_name} {user.last_name}",
        email=user.email,
        active=active,
        enabled=active,
        last_login_date=user.last_login_at.date() if user.last_login_at else NEVER,
        city=user.city,
        country=user.country,
        phone=user.phone,
        postal_code=user.postal_code,
        state_province=user.state_province,
        street1=user.street1,
        street2=user.street2,
        roles=roles_out(role_keys),
        secret=None if in_list else secret,
        password="secured" if in_list else None,
    )


def role_keys_of(keys: Iterable[RoleKey]) -> list[str]:
    return sorted(key.value for key in keys)
