"""Platform: organizations, accounts, users, roles, login sessions, account settings.

Revision ID: 0002_platform
Revises: 0001_base
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from openelements.kit.db import UTCDateTime

revision: str = "0002_platform"
down_revision: str | None = "0001_base"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Same as platform.models.ObjectId: BIGINT on PostgreSQL, the rowid alias on SQLite.
OBJECT_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "organization",
        sa.Column("id", OBJECT_ID, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("secret_digest", sa.String(length=64), nullable=False),
        sa.Column("secret_sealed", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organization")),
        sa.UniqueConstraint("secret_digest", name=op.f("uq_organization_secret_digest")),
    )
    op.create_table(
        "account",
        sa.Column("id", OBJECT_ID, nullable=False),
        sa.Column("organization_id", OBJECT_ID, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_account_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account")),
        sa.UniqueConstraint(
            "organization_id", "external_id", name=op.f("uq_account_organization_id_external_id")
        ),
    )
    op.create_index(op.f("ix_account_organization_id"), "account", ["organization_id"])
    op.create_table(
        "app_user",
        sa.Column("id", OBJECT_ID, nullable=False),
        sa.Column("organization_id", OBJECT_ID, nullable=False),
        sa.Column("account_id", OBJECT_ID, nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("email_key", sa.String(length=254), nullable=False),
        sa.Column("first_name", sa.String(length=255), nullable=False),
        sa.Column("last_name", sa.String(length=255), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("secret_digest", sa.String(length=64), nullable=False),
        sa.Column("secret_sealed", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_login_at", UTCDateTime(), nullable=True),
        sa.Column("city", sa.Text(), nullable=True),
        sa.Column("country", sa.Text(), nullable=True),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("postal_code", sa.Text(), nullable=True),
        sa.Column("state_province", sa.Text(), nullable=True),
        sa.Column("street1", sa.Text(), nullable=True),
        sa.Column("street2", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_app_user_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_app_user_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_user")),
        sa.UniqueConstraint("email_key", name=op.f("uq_app_user_email_key")),
        sa.UniqueConstraint("secret_digest", name=op.f("uq_app_user_secret_digest")),
    )
    op.create_index(op.f("ix_app_user_account_id"), "app_user", ["account_id"])
    op.create_index(op.f("ix_app_user_organization_id"), "app_user", ["organization_id"])
    op.create_table(
        "user_role",
        sa.Column("user_id", OBJECT_ID, nullable=False),
        sa.Column("role_key", sa.String(length=50), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_user_role_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "role_key", name=op.f("pk_user_role")),
    )
    op.create_table(
        "user_session",
        sa.Column("id", OBJECT_ID, nullable=False),
        sa.Column("user_id", OBJECT_ID, nullable=False),
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_user_session_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_session")),
        sa.UniqueConstraint("token_digest", name=op.f("uq_user_session_token_digest")),
    )
    op.create_index(op.f("ix_user_session_expires_at"), "user_session", ["expires_at"])
    op.create_index(op.f("ix_user_session_user_id"), "user_session", ["user_id"])
    op.create_table(
        "account_setting",
        sa.Column("account_id", OBJECT_ID, nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_account_setting_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "key", name=op.f("pk_account_setting")),
    )


def downgrade() -> None:
    op.drop_table("account_setting")
    op.drop_index(op.f("ix_user_session_user_id"), table_name="user_session")
    op.drop_index(op.f("ix_user_session_expires_at"), table_name="user_session")
    op.drop_table("user_session")
    op.drop_table("user_role")
    op.drop_index(op.f("ix_app_user_organization_id"), table_name="app_user")
    op.drop_index(op.f("ix_app_user_account_id"), table_name="app_user")
    op.drop_table("app_user")
    op.drop_index(op.f("ix_account_organization_id"), table_name="account")
    op.drop_table("account")
    op.drop_table("organization")
