"""The real app's OpenAPI document: every authenticated operation names the scheme (issue 2
item 10) and the hub resources are documented from the element's resource table."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from openelements import migrations
from openelements.app import create_app
from openelements.settings import API_BASE_PATH, Settings

METHODS = {"get", "put", "post", "patch", "delete"}
# D06: the catalog needs no credentials; D03: the session calls use a password or a bearer.
UNAUTHENTICATED = (f"{API_BASE_PATH}/elements", f"{API_BASE_PATH}/authentication")
HUB_CATALOG = {f"{API_BASE_PATH}/hubs", f"{API_BASE_PATH}/hubs/keys"}
HUB_CATALOG.add(f"{API_BASE_PATH}/hubs/{{key}}/elements")


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('openapi') / 'app.db'}"
    migrations.upgrade(url)
    settings = Settings(
        database_url=url,
        encryption_keys=f"k1:{base64.b64encode(b'k' * 32).decode()}",
        hmac_pepper=base64.b64encode(b"p" * 32).decode(),
    )
    with TestClient(create_app(settings, start_worker=False)) as client:
        yield client.get(f"{API_BASE_PATH}/openapi.json").json()


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_every_authenticated_operation_declares_the_authorization_scheme(
    document: dict[str, Any],
) -> None:
    unsecured = [
        f"{method.upper()} {path}"
        for path, method, operation in _operations(document)
        if not path.startswith(UNAUTHENTICATED)
        and path not in HUB_CATALOG
        and "security" not in operation
    ]
    assert unsecured == []


def test_catalog_operations_need_no_credentials(document: dict[str, Any]) -> None:
    catalog = document["paths"][f"{API_BASE_PATH}/elements/{{keyOrId}}"]["get"]
    assert "security" not in catalog


def test_every_operation_documents_the_error_body(document: dict[str, Any]) -> None:
    error_ref = {"$ref": "#/components/schemas/ErrorBody"}
    for _, _, operation in _operations(document):
        for status in ("4XX", "5XX"):
            schema = operation["responses"][status]["content"]["application/json"]["schema"]
            assert schema == error_ref


def test_hub_resources_are_documented_with_their_query_options(document: dict[str, Any]) -> None:
    hubs = f"{API_BASE_PATH}/hubs/{{hub}}"
    events = document["paths"][f"{hubs}/calendars/{{calendarId}}/events"]
    listing = {parameter["name"] for parameter in events["get"]["parameters"]}
    assert {"hub", "calendarId", "where", "orderBy", "fields", "pageSize", "page"} <= listing
    assert "Elements-Next-Page-Token" in events["get"]["responses"]["200"]["headers"]
    assert "requestBody" in events["post"]
    view = document["paths"][f"{hubs}/calendar-view"]["get"]
    assert {"startDateTime", "endDateTime"} <= {p["name"] for p in view["parameters"]}
    item = document["paths"][f"{hubs}/calendars/{{calendarId}}/events/{{eventId}}"]
    assert set(item) == {"get", "patch", "delete"}
    assert f"{hubs}/events/{{eventId}}/tentatively-accept" in document["paths"]


def test_operation_ids_are_unique(document: dict[str, Any]) -> None:
    ids = [operation["operationId"] for _, _, operation in _operations(document)]
    assert len(ids) == len(set(ids))
