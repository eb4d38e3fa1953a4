"""Base of the chain: the foundation itself needs no tables.

It anchors the linear chain (`0002_platform` revises it) and creates alembic's version table,
which `openelements serve` checks to know the schema is current.

Revision ID: 0001_base
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0001_base"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to create: every table belongs to a domain's own revision."""


def downgrade() -> None:
    """Nothing to drop."""
