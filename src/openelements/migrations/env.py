"""Alembic environment: the async engine of `kit.db` (same SQLite rules as the app)."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from openelements.kit.db import Base, create_engine
from openelements.migrations.model_modules import import_model_modules

import_model_modules()
config = context.config
target_metadata = Base.metadata


def _database_url() -> str:
    url = config.attributes.get("database_url")
    if not isinstance(url, str):
        raise RuntimeError("run migrations through openelements (`openelements db upgrade`)")
    return url


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        # kit.db emits BEGIN IMMEDIATE itself, so DDL on SQLite is transactional too.
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_online() -> None:
    engine = create_engine(_database_url())
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_configure)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    context.configure(url=_database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_online())
