"""What `openelements serve` does with the schema before it listens."""

from __future__ import annotations

import base64

import pytest
from typer.testing import CliRunner

from openelements import migrations
from openelements.cli import app
from openelements.server import prepare_database
from openelements.settings import ConfigurationError, Settings


def _settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        encryption_keys=f"k1:{base64.b64encode(bytes(32)).decode()}",
        hmac_pepper=base64.b64encode(bytes(32)).decode(),
    )


def test_sqlite_is_migrated_at_start(sqlite_url: str) -> None:
    prepare_database(_settings(sqlite_url))
    assert migrations.current_revision(sqlite_url) == migrations.head_revision()


@pytest.mark.postgres
def test_postgres_must_be_migrated_by_the_operator(postgres_url: str) -> None:
    with pytest.raises(ConfigurationError, match="openelements db upgrade"):
        prepare_database(_settings(postgres_url))
    assert migrations.current_revision(postgres_url) is None
    migrations.upgrade(postgres_url)
    prepare_database(_settings(postgres_url))


def test_serve_on_postgres_without_keys_refuses_to_start() -> None:
    result = CliRunner().invoke(
        app,
        ["serve"],
        env={"OPENELEMENTS_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/none"},
    )
    assert result.exit_code == 2
    assert "OPENELEMENTS_ENCRYPTION_KEYS" in result.stderr


def test_invalid_settings_are_reported_not_raised() -> None:
    result = CliRunner().invoke(app, ["db", "current"], env={"OPENELEMENTS_JOBS_BACKEND": "x"})
    assert result.exit_code == 2
    assert "jobs_backend" in result.stderr


def test_serve_with_unworkable_jobs_timings_refuses_to_start(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[object] = []
    monkeypatch.setattr("openelements.server.uvicorn.run", lambda *a, **k: started.append(a))
    result = CliRunner().invoke(
        app,
        ["serve"],
        env={
            "OPENELEMENTS_DATABASE_URL": sqlite_url,
            "OPENELEMENTS_ENCRYPTION_KEYS": f"k1:{base64.b64encode(bytes(32)).decode()}",
            "OPENELEMENTS_HMAC_PEPPER": base64.b64encode(bytes(32)).decode(),
            "OPENELEMENTS_JOBS_LEASE_SECONDS": "5",
            "OPENELEMENTS_JOBS_HEARTBEAT_SECONDS": "60",
        },
    )
    assert (result.exit_code, started) == (2, [])
    assert "OPENELEMENTS_JOBS_HEARTBEAT_SECONDS" in result.stderr
