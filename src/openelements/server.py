"""`openelements serve`: the gateway on uvicorn (DESIGN.md §6)."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from openelements import migrations
from openelements.app import create_app
from openelements.jobs.runtime import jobs_config
from openelements.settings import (
    API_BASE_PATH,
    ConfigurationError,
    Settings,
    load_crypto_material,
    settings_of,
)

__all__ = ["prepare_database", "serve"]


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port to listen on.")] = 8000,
    no_worker: Annotated[
        bool, typer.Option("--no-worker", help="Do not run background jobs in this process.")
    ] = False,
) -> None:
    """Run the API at http://HOST:PORT/elements/api-v2."""
    settings = settings_of(ctx)
    try:
        load_crypto_material(settings)  # fail before listening; creates the local key file
        jobs_config(settings)
        prepare_database(settings)
    except ConfigurationError as exc:
        typer.echo(f"openelements: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"openelements: API at http://{host}:{port}{API_BASE_PATH}", err=True)
    uvicorn.run(
        create_app(settings, start_worker=not no_worker),
        host=host,
        port=port,
        log_config=None,  # our structlog setup (kit.logging) handles uvicorn's loggers
        access_log=False,  # RequestContextMiddleware logs requests without query strings
        server_header=False,
    )


def prepare_database(settings: Settings) -> None:
    """Migrate a local SQLite database; anywhere else, require it to be migrated already
    (schema changes on a shared database are an operator's step: `openelements db upgrade`)."""
    if settings.is_local_sqlite:
        migrations.upgrade(settings.database_url)
        return
    current, head = migrations.current_revision(settings.database_url), migrations.head_revision()
    if current != head:
        raise ConfigurationError(
            f"the database is at revision {current or 'none'}, this version needs {head}: "
            "run `openelements db upgrade` first"
        )
