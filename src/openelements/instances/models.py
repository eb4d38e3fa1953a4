"""Tables of the instances domain: element instances, their configuration entries and tags.

Secrets are never stored in clear (D08, D20):

- the instance `token` (the `Element` credential): `token_digest` (HMAC, for lookup) plus
  `token_sealed` (AES-GCM, shown again on `GET /instances/{id}`), the associated data naming
  the table, the digest and the column, as the platform does for user secrets;
- the provider's access and refresh tokens: sealed with associated data naming the instance id
  and the column, so a sealed token copied to another row does not open;
- masked configuration values (`oauth.api.secret`, signature key, basic password): sealed with
  associated data naming the instance id and the key.

Token refresh coordination (`instances/tokens.py`): `credentials_version` grows by one on every
token write; `refresh_owner` and `refreshing_until` form the refresh lease.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from openelements.kit.db import Base, ObjectId

__all__ = ["ElementInstance", "InstanceConfiguration", "InstanceTag"]

INSTANCE_TABLE = "element_instance"
CONFIGURATION_TABLE = "instance_configuration"


class ElementInstance(Base):
    __tablename__ = INSTANCE_TABLE

    id: Mapped[int] = mapped_column(ObjectId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ObjectId, ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[int] = mapped_column(
        ObjectId, ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ObjectId, ForeignKey("app_user.id", ondelete="CASCADE"))
    element_key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    token_sealed: Mapped[str] = mapped_column(Text)
    valid: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    external_authentication: Mapped[str] = mapped_column(String(16), default="none")
    mailbox: Mapped[str | None] = mapped_column(String(320))
    provider_user_id: Mapped[str | None] = mapped_column(String(128))
    access_token_sealed: Mapped[str | None] = mapped_column(Text)
    refresh_token_sealed: Mapped[str | None] = mapped_column(Text)
    access_expires_at: Mapped[datetime | None]
    credentials_version: Mapped[int] = mapped_column(Integer, default=0)
    refresh_owner: Mapped[str | None] = mapped_column(String(64))
    refreshing_until: Mapped[datetime | None]
    refreshed_at: Mapped[datetime | None]
    invalid_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None] = mapped_column(index=True)


class InstanceConfiguration(Base):
    __tablename__ = CONFIGURATION_TABLE
    __table_args__ = (UniqueConstraint("instance_id", "key"),)

    id: Mapped[int] = mapped_column(ObjectId, primary_key=True)
    instance_id: Mapped[int] = mapped_column(
        ObjectId, ForeignKey("element_instance.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(128))
    value: Mapped[str] = mapped_column(Text)
    sealed: Mapped[bool] = mapped_column(Boolean, default=False)


class InstanceTag(Base):
    __tablename__ = "instance_tag"

    instance_id: Mapped[int] = mapped_column(
        ObjectId, ForeignKey("element_instance.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    tag: Mapped[str] = mapped_column(String(255), index=True)
