"""FastAPI dependencies that authenticate a request (spec §3.2), for every domain.

    caller: UserAndOrganization      # platform routes: User + Organization (Element allowed)
    caller: UserOrganizationAndElement   # id-less instance routes: all three
    caller: UserAndElement           # hub routes: User + Element (Organization checked if sent)
    credentials: ParsedCredentials   # the parsed header only, nothing resolved

Each resolves the `User` secret (and `Organization` when sent) in a short read-only session
of its own, so the endpoint's unit of work is not held open by authentication. The `Element`
token is handed on raw as `Caller.element_token`; the instances domain resolves it and
applies D07. Any failure is a 401 naming the credential at fault.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from openelements.container import Container, ContainerDep
from openelements.kit.errors import Unauthorized
from openelements.kit.openapi import requires_authorization
from openelements.platform.authorization import (
    Credentials,
    MalformedAuthorization,
    parse_authorization,
)
from openelements.platform.caller import Caller
from openelements.platform.identity import resolve_caller
from openelements.platform.passwords import PasswordHashing
from openelements.platform.runtime import PlatformRuntime, SecretStore

__all__ = [
    "Caller",
    "ParsedCredentials",
    "PlatformRuntimeDep",
    "UserAndElement",
    "UserAndOrganization",
    "UserOrganizationAndElement",
    "get_credentials",
    "password_hashing",
    "platform_runtime",
    "require_user_and_element",
    "require_user_and_organization",
    "require_user_organization_and_element",
]

_HASHING_STATE = "platform_password_hashing"


def password_hashing(request: Request) -> PasswordHashing:
    """One hasher per app at production cost; tests override this dependency."""
    hashing = getattr(request.app.state, _HASHING_STATE, None)
    if not isinstance(hashing, PasswordHashing):
        hashing = PasswordHashing()
        setattr(request.app.state, _HASHING_STATE, hashing)
    return hashing


def platform_runtime(
    container: ContainerDep,
    passwords: Annotated[PasswordHashing, Depends(password_hashing)],
) -> PlatformRuntime:
    return runtime_of(container, passwords=passwords)


def runtime_of(container: Container, *, passwords: PasswordHashing) -> PlatformRuntime:
    return PlatformRuntime(
        secrets=SecretStore(key_ring=container.key_ring, digester=container.digester),
        passwords=passwords,
        clock=container.clock,
    )


PlatformRuntimeDep = Annotated[PlatformRuntime, Depends(platform_runtime)]


@requires_authorization
def get_credentials(request: Request) -> Credentials:
    """The parsed `Authorization` header (D05); 401 when missing, repeated or malformed."""
    headers = request.headers.getlist("authorization")
    if not headers:
        raise Unauthorized(
            "Authorization header is missing: send 'User <secret>, Organization <secret>'"
        )
    if len(headers) > 1:
        raise Unauthorized("Invalid Authorization header: send one header, not several")
    try:
        return parse_authorization(headers[0])
    except MalformedAuthorization as error:
        raise Unauthorized(str(error)) from None


ParsedCredentials = Annotated[Credentials, Depends(get_credentials)]


def _requirement(
    *, organization: bool, element: bool
) -> Callable[[Container, PlatformRuntime, Credentials], Awaitable[Caller]]:
    """A dependency that requires `User`, plus `Organization` and/or `Element` when asked."""

    async def require(
        container: ContainerDep, runtime: PlatformRuntimeDep, credentials: ParsedCredentials
    ) -> Caller:
        if element and credentials.element is None:
            raise Unauthorized("Invalid Authorization header: Element credential is missing")
        async with container.database.read_session() as session:
            return await resolve_caller(
                session,
                secrets=runtime.secrets,
                credentials=credentials,
                organization_required=organization,
            )

    return require


require_user_and_organization = _requirement(organization=True, element=False)
require_user_organization_and_element = _requirement(organization=True, element=True)
require_user_and_element = _requirement(organization=False, element=True)

UserAndOrganization = Annotated[Caller, Depends(require_user_and_organization)]
UserOrganizationAndElement = Annotated[Caller, Depends(require_user_organization_and_element)]
UserAndElement = Annotated[Caller, Depends(require_user_and_element)]
