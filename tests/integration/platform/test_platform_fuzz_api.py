"""Random ids, bodies and headers on every platform route: never a 5xx (spec §13.5)."""

from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from platform_harness import API, Tenant

ROUTES = [
    ("GET", "/accounts"),
    ("POST", "/accounts"),
    ("PATCH", "/accounts/settings"),
    ("POST", "/accounts/{a}/settings"),
    ("GET", "/accounts/{a}"),
    ("PATCH", "/accounts/{a}"),
    ("DELETE", "/accounts/{a}"),
    ("GET", "/accounts/{a}/users"),
    ("POST", "/accounts/{a}/users"),
    ("GET", "/accounts/{a}/users/{u}"),
    ("PUT", "/accounts/{a}/users/{u}"),
    ("PATCH", "/accounts/{a}/users/{u}"),
    ("POST", "/organizations/users"),
    ("GET", "/organizations/users/{u}"),
    ("GET", "/users"),
    ("GET", "/users/{u}"),
    ("PATCH", "/users/{u}"),
    ("DELETE", "/users/{u}"),
    ("GET", "/users/{u}/roles"),
    ("PUT", "/users/{u}/roles/{r}"),
    ("DELETE", "/users/{u}/roles/{r}"),
    ("POST", "/authentication"),
]
FIELDS = [
    "externalId", "name", "description", "active", "firstName", "lastName", "email",
    "password", "roles", "city", "username", "notification.webhook.failure.policy", "key",
]  # fmt: skip

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
)
_json = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(FIELDS), inner, max_size=4)
    ),
    max_leaves=8,
)
_path_value = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.text(min_size=1, max_size=30),
    st.sampled_from(["1", "2", "admin", "org-admin", "admin@acme.example"]),
)


@pytest.mark.slow
@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    route=st.sampled_from(ROUTES),
    values=st.fixed_dictionaries({"a": _path_value, "u": _path_value, "r": _path_value}),
    body=st.one_of(st.none(), _json, st.dictionaries(st.sampled_from(FIELDS), _scalars)),
    password=st.one_of(st.none(), st.text(alphabet=st.characters(max_codepoint=126), max_size=20)),
)
def test_no_input_makes_the_platform_fail(
    client: TestClient,
    tenant: Tenant,
    route: tuple[str, str],
    values: dict[str, str],
    body: Any,
    password: str | None,
) -> None:
    method, template = route
    path = template.format(**{key: quote(value, safe="") for key, value in values.items()})
    headers = tenant.headers()
    if password is not None:
        headers["elements-user-password"] = password.replace("\r", "").replace("\n", "")
    response = client.request(method, f"{API}{path}", headers=headers, json=body)
    assert response.status_code < 500, (method, path, body, response.text)
    if response.status_code >= 400:
        assert response.json()["message"]
