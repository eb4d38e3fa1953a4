import base64
import itertools
import string
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openelements.platform.authorization import (
    CredentialKind,
    Credentials,
    MalformedAuthorization,
    parse_authorization,
)

USER = "7OpR4MRo7wnPoVKkKFXHhHBUPRzqutoem/d+WEnR1kY="
ORG = "ce7f1f9be0d2a8b1f37bcfa6d71eda20"
ELEMENT = "fJ5HQ135fW4okMt5AWq0hzm2X7kaK5OpQB0Uxjvlz6U="


@pytest.mark.parametrize(
    "order",
    list(itertools.permutations(["User", "Organization", "Element"])),
)
def test_all_three_credentials_parse_in_any_order(order: tuple[str, ...]) -> None:
    values = {"User": USER, "Organization": ORG, "Element": ELEMENT}
    header = ", ".join(f"{keyword} {values[keyword]}" for keyword in order)
    assert parse_authorization(header) == Credentials(user=USER, organization=ORG, element=ELEMENT)


@pytest.mark.parametrize(
    "header",
    [
        f"User {USER}, Organization {ORG}",
        f"Organization {ORG}, User {USER}",
        f"User {USER},Organization {ORG}",
        f"  User   {USER}  ,   Organization\t{ORG}  ",
        f"user {USER}, ORGANIZATION {ORG}",
        f"uSeR\t\t{USER} ,oRgAnIzAtIoN {ORG}",
    ],
)
def test_spacing_and_keyword_case_do_not_matter(header: str) -> None:
    assert parse_authorization(header) == Credentials(user=USER, organization=ORG)


def test_single_credential_leaves_the_others_absent() -> None:
    assert parse_authorization(f"Element {ELEMENT}") == Credentials(element=ELEMENT)


def test_values_keep_plus_slash_and_equals() -> None:
    value = "ab+/cd==" + string.ascii_letters + string.digits
    assert parse_authorization(f"User {value}").user == value


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("", "the header is empty"),
        ("   ", "the header is empty"),
        (f"User {USER}, User {USER}", "User credential is given more than once"),
        (f"user {USER}, USER {ORG}", "User credential is given more than once"),
        (f"Element {ELEMENT}, element {ELEMENT}", "Element credential is given more than once"),
        ("Bearer abc", "Bearer tokens are accepted only by GET /authentication/secrets"),
        (f"User {USER}, bearer abc", "Bearer tokens"),
        ("Basic dXNlcjpwYXNz", "unknown keyword 'Basic' in credential 1"),
        (f"User {USER}, Token x", "unknown keyword 'Token' in credential 2"),
        ("User", "User credential has no value"),
        ("User   ", "User credential has no value"),
        (f"Organization {ORG}, Element", "Element credential has no value"),
        (f"User {USER},", "credential 2 is empty"),
        (f",User {USER}", "credential 1 is empty"),
        (f"User {USER},, Organization {ORG}", "credential 2 is empty"),
        ("User abc def", "User value must be one word"),
        ("User caf\u00e9", "User value must be one word"),
        ("User a\x00b", "User value must be one word"),
    ],
)
def test_malformed_headers_name_the_faulty_part(header: str, expected: str) -> None:
    with pytest.raises(MalformedAuthorization) as raised:
        parse_authorization(header)
    assert expected in str(raised.value)
    assert str(raised.value).startswith("Invalid Authorization header: ")


def test_a_bare_secret_is_not_echoed_in_the_message() -> None:
    with pytest.raises(MalformedAuthorization) as raised:
        parse_authorization(USER)
    assert USER not in str(raised.value)
    assert "unknown keyword in credential 1" in str(raised.value)


def test_credentials_get_by_kind() -> None:
    parsed = Credentials(user="u", organization="o", element="e")
    assert [parsed.get(kind) for kind in CredentialKind] == ["u", "o", "e"]


_secrets = st.binary(min_size=1, max_size=48).map(lambda raw: base64.b64encode(raw).decode())
_spaces = st.text(alphabet=" \t", max_size=3)
_keyword_cases: st.SearchStrategy[Callable[[str], str]] = st.sampled_from(
    [str.lower, str.upper, str.title, str.strip]
)


@given(
    values=st.tuples(_secrets, _secrets, _secrets),
    order=st.permutations(list(CredentialKind)),
    present=st.lists(st.booleans(), min_size=3, max_size=3).filter(any),
    padding=st.lists(_spaces, min_size=9, max_size=9),
    case=_keyword_cases,
)
def test_any_well_formed_header_round_trips(
    values: tuple[str, str, str],
    order: list[CredentialKind],
    present: list[bool],
    padding: list[str],
    case: Callable[[str], str],
) -> None:
    by_kind = dict(zip(CredentialKind, values, strict=True))
    chosen = [kind for kind, keep in zip(order, present, strict=True) if keep]
    parts = [
        padding[3 * i]
        + f"{case(kind.value)} {padding[3 * i + 1]}{by_kind[kind]}"
        + padding[3 * i + 2]
        for i, kind in enumerate(chosen)
    ]
    parsed = parse_authorization(",".join(parts))
    for kind in CredentialKind:
        assert parsed.get(kind) == (by_kind[kind] if kind in chosen else None)


@given(st.text(max_size=80))
def test_arbitrary_text_either_parses_or_raises_malformed(header: str) -> None:
    try:
        parsed = parse_authorization(header)
    except MalformedAuthorization as error:
        message = str(error)
    else:
        message = ""
        assert any(parsed.get(kind) for kind in CredentialKind)
    assert message == "" or message.startswith("Invalid Authorization header: ")
