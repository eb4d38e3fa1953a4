"""Small parsers of the platform domain: bearer header, accounts `where`, request bodies."""

import datetime as dt

import pytest
from pydantic import ValidationError

from openelements.kit.errors import BadRequest, Unauthorized
from openelements.platform.account_where import account_condition
from openelements.platform.schemas import AccountSettingsChange, UserCreate, UserOut
from openelements.platform.sessions import bearer_token

TOKEN = "pZ3k_-Qw9LxYz0aB1cD2eF3gH4iJ5kL6mN7oP8qR9sT"


@pytest.mark.parametrize("header", [f"Bearer {TOKEN}", f"bearer {TOKEN}", f"  BEARER\t{TOKEN}  "])
def test_bearer_token_is_read_case_insensitively(header: str) -> None:
    assert bearer_token(header) == TOKEN


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", f"Bearer {TOKEN} extra", f"Basic {TOKEN}", f"User {TOKEN}", "Bearer a+b="],
)
def test_anything_but_one_bearer_token_is_401(header: str | None) -> None:
    with pytest.raises(Unauthorized):
        bearer_token(header)


@pytest.mark.parametrize(
    ("where", "problem"),
    [
        ("name = ", "Error parsing query"),
        ("secret = 'x'", "unknown field secret"),
        ("id = 'seven'", "id takes an integer"),
        ("id = 99999999999999999999999", "id is out of range"),
        ("name = 5", "name takes a string"),
        ("active = 'yes'", "active takes true or false"),
        ("active LIKE 'x%'", "LIKE applies to text fields"),
        ("createdDate IN ('2025-01-01')", "createdDate takes ="),
        ("createdDate = 'soon'", "createdDate takes a date"),
    ],
)
def test_accounts_where_refuses_what_it_cannot_mean(where: str, problem: str) -> None:
    with pytest.raises(BadRequest, match="Error parsing query") as raised:
        account_condition(where)
    assert problem in raised.value.message


def test_accounts_where_like_keeps_underscore_literal() -> None:
    condition = account_condition("name LIKE 'a_b%'")
    compiled = condition.compile(compile_kwargs={"literal_binds": True})
    assert "a\\_b%" in str(compiled)


@pytest.mark.parametrize(
    "email", ["plain", "a@", "@b", "a b@c.d", "a@b@c", "tab\t@x.y", "a@b\x7f", "x" * 250 + "@y.zz"]
)
def test_user_email_must_look_like_an_address(email: str) -> None:
    with pytest.raises(ValidationError):
        UserCreate(first_name="a", last_name="b", email=email, password="p")


def test_user_bodies_ignore_unknown_fields_and_accept_camel_case() -> None:
    body = UserCreate.model_validate(
        {"firstName": "a", "lastName": "b", "email": "a@b.c", "password": "p", "isRoot": True}
    )
    assert (body.first_name, body.postal_code) == ("a", None)
    assert "isRoot" not in body.model_dump(by_alias=True)


def test_settings_accept_only_known_policies() -> None:
    key = "notification.webhook.failure.policy"
    assert AccountSettingsChange.model_validate({key: "queue"}).webhook_failure_policy == "queue"
    with pytest.raises(ValidationError):
        AccountSettingsChange.model_validate({key: "never"})


def test_user_out_leaves_absent_fields_out() -> None:
    user = UserOut(
        id=1,
        account_id=2,
        created_date=dt.date(2025, 1, 10),
        first_name="a",
        last_name="b",
        full_name="a b",
        email="a@b.c",
        active=True,
        enabled=True,
        last_login_date=dt.date(1970, 1, 1),
        roles=[],
    )
    dumped = user.model_dump(by_alias=True)
    assert not {"secret", "password", "city"} & set(dumped)
    assert dumped["lastLoginDate"] == dt.date(1970, 1, 1)
