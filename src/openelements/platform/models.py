"""Tables of the platform domain: organizations, accounts, users, roles, sessions, settings.

Secrets are never stored in clear (D08): `*_digest` is the keyed HMAC used for lookup and
`*_sealed` the AES-GCM copy the API may show again. The associated data of a sealed copy names
the table, the row's digest and the column, so a copy moved to another row does not open.
Emails are unique installation-wide, case-insensitively, through `email_key` (D12); an
account's `external_id` is unique within its organization (D11).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from openelements.kit.db import Base, ObjectId

DIGEST_HEX_LENGTH = 64


class Organization(Base):
    __tablename__ = "organization"

    id: Mapped[int] = mapped_column(ObjectId, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    secret_digest: Mapped[str] = mapped_column(String(DIGEST_HEX_LENGTH), unique=True)
    secret_sealed: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class Account(Base):
    __tablename__ = "account"
    __table_args__ = (UniqueConstraint("organization_id", "external_id"),)

    id: Mapped[int] = mapped_column(ObjectId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ObjectId, ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    external_id: Mapped[str] = mapped_column(String(255))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class AppUser(Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(ObjectId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ObjectId, ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[int] = mapped_column(
        ObjectId, ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254))
    email_key: Mapped[str] = mapped_column(String(254), unique=True)
    first_name: Mapped[str] = mapped_column(String(255))
    last_name: Mapped[str] = mapped_column(String(255))
    password_hash: Mapped[str] = mapped_column(String(255))
    secret_digest: Mapped[str] = mapped_column(String(DIGEST_HEX_LENGTH), unique=True)
    secret_sealed: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]
    city: Mapped[str | None] = mapped_column(Text)
    country: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(Text)
    postal_code: Mapped[str | None] = mapped_column(Text)
    state_province: Mapped[str | None] = mapped_column(Text)
    street1: Mapped[str | None] = mapped_column(Text)
    street2: Mapped[str | None] = mapped_column(Text)


class UserRole(Base):
    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(
        ObjectId, ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True
    )
    role_key: Mapped[str] = mapped_column(String(50), primary_key=True)


class UserSession(Base):
    """A short-lived login session (D03); only the token's digest is kept."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(ObjectId, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ObjectId, ForeignKey("app_user.id", ondelete="CASCADE"), index=True
    )
    token_digest: Mapped[str] = mapped_column(String(DIGEST_HEX_LENGTH), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class AccountSetting(Base):
    __tablename__ = "account_setting"

    account_id: Mapped[int] = mapped_column(
        ObjectId, ForeignKey("account.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]
