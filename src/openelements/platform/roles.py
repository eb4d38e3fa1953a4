"""Roles (spec §4.1) and who may see or change which user (D13).

The rules are pure functions over small value objects so they can be checked without a
database. An `Actor` is the authenticated caller, a `Subject` the user acted upon.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class RoleKey(enum.StrEnum):
    ORG_ADMIN = "org-admin"
    ADMIN = "admin"
    ORG = "org"


@dataclass(frozen=True, slots=True)
class Role:
    id: int
    key: RoleKey
    name: str
    description: str


ROLES: dict[RoleKey, Role] = {
    RoleKey.ORG_ADMIN: Role(
        id=1,
        key=RoleKey.ORG_ADMIN,
        name="Organization Administrator",
        description="Organization Administrator",
    ),
    RoleKey.ORG: Role(
        id=2, key=RoleKey.ORG, name="Default account user", description="Default account user"
    ),
    RoleKey.ADMIN: Role(
        id=3, key=RoleKey.ADMIN, name="Administrator", description="Account Administrator"
    ),
}


def role_for_key(key: str) -> RoleKey | None:
    try:
        return RoleKey(key)
    except ValueError:
        return None


def roles_allowed_in(*, default_account: bool) -> frozenset[RoleKey]:
    """`org-admin` and `org` belong to the organization's own (default) account only."""
    if default_account:
        return frozenset(RoleKey)
    return frozenset({RoleKey.ADMIN})


def default_roles(*, default_account: bool) -> frozenset[RoleKey]:
    """Roles of a user created without any: a default-account user is an `org` user."""
    return frozenset({RoleKey.ORG}) if default_account else frozenset()


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: int
    account_id: int
    organization_id: int
    roles: frozenset[RoleKey]

    @property
    def is_org_admin(self) -> bool:
        return RoleKey.ORG_ADMIN in self.roles

    @property
    def is_account_admin(self) -> bool:
        return RoleKey.ADMIN in self.roles


@dataclass(frozen=True, slots=True)
class Subject:
    user_id: int
    account_id: int
    organization_id: int
    is_org_admin: bool = False


def can_see(actor: Actor, subject: Subject) -> bool:
    """D13: org admin sees the organization, account admin the account, others themself."""
    if actor.organization_id != subject.organization_id:
        return False
    if actor.is_org_admin:
        return True
    if actor.is_account_admin and actor.account_id == subject.account_id:
        return True
    return actor.user_id == subject.user_id


def can_manage(actor: Actor, subject: Subject) -> bool:
    """Change profile, deactivate, reactivate: administrators over the users they can see.

    An account administrator never manages an organization administrator (possible in the
    default account): a new password or email for them would hand over the organization.
    """
    if not can_see(actor, subject):
        return False
    if actor.is_org_admin:
        return True
    return (
        actor.is_account_admin
        and actor.account_id == subject.account_id
        and not subject.is_org_admin
    )


def can_edit_profile(actor: Actor, subject: Subject) -> bool:
    """Names, address, email and password: administrators, and every user for themself."""
    return can_manage(actor, subject) or (
        actor.organization_id == subject.organization_id and actor.user_id == subject.user_id
    )


def can_grant(actor: Actor, role: RoleKey) -> bool:
    """Only the organization administrator grants `org-admin` and `org`."""
    if actor.is_org_admin:
        return True
    return actor.is_account_admin and role is RoleKey.ADMIN
