"""Encryption at rest for the instances domain (D08): what is sealed, with which binding.

Associated data ties each sealed value to its place, so a value copied elsewhere in the
database does not open:

    instance token           element_instance|<token digest>|token
    provider access token    element_instance|<instance id>|access_token
    provider refresh token   element_instance|<instance id>|refresh_token
    masked configuration     instance_configuration|<instance id>:<key>|value
"""

from __future__ import annotations

from dataclasses import dataclass

from openelements.instances.models import CONFIGURATION_TABLE, INSTANCE_TABLE
from openelements.kit.crypto import KeyRing, SecretDigester, new_instance_token, row_aad

__all__ = ["InstanceSealer", "IssuedToken"]


@dataclass(frozen=True, slots=True)
class IssuedToken:
    value: str
    digest: str
    sealed: str


@dataclass(frozen=True, slots=True)
class InstanceSealer:
    key_ring: KeyRing
    digester: SecretDigester

    def issue_token(self) -> IssuedToken:
        value = new_instance_token()
        digest = self.digester.digest(value)
        sealed = self.key_ring.seal_text(value, aad=row_aad(INSTANCE_TABLE, digest, "token"))
        return IssuedToken(value=value, digest=digest, sealed=sealed)

    def token_digest(self, value: str) -> str:
        return self.digester.digest(value)

    def reveal_token(self, sealed: str, *, digest: str) -> str:
        return self.key_ring.open_text(sealed, aad=row_aad(INSTANCE_TABLE, digest, "token"))

    def seal_provider_token(self, instance_id: int, column: str, value: str) -> str:
        return self.key_ring.seal_text(value, aad=row_aad(INSTANCE_TABLE, instance_id, column))

    def open_provider_token(self, instance_id: int, column: str, sealed: str) -> str:
        return self.key_ring.open_text(sealed, aad=row_aad(INSTANCE_TABLE, instance_id, column))

    def seal_configuration(self, instance_id: int, key: str, value: str) -> str:
        return self.key_ring.seal_text(value, aad=_configuration_aad(instance_id, key))

    def open_configuration(self, instance_id: int, key: str, sealed: str) -> str:
        return self.key_ring.open_text(sealed, aad=_configuration_aad(instance_id, key))


def _configuration_aad(instance_id: int, key: str) -> bytes:
    return row_aad(CONFIGURATION_TABLE, f"{instance_id}:{key}", "value")
