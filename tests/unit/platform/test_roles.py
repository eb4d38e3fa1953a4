import pytest

from openelements.platform.roles import (
    ROLES,
    Actor,
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

ORG, OTHER_ORG = 3, 4
DEFAULT_ACCOUNT, CUSTOMER, OTHER_CUSTOMER = 10, 11, 12


def actor(user_id: int, account_id: int, *roles: RoleKey, org: int = ORG) -> Actor:
    return Actor(
        user_id=user_id, account_id=account_id, organization_id=org, roles=frozenset(roles)
    )


def subject(user_id: int, account_id: int, org: int = ORG) -> Subject:
    return Subject(user_id=user_id, account_id=account_id, organization_id=org)


ORG_ADMIN = actor(1, DEFAULT_ACCOUNT, RoleKey.ORG_ADMIN)
ACCOUNT_ADMIN = actor(2, CUSTOMER, RoleKey.ADMIN)
PLAIN = actor(3, CUSTOMER)


def test_org_admin_sees_and_manages_every_user_of_the_organization() -> None:
    for target in (subject(2, CUSTOMER), subject(5, OTHER_CUSTOMER), subject(1, DEFAULT_ACCOUNT)):
        assert can_see(ORG_ADMIN, target)
        assert can_manage(ORG_ADMIN, target)


def test_nobody_sees_users_of_another_organization() -> None:
    stranger = subject(9, CUSTOMER, org=OTHER_ORG)
    for who in (ORG_ADMIN, ACCOUNT_ADMIN, PLAIN):
        assert not can_see(who, stranger)
        assert not can_manage(who, stranger)
        assert not can_edit_profile(who, stranger)
    same_ids_elsewhere = actor(3, CUSTOMER, RoleKey.ORG_ADMIN, org=OTHER_ORG)
    assert not can_edit_profile(same_ids_elsewhere, subject(3, CUSTOMER))


def test_account_admin_sees_own_account_only() -> None:
    assert can_see(ACCOUNT_ADMIN, subject(3, CUSTOMER))
    assert can_manage(ACCOUNT_ADMIN, subject(3, CUSTOMER))
    assert not can_see(ACCOUNT_ADMIN, subject(5, OTHER_CUSTOMER))
    assert not can_see(ACCOUNT_ADMIN, subject(1, DEFAULT_ACCOUNT))


def test_plain_user_sees_and_edits_only_themself_and_manages_nobody() -> None:
    assert can_see(PLAIN, subject(3, CUSTOMER))
    assert can_edit_profile(PLAIN, subject(3, CUSTOMER))
    assert not can_manage(PLAIN, subject(3, CUSTOMER))
    assert not can_see(PLAIN, subject(2, CUSTOMER))
    assert not can_edit_profile(PLAIN, subject(2, CUSTOMER))


def test_only_org_admin_grants_org_roles() -> None:
    assert all(can_grant(ORG_ADMIN, role) for role in RoleKey)
    assert can_grant(ACCOUNT_ADMIN, RoleKey.ADMIN)
    assert not can_grant(ACCOUNT_ADMIN, RoleKey.ORG_ADMIN)
    assert not can_grant(ACCOUNT_ADMIN, RoleKey.ORG)
    assert not any(can_grant(PLAIN, role) for role in RoleKey)


def test_org_roles_live_in_the_default_account_only() -> None:
    assert roles_allowed_in(default_account=True) == frozenset(RoleKey)
    assert roles_allowed_in(default_account=False) == {RoleKey.ADMIN}
    assert default_roles(default_account=True) == {RoleKey.ORG}
    assert default_roles(default_account=False) == frozenset()


@pytest.mark.parametrize(
    ("key", "expected"), [("admin", RoleKey.ADMIN), ("Admin", None), ("x", None)]
)
def test_role_keys_are_exact(key: str, expected: RoleKey | None) -> None:
    assert role_for_key(key) is expected


def test_documented_role_table() -> None:
    assert {role.key.value: role.description for role in ROLES.values()} == {
        "org-admin": "Organization Administrator",
        "admin": "Account Administrator",
        "org": "Default account user",
    }


def test_account_admin_never_manages_an_organization_administrator() -> None:
    default_admin = actor(7, DEFAULT_ACCOUNT, RoleKey.ADMIN)
    org_admin = Subject(
        user_id=1, account_id=DEFAULT_ACCOUNT, organization_id=ORG, is_org_admin=True
    )
    assert can_see(default_admin, org_admin)
    assert not can_manage(default_admin, org_admin)
    assert not can_edit_profile(default_admin, org_admin)
    assert can_manage(default_admin, subject(8, DEFAULT_ACCOUNT))
    assert can_manage(ORG_ADMIN, org_admin)
    assert can_edit_profile(actor(1, DEFAULT_ACCOUNT, RoleKey.ORG_ADMIN), org_admin)
