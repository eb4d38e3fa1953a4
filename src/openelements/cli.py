"""The `openelements` command (DESIGN.md §6). Settings are read here, once, and passed down."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False, help="openelements")


def main() -> None:
    app()
