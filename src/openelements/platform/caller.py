"""Who is calling: the outcome of a successful `Authorization` check (spec §3)."""

from __future__ import annotations

from dataclasses import dataclass

from openelements.kit.errors import Unauthorized
from openelements.platform.roles import Actor


@dataclass(frozen=True, slots=True)
class Caller(Actor):
    """An authenticated, active user of an active account and organization: the `Actor` the
    role rules (roles.py) judge, plus what the request carried.

    ``element_token`` is the raw `Element` credential when the header carried one. The
    platform domain does not resolve it: the instances domain looks it up and applies D07
    (the instance must belong to ``account_id`` unless ``is_org_admin``).
    """

    email: str
    element_token: str | None = None


def require_org_admin(caller: Caller, *, routes: str = "/accounts") -> None:
    """Spec §3.4: a caller other than the organization administrator gets 401 on /accounts."""
    if not caller.is_org_admin:
        raise Unauthorized(f"Only the organization administrator may use {routes}")
