"""`openelements admin ...`: operator commands of the platform domain (D09).

`create-organization` is the only way to bootstrap: there is no public sign-up. It prints one
JSON object with the organization secret and the administrator's user secret, which are
shown nowhere else in clear; diagnostics go to stderr so stdout stays machine-readable.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, NoReturn

import typer
from pydantic import ValidationError
from sqlalchemy.exc import OperationalError, ProgrammingError

from openelements.container import Container
from openelements.kit.errors import ElementsError
from openelements.platform.auth import runtime_of
from openelements.platform.passwords import PasswordHashing
from openelements.platform.schemas import OrganizationCreated, UserCreate
from openelements.platform.service import OrganizationService
from openelements.settings import ConfigurationError, Settings, settings_of

admin_app = typer.Typer(no_args_is_help=True, help="Operator commands: organizations.")

ADMIN_FIRST_NAME = "Organization"
ADMIN_LAST_NAME = "Administrator"


@admin_app.command("create-organization")
def create_organization(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", help="Organization name.")],
    email: Annotated[str, typer.Option("--email", help="Administrator's email (login).")],
    password: Annotated[str, typer.Option("--password", help="Administrator's password.")],
) -> None:
    """Create an organization, its default account and its administrator; print the secrets."""
    try:
        admin = UserCreate(
            first_name=ADMIN_FIRST_NAME, last_name=ADMIN_LAST_NAME, email=email, password=password
        )
        if not name.strip() or len(name) > 255:
            raise typer.BadParameter("must be 1 to 255 characters", param_hint="--name")
        created = asyncio.run(_create(settings_of(ctx), name=name, admin=admin))
    except ValidationError as error:
        _fail("; ".join(f"--{e['loc'][0]}: {e['msg']}" for e in error.errors()))
    except (ElementsError, ConfigurationError) as error:
        _fail(str(error))
    except (OperationalError, ProgrammingError):
        _fail("the database is not ready; run `openelements db upgrade` first")
    typer.echo(created.model_dump_json())


async def _create(settings: Settings, *, name: str, admin: UserCreate) -> OrganizationCreated:
    container = Container.build(settings, start_worker=False)
    try:
        runtime = runtime_of(container, passwords=PasswordHashing())
        async with container.database.transaction() as session:
            return await OrganizationService(session, runtime).create(name=name, admin=admin)
    finally:
        await container.aclose()


def _fail(message: str) -> NoReturn:
    typer.echo(f"openelements admin: {message}", err=True)
    raise typer.Exit(1)
