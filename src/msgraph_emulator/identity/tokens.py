"""Minting and checking the tokens the emulator issues (G30, G39)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from msgraph_emulator.directory import Directory, User
from msgraph_emulator.identity.grants import IssuedAccessToken
from msgraph_emulator.identity.jwt import SigningKey, TokenFormatError

GRAPH_AUDIENCE = "https://graph.microsoft.com"
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
ACCEPTED_AUDIENCES = frozenset({GRAPH_AUDIENCE, GRAPH_APP_ID, GRAPH_AUDIENCE + "/"})


@dataclass(frozen=True)
class AccessToken:
    value: str
    expires_in: int


def mint_access_token(
    directory: Directory,
    *,
    now: datetime,
    lifetime_seconds: int,
    client_id: str,
    user: User | None,
    scopes: tuple[str, ...] = (),
    roles: tuple[str, ...] = (),
) -> AccessToken:
    """A Graph access token: `scp` for a user (delegated), `roles` for the app alone."""
    token_id = uuid.uuid4().hex
    expires_at = now + timedelta(seconds=lifetime_seconds)
    claims: dict[str, Any] = {
        "aud": GRAPH_AUDIENCE,
        "iss": f"https://sts.windows.net/{directory.tenant_id}/",
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int(expires_at.timestamp()),
        "tid": directory.tenant_id,
        "appid": client_id,
        "ver": "1.0",
        "uti": token_id,
    }
    if user is not None:
        claims |= {
            "oid": user.id,
            "sub": user.id,
            "scp": " ".join(scopes),
            "upn": user.user_principal_name,
            "unique_name": user.user_principal_name,
            "name": user.display_name,
        }
    else:
        claims |= {"oid": client_id, "sub": client_id, "roles": list(roles)}
    directory.grants.register_access(
        token_id,
        IssuedAccessToken(
            user_id=user.id if user else None,
            client_id=client_id,
            expires_at=expires_at,
            lifetime_ends_at=expires_at,
        ),
        now=now,
    )
    return AccessToken(directory.signing_key.sign(claims), lifetime_seconds)


def mint_id_token(
    directory: Directory,
    *,
    now: datetime,
    lifetime_seconds: int,
    client_id: str,
    issuer: str,
    user: User,
    nonce: str | None,
) -> str:
    claims: dict[str, Any] = {
        "ver": "2.0",
        "iss": issuer,
        "aud": client_id,
        "sub": user.id,
        "oid": user.id,
        "tid": directory.tenant_id,
        "name": user.display_name,
        "preferred_username": user.user_principal_name,
        "email": user.mail,
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=lifetime_seconds)).timestamp()),
    }
    if nonce is not None:
        claims["nonce"] = nonce  # echoed verbatim (G39; msal's auth-code flow checks it)
    return directory.signing_key.sign(claims)


class TokenProblem(Enum):
    """G30: each problem has its own 401 message."""

    EMPTY = "Access token is empty."
    EXPIRED = "Lifetime validation failed, the token is expired."
    NOT_YET_VALID = "Access token has expired or is not yet valid."
    INVALID = "CompactToken validation failed with reason code: 80049228."


@dataclass(frozen=True)
class ValidToken:
    app_id: str
    user: User | None
    scopes: frozenset[str]


@lru_cache(maxsize=4096)
def _verified_claims(key: SigningKey, token: str) -> Mapping[str, Any]:
    """The signature check is the costly part of validation and a client reuses one token for
    many calls; expiry and revocation are still checked on every request."""
    return MappingProxyType(key.verify(token))


def validate_access_token(
    directory: Directory, token: str, *, now: datetime
) -> ValidToken | TokenProblem:
    if not token:
        return TokenProblem.EMPTY
    try:
        claims = _verified_claims(directory.signing_key, token)
    except TokenFormatError:
        return TokenProblem.INVALID
    if claims.get("aud") not in ACCEPTED_AUDIENCES:
        return TokenProblem.INVALID
    timestamp = now.timestamp()
    if not isinstance(claims.get("nbf"), int) or claims["nbf"] > timestamp:
        return TokenProblem.NOT_YET_VALID
    if not isinstance(claims.get("exp"), int) or claims["exp"] <= timestamp:
        return TokenProblem.EXPIRED
    issued = directory.grants.find_access(str(claims.get("uti", "")))
    if issued is None:  # issued before a reset, or by another emulator run
        return TokenProblem.INVALID
    if issued.expires_at <= now:  # ended early by POST /_emulator/tokens/expire
        return TokenProblem.EXPIRED
    return _principal_of(directory, claims, issued)


def _principal_of(
    directory: Directory, claims: Mapping[str, Any], issued: IssuedAccessToken
) -> ValidToken | TokenProblem:
    if issued.user_id is None:
        return ValidToken(
            app_id=issued.client_id, user=None, scopes=frozenset(claims.get("roles", []))
        )
    user = directory.users.get(issued.user_id)
    if user is None:  # the user was deleted since
        return TokenProblem.INVALID
    scopes = frozenset(str(claims.get("scp", "")).split())
    return ValidToken(app_id=issued.client_id, user=user, scopes=scopes)
