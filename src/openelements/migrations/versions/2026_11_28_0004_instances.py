"""Instances: element instances, their configuration entries and tags.

Revision ID: 0004_instances
Revises: 0003_jobs
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from openelements.kit.db import UTCDateTime

OBJECT_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0004_instances"
down_revision: str | None = "0003_jobs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "element_instance",
        sa.Column("id", OBJECT_ID, nullable=False),
        sa.Column("organization_id", OBJECT_ID, nullable=False),
        sa.Column("account_id", OBJECT_ID, nullable=False),
        sa.Column("user_id", OBJECT_ID, nullable=False),
        sa.Column("element_key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("token_sealed", sa.Text(), nullable=False),
        sa.Column("valid", sa.Boolean(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("external_authentication", sa.String(length=16), nullable=False),
        sa.Column("mailbox", sa.String(length=320), nullable=True),
        sa.Column("provider_user_id", sa.String(length=128), nullable=True),
        sa.Column("access_token_sealed", sa.Text(), nullable=True),
        sa.Column("refresh_token_sealed", sa.Text(), nullable=True),
        sa.Column("access_expires_at", UTCDateTime(), nullable=True),
        sa.Column("credentials_version", sa.Integer(), nullable=False),
        sa.Column("refresh_owner", sa.String(length=64), nullable=True),
        sa.Column("refreshing_until", UTCDateTime(), nullable=True),
        sa.Column("refreshed_at", UTCDateTime(), nullable=True),
        sa.Column("invalid_reason", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_element_instance_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_element_instance_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_element_instance_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_element_instance")),
        sa.UniqueConstraint("token_digest", name=op.f("uq_element_instance_token_digest")),
    )
    op.create_index(op.f("ix_element_instance_account_id"), "element_instance", ["account_id"])
    op.create_index(
        op.f("ix_element_instance_organization_id"), "element_instance", ["organization_id"]
    )
    op.create_index(op.f("ix_element_instance_deleted_at"), "element_instance", ["deleted_at"])
    op.create_table(
        "instance_configuration",
        sa.Column("id", OBJECT_ID, nullable=False),
        sa.Column("instance_id", OBJECT_ID, nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("sealed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["element_instance.id"],
            name=op.f("fk_instance_configuration_instance_id_element_instance"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instance_configuration")),
        sa.UniqueConstraint(
            "instance_id", "key", name=op.f("uq_instance_configuration_instance_id_key")
        ),
    )
    op.create_index(
        op.f("ix_instance_configuration_instance_id"), "instance_configuration", ["instance_id"]
    )
    op.create_table(
        "instance_tag",
        sa.Column("instance_id", OBJECT_ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["element_instance.id"],
            name=op.f("fk_instance_tag_instance_id_element_instance"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("instance_id", "position", name=op.f("pk_instance_tag")),
    )
    op.create_index(op.f("ix_instance_tag_tag"), "instance_tag", ["tag"])


def downgrade() -> None:
    op.drop_index(op.f("ix_instance_tag_tag"), table_name="instance_tag")
    op.drop_table("instance_tag")
    op.drop_index(
        op.f("ix_instance_configuration_instance_id"), table_name="instance_configuration"
    )
    op.drop_table("instance_configuration")
    op.drop_index(op.f("ix_element_instance_deleted_at"), table_name="element_instance")
    op.drop_index(op.f("ix_element_instance_organization_id"), table_name="element_instance")
    op.drop_index(op.f("ix_element_instance_account_id"), table_name="element_instance")
    op.drop_table("element_instance")
