from __future__ import annotations

import base64
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openelements.kit.crypto import (
    KeyRing,
    SecretDigester,
    UnsealError,
    constant_time_equals,
    generate_key,
    new_instance_token,
    new_organization_secret,
    new_request_id,
    new_user_secret,
    row_aad,
)

OLD = ("old", b"\x01" * 32)
NEW = ("new", b"\x02" * 32)
AAD = row_aad("app_user", 12, "secret")


@given(st.binary(max_size=2048), st.binary(max_size=64))
def test_seal_then_open_returns_the_plaintext(plaintext: bytes, aad: bytes) -> None:
    ring = KeyRing([NEW])
    assert ring.open(ring.seal(plaintext, aad=aad), aad=aad) == plaintext


def test_sealed_value_names_its_key_and_hides_the_plaintext() -> None:
    sealed = KeyRing([NEW]).seal_text("fJ5HQ135fW4okMt5AWq0hzm2X7kaK5OpQB0Uxjvlz6U=", aad=AAD)
    assert re.fullmatch(r"v1:new:[A-Za-z0-9_-]+", sealed)
    assert "fJ5HQ" not in sealed


def test_sealing_twice_gives_different_ciphertexts() -> None:
    ring = KeyRing([NEW])
    assert ring.seal(b"same", aad=AAD) != ring.seal(b"same", aad=AAD)


def test_tampered_ciphertext_is_refused() -> None:
    ring = KeyRing([NEW])
    sealed = ring.seal(b"secret", aad=AAD)
    prefix, body = sealed.rsplit(":", 1)
    raw = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    raw[-1] ^= 0x01
    tampered = prefix + ":" + base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    with pytest.raises(UnsealError):
        ring.open(tampered, aad=AAD)


def test_value_bound_to_another_row_does_not_open() -> None:
    ring = KeyRing([NEW])
    sealed = ring.seal(b"secret", aad=row_aad("app_user", 12, "secret"))
    with pytest.raises(UnsealError):
        ring.open(sealed, aad=row_aad("app_user", 13, "secret"))


def test_relabelled_key_id_does_not_open() -> None:
    ring = KeyRing([NEW, ("twin", NEW[1])])
    sealed = ring.seal(b"secret", aad=AAD)
    with pytest.raises(UnsealError):
        ring.open(sealed.replace("v1:new:", "v1:twin:"), aad=AAD)


def test_rotation_new_key_seals_and_old_key_still_opens() -> None:
    before = KeyRing([OLD]).seal(b"token", aad=AAD)
    rotated = KeyRing([NEW, OLD])
    assert rotated.open(before, aad=AAD) == b"token"
    assert rotated.needs_reseal(before)
    after = rotated.seal(b"token", aad=AAD)
    assert after.startswith("v1:new:")
    assert not rotated.needs_reseal(after)


def test_value_sealed_with_a_dropped_key_reports_the_missing_key() -> None:
    sealed = KeyRing([OLD]).seal(b"token", aad=AAD)
    with pytest.raises(UnsealError, match="no key 'old'"):
        KeyRing([NEW]).open(sealed, aad=AAD)


@pytest.mark.parametrize("garbage", ["", "v1:new", "v2:new:AAAA", "v1:new:!!!", "v1:new:AAAA"])
def test_malformed_sealed_values_are_refused(garbage: str) -> None:
    with pytest.raises(UnsealError):
        KeyRing([NEW]).open(garbage, aad=AAD)


def test_ring_parses_the_setting_format_first_key_seals() -> None:
    first, second = generate_key(), generate_key()
    ring = KeyRing.parse(f" k2:{first} , k1:{second} ")
    assert ring.key_ids == ("k2", "k1")
    assert ring.primary_key_id == "k2"


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ("", "at least one key"),
        ("k1", "id:base64key"),
        ("k1:not base64!", "not valid base64"),
        (f"k1:{base64.b64encode(b'short').decode()}", "32 bytes"),
        (f"bad id:{base64.b64encode(bytes(32)).decode()}", "invalid key id"),
        (f"k1:{base64.b64encode(bytes(32)).decode()},k1:{generate_key()}", "unique"),
    ],
)
def test_ring_rejects_bad_settings_with_a_clear_message(spec: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        KeyRing.parse(spec)


def test_ring_repr_shows_no_key_material() -> None:
    assert repr(KeyRing([NEW])) == "KeyRing(key_ids=('new',))"


def test_digest_is_hmac_sha256_hex_and_stable() -> None:
    digester = SecretDigester(b"p" * 32)
    digest = digester.digest("ce7f1f9be0d2a8b1f37bcfa6d71eda20")
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert digest == SecretDigester(b"p" * 32).digest("ce7f1f9be0d2a8b1f37bcfa6d71eda20")
    assert digest != SecretDigester(b"q" * 32).digest("ce7f1f9be0d2a8b1f37bcfa6d71eda20")
    assert digester.matches("ce7f1f9be0d2a8b1f37bcfa6d71eda20", digest)
    assert not digester.matches("ce7f1f9be0d2a8b1f37bcfa6d71eda21", digest)


def test_short_pepper_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 32 bytes"):
        SecretDigester(b"short")


def test_constant_time_equals_compares_text_and_bytes() -> None:
    assert constant_time_equals("abc", b"abc")
    assert not constant_time_equals("abc", "abd")


def test_generated_secrets_have_the_documented_formats() -> None:
    assert re.fullmatch(r"[0-9a-f]{32}", new_organization_secret())
    for secret in (new_user_secret(), new_instance_token()):
        assert len(secret) == 44
        assert secret.endswith("=")
        assert len(base64.b64decode(secret, validate=True)) == 32
    assert re.fullmatch(r"[0-9a-f]{24}", new_request_id())


def test_generated_secrets_do_not_repeat() -> None:
    assert len({new_user_secret() for _ in range(200)}) == 200
