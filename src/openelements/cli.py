"""The `openelements` command (DESIGN.md §6). Settings are read here, once, and passed down:
sub-commands get them with `settings.settings_of(ctx)`.

Each command or group is one line below, defined in its own module.
"""

from __future__ import annotations

import typer
from pydantic import ValidationError

from openelements.container import Container
from openelements.demo import demo
from openelements.jobs.commands import jobs_cli
from openelements.kit.logging import configure_logging
from openelements.migrations.commands import db_app
from openelements.platform.commands import admin_app
from openelements.server import prepare_database, serve
from openelements.settings import Settings

app = typer.Typer(no_args_is_help=True, add_completion=False, help="openelements")
worker, jobs_app = jobs_cli(Container.build, prepare=prepare_database)


@app.callback()
def load_settings(ctx: typer.Context) -> None:
    """Self-hosted Cloud Elements API v2 for Microsoft Graph calendars."""
    try:
        settings = Settings()
    except ValidationError as exc:
        typer.echo(f"openelements: invalid OPENELEMENTS_* settings:\n{exc}", err=True)
        raise typer.Exit(2) from None
    configure_logging(level=settings.log_level, log_format=settings.log_format)
    ctx.obj = settings


app.command("serve")(serve)
app.add_typer(db_app, name="db")
app.add_typer(admin_app, name="admin")
app.command("worker")(worker)
app.add_typer(jobs_app, name="jobs")
app.command("demo")(demo)


@app.command(
    "emulator",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    add_help_option=False,
)
def emulator(ctx: typer.Context) -> None:
    """Microsoft Graph + identity platform emulator: [--host H] [--port P] [--auto-consent]
    [--state FILE] and the settings flags of `python -m msgraph_emulator --help`."""
    from msgraph_emulator.cli import main as emulator_main  # the only import of the emulator

    raise typer.Exit(emulator_main(ctx.args))


def main() -> None:
    app()
