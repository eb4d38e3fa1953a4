from __future__ import annotations

import base64
from typing import Any

import pytest

from msgraph_emulator.batch import item_path, parse_batch
from msgraph_emulator.errors import GraphError


def request(item_id: str, **extra: Any) -> dict[str, Any]:
    return {"id": item_id, "method": "GET", "url": "/me/events", **extra}


def refused(document: object) -> GraphError:
    with pytest.raises(GraphError) as caught:
        parse_batch(document)
    assert caught.value.status == 400
    return caught.value


def test_twenty_requests_parse_and_twenty_one_are_refused() -> None:
    assert len(parse_batch({"requests": [request(str(i)) for i in range(20)]})) == 20
    error = refused({"requests": [request(str(i)) for i in range(25)]})
    assert "20" in error.message


@pytest.mark.parametrize(
    "document",
    [
        {},
        {"requests": "x"},
        {"requests": []},
        {"requests": [request("1"), request("1")]},
        {"requests": [request("a"), request("A")]},
        {"requests": [{"id": "1", "url": "/me"}]},
        {"requests": [{"id": "1", "method": "GET"}]},
        {"requests": [{"method": "GET", "url": "/me"}]},
        {"requests": [request("1", method="FETCH")]},
        {"requests": [request("1", dependsOn=["9"])]},
        {"requests": [request("1", dependsOn=["2"]), request("2", dependsOn=["1"])]},
        {"requests": [request("1", method="POST", body={"a": 1})]},
        {"requests": [request("1", body="***", headers={"Content-Type": "text/plain"})]},
        {"requests": [request("1", headers={"Prefer": 'outlook.timezone="\u6771\u4eac"'})]},
        {"requests": [request("1", headers={"X-\u00e9\u6771": "v"})]},
    ],
)
def test_malformed_batches_are_refused_whole(document: object) -> None:
    refused(document)


def test_sdk_spelling_of_dependencies_and_base64_bodies() -> None:
    encoded = base64.b64encode(b"raw bytes").decode()
    items = parse_batch(
        {
            "requests": [
                request("1"),
                request(
                    "2",
                    method="post",
                    depends_on=["1"],
                    headers={"Content-Type": ["application/octet-stream"]},
                    body=encoded,
                ),
                request(
                    "3",
                    dependsOn=["2"],
                    headers={"content-type": "application/json"},
                    body={"a": 1},
                ),
            ]
        }
    )
    assert items[1].depends_on == ("1",)
    assert items[1].method == "POST"
    assert items[1].body == b"raw bytes"
    assert items[1].headers == {"Content-Type": "application/octet-stream"}
    assert items[2].body == b'{"a": 1}'


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/me/events?$top=1", ("/v1.0/me/events", "$top=1")),
        ("me/events", ("/v1.0/me/events", "")),
        ("/v1.0/me/events", ("/v1.0/me/events", "")),
        ("http://127.0.0.1:8765/v1.0/me/events/A%2FB", ("/v1.0/me/events/A%2FB", "")),
        ("https://graph.microsoft.com/v1.0/me/events", None),
    ],
)
def test_item_urls_relative_versioned_or_same_origin(url: str, expected: object) -> None:
    assert item_path(url, origins=["http://127.0.0.1:8765"]) == expected
