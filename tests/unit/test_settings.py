from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest

from openelements.kit.crypto import generate_key
from openelements.settings import (
    ConfigurationError,
    Settings,
    load_crypto_material,
)

PEPPER = base64.b64encode(b"p" * 32).decode()
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/prod"


def test_defaults_match_the_design(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("OPENELEMENTS_"):
            monkeypatch.delenv(name)
    settings = Settings()
    assert settings.database_url == "sqlite+aiosqlite:///./openelements.db"
    assert settings.max_body_bytes == 10 * 1024 * 1024
    assert settings.jobs_backend == "local"
    assert settings.microsoft_authority == "https://login.microsoftonline.com/common"
    assert settings.graph_base_url == "https://graph.microsoft.com/v1.0"
    assert settings.key_file == Path(".openelements/keys")


def test_settings_come_from_openelements_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENELEMENTS_JOBS_BACKEND", "procrastinate")
    monkeypatch.setenv("OPENELEMENTS_MAX_BODY_BYTES", "2048")
    monkeypatch.setenv("OPENELEMENTS_PUBLIC_URL", "https://oe.example")
    settings = Settings()
    assert (settings.jobs_backend, settings.max_body_bytes) == ("procrastinate", 2048)
    assert settings.public_url == "https://oe.example"


def test_unknown_jobs_backend_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENELEMENTS_JOBS_BACKEND", "celery")
    with pytest.raises(ValueError, match="jobs_backend"):
        Settings()


def test_local_sqlite_generates_a_private_key_file_once(tmp_path: Path) -> None:
    key_file = tmp_path / "keys" / "keys"
    settings = Settings(database_url="sqlite+aiosqlite:///./x.db", key_file=key_file)
    first = load_crypto_material(settings)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    second = load_crypto_material(settings)
    sealed = first.key_ring.seal(b"v", aad=b"a")
    assert second.key_ring.open(sealed, aad=b"a") == b"v"
    assert first.digester.digest("s") == second.digester.digest("s")


def test_postgres_without_keys_is_a_clear_error(tmp_path: Path) -> None:
    settings = Settings(database_url=POSTGRES, key_file=tmp_path / "keys")
    with pytest.raises(ConfigurationError, match="OPENELEMENTS_ENCRYPTION_KEYS"):
        load_crypto_material(settings)
    assert not (tmp_path / "keys").exists()


def test_keys_without_pepper_is_a_clear_error(tmp_path: Path) -> None:
    settings = Settings(encryption_keys=f"k1:{generate_key()}", key_file=tmp_path / "keys")
    with pytest.raises(ConfigurationError, match="OPENELEMENTS_HMAC_PEPPER"):
        load_crypto_material(settings)


def test_explicit_keys_are_used(tmp_path: Path) -> None:
    settings = Settings(
        database_url=POSTGRES,
        encryption_keys=f"new:{generate_key()},old:{generate_key()}",
        hmac_pepper=PEPPER,
        key_file=tmp_path / "keys",
    )
    material = load_crypto_material(settings)
    assert material.key_ring.key_ids == ("new", "old")
    assert not (tmp_path / "keys").exists()


def test_malformed_key_ring_names_the_variable(tmp_path: Path) -> None:
    settings = Settings(encryption_keys="k1:short", hmac_pepper=PEPPER)
    with pytest.raises(ConfigurationError, match="OPENELEMENTS_ENCRYPTION_KEYS"):
        load_crypto_material(settings)


def test_secrets_do_not_show_in_the_settings_repr() -> None:
    key = generate_key()
    settings = Settings(encryption_keys=f"k1:{key}", hmac_pepper=PEPPER)
    assert key not in repr(settings)
    assert PEPPER not in repr(settings)
