"""Who is calling: the outcome of a successful `Authorization` check (spec §3)."""

from __future__ import annotations

from dataclasses import dataclass

from openelements.kit.errors import Unauthorized
from openelements.platform.roles import Actor, RoleKey


@dataclass(frozen=True, slots=True)
class Caller:
    """An authenticated, active user of an active account and organization.

    ``element_token`` is the raw `Element` credential when the header carried one. The
    platform domain does not resolve it: the instances domain looks it up and applies D07
    (the instance must belong to ``account_id`` unless ``is_org_admin``).
    """

    user_id: int
    account_id: int
    organization_id: int
    roles: frozenset[RoleKey]
    email: str
    element_token: str | None = None

    @property
    def is_org_admin(self) -> bool:
        return RoleKey.ORG_ADMIN in self.roles

    @property
    def is_account_admin(self) -> bool:
        return RoleKey.ADMIN in self.roles

    @property
    def actor(self) -> Actor:
        return Actor(
            user_id=self.user_id,
            account_id=self.account_id,
            organization_id=self.organization_id,
            roles=self.roles,
        )


def require_org_admin(caller: Caller, *, routes: str = "/accounts") -> None:
    """Spec §3.4: a caller other than the organization administrator gets 401 on /accounts."""
    if not caller.is_org_admin:
        raise Unauthorized(f"Only the organization administrator may use {routes}")
