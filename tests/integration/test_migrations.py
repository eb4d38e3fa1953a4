"""The whole migration chain through the CLI, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import Engine, make_url
from typer.testing import CliRunner

from openelements import migrations
from openelements.cli import app
from openelements.kit.db import Base
from openelements.migrations.model_modules import import_model_modules


def _cli(database_url: str, *args: str) -> str:
    result = CliRunner().invoke(app, list(args), env={"OPENELEMENTS_DATABASE_URL": database_url})
    assert result.exit_code == 0, result.output
    return result.stdout


@contextmanager
def _sync_engine(database_url: str) -> Iterator[Engine]:
    """A synchronous engine on the database an async URL names (inspection needs one)."""
    url = make_url(database_url)
    sync = url.set(
        drivername="sqlite" if url.get_backend_name() == "sqlite" else "postgresql+psycopg"
    )
    engine = create_engine(sync)
    try:
        yield engine
    finally:
        engine.dispose()


def _tables(database_url: str) -> set[str]:
    with _sync_engine(database_url) as engine:
        return set(inspect(engine).get_table_names())


def test_upgrade_downgrade_upgrade_round_trip(database_url: str) -> None:
    head = migrations.head_revision()
    _cli(database_url, "db", "upgrade")
    assert _cli(database_url, "db", "current").strip() == head
    upgraded = _tables(database_url)

    _cli(database_url, "db", "downgrade", "base")
    assert _cli(database_url, "db", "current").strip() == "none"
    assert _tables(database_url) <= {"alembic_version"}

    _cli(database_url, "db", "upgrade")
    assert migrations.current_revision(database_url) == head
    assert _tables(database_url) == upgraded


def test_upgraded_schema_has_every_registered_table(database_url: str) -> None:
    import_model_modules()
    migrations.upgrade(database_url)
    assert set(Base.metadata.tables) <= _tables(database_url)


def test_chain_is_linear_and_starts_at_0001_base() -> None:
    script = ScriptDirectory.from_config(migrations.alembic_config("sqlite://"))
    revisions = list(script.walk_revisions())
    assert len(script.get_heads()) == 1
    assert revisions[-1].revision == "0001_base"
    assert revisions[-1].down_revision is None


@pytest.mark.parametrize("name", ["script.py.mako", "env.py"])
def test_migration_files_ship_with_the_package(name: str) -> None:
    assert (migrations.MIGRATIONS_DIR / name).is_file()


def _schema_differences(database_url: str) -> list[object]:
    with _sync_engine(database_url) as engine, engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                # Tables that are not ours (procrastinate's schema, alembic_version).
                "include_name": lambda name, kind, _parent: (
                    kind != "table" or name in Base.metadata.tables
                ),
            },
        )
        return list(compare_metadata(context, Base.metadata))


def test_migrations_create_exactly_what_the_models_declare(database_url: str) -> None:
    import_model_modules()
    migrations.upgrade(database_url)
    assert _schema_differences(database_url) == []
