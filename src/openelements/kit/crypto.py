"""Sealing secrets at rest, secret lookup digests and secret generation (D08).

Envelope (AES-256-GCM, one format for every sealed column):

    v1:<key id>:<base64url, no padding, of nonce(12) || ciphertext || tag(16)>

- `key id` names the ring key that sealed the value: `[A-Za-z0-9_-]{1,32}`. The ring
  (`OPENELEMENTS_ENCRYPTION_KEYS=id:base64key,...`) seals with its first key and opens with any
  key it holds, so rotation is: put the new key first, keep the old ones until every value is
  re-sealed (`KeyRing.needs_reseal` tells which), then drop them.
- The nonce is 12 random bytes per seal (never reused with a key in practice: 2^-32 collision
  odds only after ~2^32 seals per key).
- The associated data is `openelements/v1|<key id>|<caller aad>`. Callers pass an aad naming
  the row and column (`row_aad("app_user", 12, "secret")`), so a sealed value copied to another
  row or column, or relabelled with another key id, fails to open instead of decrypting.

Lookup digests: the database keeps `HMAC-SHA256(pepper, secret)` (hex) to find the row a
presented secret belongs to. The pepper is its own setting (`OPENELEMENTS_HMAC_PEPPER`), not
derived from the encryption keys: the encryption ring rotates, and a digest tied to a ring key
would stop matching every stored secret the moment that key rotated. The pepper never needs to
rotate for confidentiality of the sealed copies; it only makes a stolen digest table useless
without it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = [
    "KeyRing",
    "SecretDigester",
    "UnsealError",
    "constant_time_equals",
    "generate_key",
    "new_instance_token",
    "new_organization_secret",
    "new_request_id",
    "new_user_secret",
    "row_aad",
]

ENVELOPE_VERSION = "v1"
KEY_BYTES = 32
NONCE_BYTES = 12
MIN_PEPPER_BYTES = 32
_KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")


class UnsealError(ValueError):
    """A sealed value is malformed, tampered with, bound to other data, or its key is gone."""


@dataclass(frozen=True, repr=False)
class _Key:
    id: str
    cipher: AESGCM


class KeyRing:
    """AES-256-GCM keys by id; the first one seals, all of them open."""

    def __init__(self, keys: Sequence[tuple[str, bytes]]) -> None:
        if not keys:
            raise ValueError("a key ring needs at least one key")
        self._keys: dict[str, _Key] = {}
        for key_id, material in keys:
            self._keys[key_id] = _make_key(key_id, material)
        if len(self._keys) != len(keys):
            raise ValueError("key ids in a key ring must be unique")
        self.primary_key_id = keys[0][0]

    @classmethod
    def parse(cls, spec: str) -> KeyRing:
        """Parse `id:base64key,id:base64key,...` (whitespace around items is ignored)."""
        keys = [_parse_item(item.strip()) for item in spec.split(",") if item.strip()]
        return cls(keys)

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(self._keys)

    def seal(self, plaintext: bytes, *, aad: bytes) -> str:
        key = self._keys[self.primary_key_id]
        nonce = secrets.token_bytes(NONCE_BYTES)
        body = key.cipher.encrypt(nonce, plaintext, _full_aad(key.id, aad))
        encoded = base64.urlsafe_b64encode(nonce + body).rstrip(b"=").decode("ascii")
        return f"{ENVELOPE_VERSION}:{key.id}:{encoded}"

    def open(self, sealed: str, *, aad: bytes) -> bytes:
        key_id, blob = self._split(sealed)
        key = self._keys.get(key_id)
        if key is None:
            raise UnsealError(f"no key {key_id!r} in the key ring")
        nonce, body = blob[:NONCE_BYTES], blob[NONCE_BYTES:]
        try:
            return key.cipher.decrypt(nonce, body, _full_aad(key_id, aad))
        except InvalidTag:
            raise UnsealError("sealed value failed authentication") from None

    def seal_text(self, plaintext: str, *, aad: bytes) -> str:
        return self.seal(plaintext.encode("utf-8"), aad=aad)

    def open_text(self, sealed: str, *, aad: bytes) -> str:
        return self.open(sealed, aad=aad).decode("utf-8")

    def needs_reseal(self, sealed: str) -> bool:
        """True when `sealed` was made with a key other than the current primary."""
        return self._split(sealed)[0] != self.primary_key_id

    def __repr__(self) -> str:
        return f"KeyRing(key_ids={self.key_ids!r})"

    @staticmethod
    def _split(sealed: str) -> tuple[str, bytes]:
        parts = sealed.split(":")
        if len(parts) != 3 or parts[0] != ENVELOPE_VERSION:
            raise UnsealError("not a sealed value of a known version")
        try:
            blob = base64.urlsafe_b64decode(parts[2] + "=" * (-len(parts[2]) % 4))
        except (binascii.Error, ValueError):
            raise UnsealError("sealed value is not valid base64url") from None
        if len(blob) < NONCE_BYTES + 16:
            raise UnsealError("sealed value is too short")
        return parts[1], blob


def _make_key(key_id: str, material: bytes) -> _Key:
    if not _KEY_ID.fullmatch(key_id):
        raise ValueError(f"invalid key id {key_id!r}: use 1-32 of [A-Za-z0-9_-]")
    if len(material) != KEY_BYTES:
        raise ValueError(f"key {key_id!r} must be {KEY_BYTES} bytes, got {len(material)}")
    return _Key(key_id, AESGCM(material))


def _parse_item(item: str) -> tuple[str, bytes]:
    key_id, sep, encoded = item.partition(":")
    if not sep:
        raise ValueError("each key must be written as id:base64key")
    try:
        return key_id.strip(), base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"key {key_id.strip()!r} is not valid base64") from None


def _full_aad(key_id: str, aad: bytes) -> bytes:
    return b"openelements/" + ENVELOPE_VERSION.encode() + b"|" + key_id.encode() + b"|" + aad


def row_aad(table: str, row_id: int | str, column: str) -> bytes:
    """Associated data binding a sealed value to one column of one row."""
    return f"{table}|{row_id}|{column}".encode()


def generate_key() -> str:
    """A fresh 256-bit key, standard base64 (the form the key ring setting takes)."""
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


class SecretDigester:
    """HMAC-SHA256 lookup digests of secrets (D08)."""

    def __init__(self, pepper: bytes) -> None:
        if len(pepper) < MIN_PEPPER_BYTES:
            raise ValueError(f"the HMAC pepper must be at least {MIN_PEPPER_BYTES} bytes")
        self._pepper = pepper

    def digest(self, secret: str) -> str:
        """64 lowercase hex characters; store this, look rows up by it."""
        return hmac.new(self._pepper, secret.encode("utf-8"), hashlib.sha256).hexdigest()

    def matches(self, secret: str, digest: str) -> bool:
        return constant_time_equals(self.digest(secret), digest)

    def __repr__(self) -> str:
        return "SecretDigester(pepper=<redacted>)"


def constant_time_equals(a: str | bytes, b: str | bytes) -> bool:
    """Compare without leaking where the inputs differ."""
    left = a.encode("utf-8") if isinstance(a, str) else a
    right = b.encode("utf-8") if isinstance(b, str) else b
    return hmac.compare_digest(left, right)


def new_organization_secret() -> str:
    """32 lowercase hex characters (16 random bytes), spec §3.3."""
    return secrets.token_hex(16)


def new_user_secret() -> str:
    """Standard padded base64 of 32 random bytes: 44 characters, spec §3.3."""
    return base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def new_instance_token() -> str:
    """Same format as a user secret, spec §3.3."""
    return new_user_secret()


def new_request_id() -> str:
    """24 lowercase hex characters (12 random bytes), spec §2 and §3.3."""
    return secrets.token_hex(12)
