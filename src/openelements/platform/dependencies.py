"""FastAPI dependencies that hand a route its platform service, built over the request's
read-only session or its unit of work (container.py):

    users: ReadUsers          # UserService over a read-only session
    users: WriteUsers         # UserService over the request's unit of work
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from openelements.container import ReadSession, WriteSession
from openelements.platform.auth import PlatformRuntimeDep
from openelements.platform.runtime import PlatformRuntime
from openelements.platform.service import (
    AccountService,
    AccountSettingsService,
    OrganizationService,
)
from openelements.platform.users import UserService

S = TypeVar("S")
ServiceFactory = Callable[[AsyncSession, PlatformRuntime], S]


def over_reads(factory: ServiceFactory[S]) -> Callable[..., Awaitable[S]]:
    # async: FastAPI would run a plain function in a worker thread.
    async def service(session: ReadSession, runtime: PlatformRuntimeDep) -> S:
        return factory(session, runtime)

    return service


def over_writes(factory: ServiceFactory[S]) -> Callable[..., Awaitable[S]]:
    async def service(session: WriteSession, runtime: PlatformRuntimeDep) -> S:
        return factory(session, runtime)

    return service


ReadOrganizations = Annotated[OrganizationService, Depends(over_reads(OrganizationService))]
ReadAccounts = Annotated[AccountService, Depends(over_reads(AccountService))]
WriteAccounts = Annotated[AccountService, Depends(over_writes(AccountService))]
WriteAccountSettings = Annotated[
    AccountSettingsService, Depends(over_writes(AccountSettingsService))
]
ReadUsers = Annotated[UserService, Depends(over_reads(UserService))]
WriteUsers = Annotated[UserService, Depends(over_writes(UserService))]
