"""Whatever a client sends to the instance routes, the answer is a 4xx with a message, never
a 500 (spec §13.5): ids that are not integers or do not fit, bodies of the wrong type or
shape, wrong content types, bad page tokens."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from instances_harness import API, Tenant, instance_body, provision

HUGE = "9" * 5000
BAD_IDS = ["abc", "1.5", "-1", "0x10", HUGE, str(2**63), "%00", "1%20"]


def _refused(response: Any, *cases: object) -> None:
    assert 400 <= response.status_code < 500, (*cases, response.status_code, response.text)
    assert response.json()["message"], cases


def test_ids_that_are_not_object_ids_are_refused(client: TestClient, tenant: Tenant) -> None:
    headers = tenant.headers()
    for bad in BAD_IDS:
        for method, path in [
            ("GET", f"{API}/instances/{bad}"),
            ("DELETE", f"{API}/instances/{bad}"),
            ("PUT", f"{API}/instances/{bad}/enabled"),
            ("GET", f"{API}/instances/{bad}/configuration"),
            ("GET", f"{API}/elements/microsoftgraph/instances/{bad}"),
            ("GET", f"{API}/accounts/{bad}/instances"),
        ]:
            _refused(client.request(method, path, headers=headers), method, path)
        for method in ("PATCH", "PUT"):
            body = {"name": "x"}
            path = f"{API}/instances/{bad}"
            _refused(client.request(method, path, headers=headers, json=body), method, path)


def test_configuration_entry_ids_that_are_not_object_ids_are_refused(
    client: TestClient, tenant: Tenant
) -> None:
    instance = provision(client, tenant)
    headers, element = tenant.headers(), tenant.headers(element=instance["token"])
    for bad in BAD_IDS:
        path = f"{API}/instances/{instance['id']}/configuration/{bad}"
        _refused(client.get(path, headers=headers), path)
        _refused(client.patch(path, headers=headers, json={"propertyValue": "x"}), path)
        own = f"{API}/instances/configuration/{bad}"
        _refused(client.get(own, headers=element), own)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not json",
        b"[1, 2]",
        b'"text"',
        b"null",
        b'{"element": "microsoftgraph"}',
        b'{"element": {"key": 5}}',
        b'{"element": {"key": "microsoftgraph"}, "configuration": []}',
        b'{"element": {"key": "microsoftgraph"}, "configuration": {"a": {"b": 1}}}',
        b'{"element": {"key": "microsoftgraph"}, "tags": "x"}',
        b'{"element": {"key": "microsoftgraph"}, "name": 7}',
        b'{"element": {"key": "nope"}, "name": "x"}',
        b'{"name": "no element"}',
    ],
)
def test_malformed_create_bodies_are_refused(
    client: TestClient, tenant: Tenant, content: bytes
) -> None:
    headers = {**tenant.headers(), "Content-Type": "application/json"}
    _refused(client.post(f"{API}/instances", headers=headers, content=content), content)


def test_bodies_that_are_not_json_are_refused(client: TestClient, tenant: Tenant) -> None:
    instance = provision(client, tenant)
    body = b'{"name": "renamed"}'
    for kind in ("text/plain", "application/x-www-form-urlencoded", "application/xml"):
        headers = {**tenant.headers(), "Content-Type": kind}
        for method, path in [
            ("POST", f"{API}/instances"),
            ("PATCH", f"{API}/instances/{instance['id']}"),
            ("PATCH", f"{API}/instances/{instance['id']}/configuration/1"),
        ]:
            response = client.request(method, path, headers=headers, content=body)
            _refused(response, kind, method, path)
    assert (
        client.get(f"{API}/instances/{instance['id']}", headers=tenant.headers()).json()["name"]
        == instance["name"]
    )


def test_bad_page_parameters_are_refused(client: TestClient, tenant: Tenant) -> None:
    headers = tenant.headers()
    for params in [
        {"pageSize": "0"},
        {"pageSize": "-1"},
        {"pageSize": HUGE},
        {"pageSize": "many"},
        {"nextPage": "!!!"},
        {"nextPage": "eyJvZmZzZXQiOiAtMX0"},  # {"offset": -1}
        {"nextPage": "bnVsbA"},  # null
        {"nextPage": "eyJvZmZzZXQiOiAxMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwfQ"},  # 10**30
        {"nextPage": "eyJvZmZzZXQiOiA5MjIzMzcyMDM2ODU0Nzc1ODA4fQ"},  # 2**63
        {"nextPage": HUGE},
    ]:
        _refused(client.get(f"{API}/instances", headers=headers, params=params), params)


def test_a_create_with_an_unusable_code_is_refused_without_an_instance(
    client: TestClient, tenant: Tenant
) -> None:
    response = client.post(
        f"{API}/instances", headers=tenant.headers(), json=instance_body("not-a-real-code")
    )
    _refused(response)
    assert client.get(f"{API}/instances", headers=tenant.headers()).json() == []


NUL = "a\u0000b"
LONG = "x" * 5000


def test_nul_characters_and_overlong_values_never_fail_the_server(
    client: TestClient, tenant: Tenant
) -> None:
    """PostgreSQL refuses NUL in text and values over a column's length: such input is either
    cleaned (names and tags are sanitized, D02) or refused with a 4xx, never the driver's
    error as a 500, on either backend."""
    instance = provision(client, tenant)
    headers = tenant.headers()
    path = f"{API}/instances/{instance['id']}"
    answers = []
    for value in (NUL, LONG):
        for body in (
            {"name": value},
            {"tags": [value]},
            {"configuration": {"filter.response.nulls": value}},
            {"configuration": {value: "x"}},
        ):
            answers.append((body, client.patch(path, headers=headers, json=body)))
        for params in ({"searchText": value}, {"tags[]": value}):
            answers.append((params, client.get(f"{API}/instances", headers=headers, params=params)))
        entry = client.get(f"{path}/configuration", headers=headers).json()[0]["id"]
        body = {"propertyValue": value}
        answers.append(
            (body, client.patch(f"{path}/configuration/{entry}", headers=headers, json=body))
        )
    failures = [(case, r.status_code, r.text[:200]) for case, r in answers if r.status_code >= 500]
    assert failures == []
    assert all("\\u0000" not in r.text for _, r in answers)
