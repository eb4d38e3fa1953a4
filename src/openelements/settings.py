"""Deployment settings: every `OPENELEMENTS_*` variable (DESIGN.md §6).

Read once, in `cli.py`, and passed down; nothing else reads the environment.

Keys: `OPENELEMENTS_ENCRYPTION_KEYS` (`id:base64key,...`, first one seals) and
`OPENELEMENTS_HMAC_PEPPER` (base64, >= 32 bytes; see `kit.crypto` for why it is separate).
When neither is set and the database is a local SQLite file (the default and the demo), both
come from a generated key file (`OPENELEMENTS_KEY_FILE`, default `./.openelements/keys`) kept
beside the database. Anywhere else (PostgreSQL) missing keys are a `ConfigurationError`: a
silently generated key on one of several servers would seal data the others cannot open.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import typer
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from openelements.kit.crypto import KeyRing, SecretDigester, generate_key
from openelements.kit.key_file import load_or_create_key_file

__all__ = [
    "API_BASE_PATH",
    "DEFAULT_DATABASE_URL",
    "ConfigurationError",
    "CryptoMaterial",
    "Settings",
    "load_crypto_material",
    "settings_of",
]

API_BASE_PATH = "/elements/api-v2"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./openelements.db"
DEFAULT_KEY_FILE = Path(".openelements/keys")
DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024
_KEYS_NAME = "OPENELEMENTS_ENCRYPTION_KEYS"
_PEPPER_NAME = "OPENELEMENTS_HMAC_PEPPER"


class ConfigurationError(Exception):
    """The deployment settings cannot work; the message says what to set."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OPENELEMENTS_", extra="ignore", frozen=True)

    database_url: str = DEFAULT_DATABASE_URL
    encryption_keys: SecretStr | None = None
    hmac_pepper: SecretStr | None = None
    key_file: Path = DEFAULT_KEY_FILE
    public_url: str | None = None
    microsoft_authority: str = "https://login.microsoftonline.com/common"
    graph_base_url: str = "https://graph.microsoft.com/v1.0"
    jobs_backend: Literal["local", "procrastinate"] = "local"
    # Jobs (openelements.jobs.runtime): pool size, leases, drain on shutdown, retention.
    jobs_concurrency: int = 4
    jobs_lease_seconds: float = 30.0
    jobs_heartbeat_seconds: float = 10.0
    jobs_poll_seconds: float = 1.0
    jobs_shutdown_grace_seconds: float = 10.0
    jobs_retention_days: float = 7.0
    jobs_metrics_refresh_seconds: float = 15.0
    jobs_task_modules: str = ""
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    cors_allow_origins: str = "*"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "console"] = "json"
    sqlite_busy_timeout_ms: int = 15_000
    # Outbound HTTP and tokens (elements/wiring.py, instances/tokens.py; microsoft-graph.md §19)
    http_connect_timeout_seconds: float = 5.0
    http_read_timeout_seconds: float = 30.0
    http_write_timeout_seconds: float = 30.0
    http_pool_timeout_seconds: float = 10.0
    http_max_connections: int = 100
    http_retry_attempts: int = 4
    http_retry_max_wait_seconds: float = 60.0
    http_retry_backoff_initial_seconds: float = 0.5
    graph_mailbox_concurrency: int = 4
    token_refresh_margin_seconds: int = 300
    token_refresh_lease_seconds: int = 30

    @property
    def is_local_sqlite(self) -> bool:
        """A SQLite database on this machine: the default and demo deployment."""
        return make_url(self.database_url).get_backend_name() == "sqlite"

    @property
    def cors_origins(self) -> list[str]:
        return [origin.strip() for origin in self.cors_allow_origins.split(",") if origin.strip()]


@dataclass(frozen=True)
class CryptoMaterial:
    key_ring: KeyRing
    digester: SecretDigester


def load_crypto_material(settings: Settings) -> CryptoMaterial:
    """The key ring and lookup digester, from settings or the local key file (see module doc)."""
    keys, pepper = _key_texts(settings)
    try:
        ring = KeyRing.parse(keys)
    except ValueError as exc:
        raise ConfigurationError(f"{_KEYS_NAME}: {exc}") from None
    try:
        digester = SecretDigester(base64.b64decode(pepper, validate=True))
    except (binascii.Error, ValueError) as exc:
        raise ConfigurationError(f"{_PEPPER_NAME}: {exc}") from None
    return CryptoMaterial(key_ring=ring, digester=digester)


def _key_texts(settings: Settings) -> tuple[str, str]:
    keys, pepper = settings.encryption_keys, settings.hmac_pepper
    if keys is not None and pepper is not None:
        return keys.get_secret_value(), pepper.get_secret_value()
    if keys is not None or pepper is not None or not settings.is_local_sqlite:
        raise ConfigurationError(
            f"{_KEYS_NAME} and {_PEPPER_NAME} must both be set: generated keys are only used "
            "with a local SQLite database"
        )
    try:
        values = load_or_create_key_file(
            settings.key_file,
            generators={
                _KEYS_NAME: lambda: f"k1:{generate_key()}",
                _PEPPER_NAME: lambda: base64.b64encode(secrets.token_bytes(32)).decode(),
            },
        )
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"key file {settings.key_file}: {exc}") from None
    return values[_KEYS_NAME], values[_PEPPER_NAME]


def settings_of(ctx: typer.Context) -> Settings:
    """The settings the CLI read once, for any sub-command (`ctx.obj` set by `cli.py`)."""
    root = ctx.find_root()
    if not isinstance(root.obj, Settings):
        raise RuntimeError("settings were not loaded by the openelements CLI")
    return root.obj
