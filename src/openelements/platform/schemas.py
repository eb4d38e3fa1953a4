"""Request and response bodies of the platform routes (spec §4).

Request models ignore unknown fields (D02). Responses use the documented camelCase names and
date shapes: account and user ``createdDate`` are dates (spec §2).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StringConstraints,
    model_serializer,
)
from pydantic.alias_generators import to_camel

from openelements.platform.passwords import MAX_PASSWORD_LENGTH

_EMAIL = re.compile(r"[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+")
# Control characters are refused: PostgreSQL cannot store NUL, and none belongs in a name.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_BUT_LINE_BREAKS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _single_line(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value


def _multi_line(value: str) -> str:
    if _CONTROL_BUT_LINE_BREAKS.search(value):
        raise ValueError("must not contain control characters other than tabs and line breaks")
    return value


MAX_EMAIL_LENGTH = 254


def _check_email(value: str) -> str:
    if not _EMAIL.fullmatch(value):
        raise ValueError("must be an email address such as name@example.com")
    # Emails are unique by their lowercase form, kept in a column of the same width; some
    # characters grow when lowercased ('İ' becomes two).
    if len(value.lower()) > MAX_EMAIL_LENGTH:
        raise ValueError(f"must be at most {MAX_EMAIL_LENGTH} characters once lowercased")
    return value


Email = Annotated[str, StringConstraints(max_length=MAX_EMAIL_LENGTH), AfterValidator(_check_email)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=255), AfterValidator(_single_line)]
Text = Annotated[str, StringConstraints(max_length=2000), AfterValidator(_multi_line)]
Password = Annotated[str, StringConstraints(min_length=1, max_length=MAX_PASSWORD_LENGTH)]
ExternalId = Annotated[
    str, StringConstraints(min_length=1, max_length=255), AfterValidator(_single_line)
]


class _Request(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True
    )


class _Response(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


# --- requests -----------------------------------------------------------------------------


class AccountCreate(_Request):
    external_id: ExternalId
    name: Name | None = None
    description: Text | None = None


class AccountUpdate(_Request):
    external_id: ExternalId | None = None
    name: Name | None = None
    description: Text | None = None
    active: bool | None = None


class RoleReference(_Request):
    key: Annotated[str, StringConstraints(min_length=1, max_length=50)]


class Address(_Request):
    city: Text | None = None
    country: Text | None = None
    phone: Text | None = None
    postal_code: Text | None = None
    state_province: Text | None = None
    street1: Text | None = None
    street2: Text | None = None


class UserCreate(Address):
    first_name: Name
    last_name: Name
    email: Email
    password: Password
    roles: list[RoleReference] | None = Field(default=None, max_length=10)


class UserReplace(UserCreate):
    """PUT: the full profile; absent address fields are cleared, the password kept if absent."""

    password: Password | None = None  # type: ignore[assignment]


class UserUpdate(Address):
    first_name: Name | None = None
    last_name: Name | None = None
    email: Email | None = None
    password: Password | None = None
    active: bool | None = None


class SessionLogin(_Request):
    username: Annotated[
        str, StringConstraints(min_length=1, max_length=254), AfterValidator(_single_line)
    ]
    password: Password


WebhookFailurePolicy = Literal["retry", "queue"]


class AccountSettingsChange(_Request):
    """The settings an account may hold; unknown keys are ignored (D02)."""

    webhook_failure_policy: WebhookFailurePolicy | None = Field(
        default=None, alias="notification.webhook.failure.policy"
    )


# --- responses ----------------------------------------------------------------------------


class OrganizationOut(_Response):
    id: int
    name: str
    active: bool
    created_date: dt.date


class AccountOut(_Response):
    id: int
    name: str
    description: str | None
    active: bool
    company_id: int
    created_date: dt.date
    external_id: str | None
    default_account: bool
    type: Literal["Default", "CompanyAccount"]


class RoleOut(_Response):
    id: int
    name: str
    key: str
    active: bool = True
    description: str
    features: list[str] = Field(default_factory=list)


class UserOut(_Response):
    """One user. ``secret`` only where D13 allows it; ``password`` only in lists (§4.4)."""

    id: int
    account_id: int
    created_date: dt.date
    first_name: str
    last_name: str
    full_name: str
    email: str
    active: bool
    enabled: bool
    account_expired: bool = False
    account_locked: bool = False
    credentials_expired: bool = False
    account_non_expired: bool = True
    credentials_non_expired: bool = True
    account_non_locked: bool = True
    email_valid: bool = True
    last_login_date: dt.date
    city: str | None = None
    country: str | None = None
    phone: str | None = None
    postal_code: str | None = None
    state_province: str | None = None
    street1: str | None = None
    street2: str | None = None
    roles: list[RoleOut]
    secret: str | None = None
    password: Literal["secured"] | None = None

    @model_serializer(mode="wrap")
    def _without_absent_fields(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Absent address fields, ``secret`` and ``password`` are left out, not ``null``."""
        data: dict[str, Any] = handler(self)
        return {name: value for name, value in data.items() if value is not None}


class SessionToken(_Response):
    token: str


class SessionSecrets(_Response):
    user_secret: str
    organization_secret: str


class AccountSettingsOut(_Response):
    webhook_failure_policy: WebhookFailurePolicy = Field(
        default="retry", alias="notification.webhook.failure.policy"
    )


class OrganizationCreated(BaseModel):
    """What `openelements admin create-organization` prints (D09)."""

    class Organization(BaseModel):
        id: int
        name: str
        secret: str

    class User(BaseModel):
        id: int
        email: str
        secret: str

    organization: Organization
    user: User
