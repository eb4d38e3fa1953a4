import base64
import secrets

import pytest

from openelements.kit.crypto import KeyRing, SecretDigester, UnsealError, generate_key
from openelements.platform.runtime import SecretStore


@pytest.fixture
def store() -> SecretStore:
    return SecretStore(
        key_ring=KeyRing.parse(f"k1:{generate_key()}"),
        digester=SecretDigester(secrets.token_bytes(32)),
    )


def test_issued_secret_is_found_by_digest_and_revealed(store: SecretStore) -> None:
    value = base64.b64encode(secrets.token_bytes(32)).decode()
    issued = store.issue(value, table="app_user")
    assert value not in (issued.digest, issued.sealed)
    assert store.digest(value) == issued.digest
    assert store.matches(value, issued.digest)
    assert not store.matches(value + "x", issued.digest)
    assert store.reveal(issued.sealed, table="app_user", digest=issued.digest) == value


def test_sealed_copy_does_not_open_on_another_row_or_table(store: SecretStore) -> None:
    first = store.issue("first-secret", table="app_user")
    second = store.issue("second-secret", table="app_user")
    with pytest.raises(UnsealError):
        store.reveal(first.sealed, table="app_user", digest=second.digest)
    with pytest.raises(UnsealError):
        store.reveal(first.sealed, table="organization", digest=first.digest)
