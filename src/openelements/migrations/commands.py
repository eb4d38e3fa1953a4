"""`openelements db ...`: schema migrations (DESIGN.md §6)."""

from __future__ import annotations

from typing import Annotated

import typer

from openelements import migrations
from openelements.settings import settings_of

db_app = typer.Typer(no_args_is_help=True, help="Database schema migrations.")


@db_app.command("upgrade")
def upgrade(
    ctx: typer.Context,
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Apply migrations up to REVISION (default: the latest)."""
    migrations.upgrade(settings_of(ctx).database_url, revision)


@db_app.command("downgrade")
def downgrade(
    ctx: typer.Context, revision: Annotated[str, typer.Argument(help="Target revision.")]
) -> None:
    """Revert migrations down to REVISION (`base` reverts all)."""
    migrations.downgrade(settings_of(ctx).database_url, revision)


@db_app.command("current")
def current(ctx: typer.Context) -> None:
    """Print the revision the database is at."""
    typer.echo(migrations.current_revision(settings_of(ctx).database_url) or "none")
