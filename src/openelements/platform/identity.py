"""From a parsed `Authorization` header to a `Caller` (spec §3.2, §3.4, D07, D11).

Every refusal is a 401 whose message says which credential failed. Secrets are found by their
HMAC digest and the match confirmed in constant time; a secret presented under the wrong
keyword (a user secret as `Organization`, an element token as `User`) is simply not in that
table and is refused like any unknown secret.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from openelements.kit.errors import Unauthorized
from openelements.platform.authorization import Credentials
from openelements.platform.caller import Caller
from openelements.platform.models import AppUser, Organization
from openelements.platform.repository import PlatformRepository
from openelements.platform.roles import role_for_key
from openelements.platform.runtime import SecretStore


async def resolve_caller(
    session: AsyncSession,
    *,
    secrets: SecretStore,
    credentials: Credentials,
    organization_required: bool,
) -> Caller:
    """Check the `User` (and `Organization`) credentials; `Element` is passed through raw."""
    if credentials.user is None:
        raise Unauthorized("Invalid Authorization header: User credential is missing")
    if organization_required and credentials.organization is None:
        raise Unauthorized("Invalid Authorization header: Organization credential is missing")
    repository = PlatformRepository(session)
    user = await _user(repository, secrets=secrets, value=credentials.user)
    organization = await _organization_of(
        repository, secrets=secrets, user=user, value=credentials.organization
    )
    account = await repository.account(organization.id, user.account_id)
    if account is None or not account.active:
        raise Unauthorized("The user's account is deactivated")
    roles = (await repository.role_keys([user.id]))[user.id]
    return Caller(
        user_id=user.id,
        account_id=user.account_id,
        organization_id=user.organization_id,
        roles=frozenset(key for key in map(role_for_key, roles) if key is not None),
        email=user.email,
        element_token=credentials.element,
    )


async def _user(repository: PlatformRepository, *, secrets: SecretStore, value: str) -> AppUser:
    digest = secrets.digest(value)
    user = await repository.user_by_digest(digest)
    if user is None or not secrets.matches(value, user.secret_digest):
        raise Unauthorized("Invalid user secret")
    if not user.active:
        raise Unauthorized("The user is deactivated")
    return user


async def _organization_of(
    repository: PlatformRepository, *, secrets: SecretStore, user: AppUser, value: str | None
) -> Organization:
    if value is None:
        organization = await repository.organization(user.organization_id)
    else:
        organization = await repository.organization_by_digest(secrets.digest(value))
        if organization is None or not secrets.matches(value, organization.secret_digest):
            raise Unauthorized("Invalid organization secret")
        if organization.id != user.organization_id:
            raise Unauthorized(
                "User secret and organization secret belong to different organizations"
            )
    if organization is None or not organization.active:
        raise Unauthorized("The organization is deactivated")
    return organization
