"""The `{tenant}` path segment of identity routes (G32)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request

from msgraph_emulator.identity.errors import IdentityError

if TYPE_CHECKING:
    from msgraph_emulator.emulator import Emulator

SPECIFIC_TENANT_REQUIRED = frozenset({"common", "organizations", "consumers"})


def emulator_of(request: Request) -> Emulator:
    emulator: Emulator = request.app.state.emulator
    return emulator


def unknown_tenant(tenant: str) -> IdentityError:
    return IdentityError(
        "invalid_request",
        90002,
        f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and "
        "are signing into the correct cloud.",
    )


def known_tenant(request: Request) -> str:
    """The tenant segment, or `IdentityError` AADSTS90002 when the emulator does not know it."""
    tenant = str(request.path_params["tenant"])
    if not emulator_of(request).directory.knows_tenant(tenant):
        raise unknown_tenant(tenant)
    return tenant
