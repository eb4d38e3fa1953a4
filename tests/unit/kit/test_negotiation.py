from __future__ import annotations

import pytest

from openelements.kit.negotiation import accepts_json, is_json_media_type


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("application/json", True),
        ("*/*", True),
        ("application/*", True),
        ("text/html, application/json;q=0.1", True),
        ("", True),
        ("text/csv", False),
        ("application/json;q=0, text/csv", False),
        ("application/xml", False),
    ],
)
def test_accept_header_admitting_json(accept: str, expected: bool) -> None:
    assert accepts_json(accept) is expected


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        ("application/json", True),
        ("Application/JSON; charset=UTF-8", True),
        ("text/plain", False),
        ("application/jsonx", False),
        ("multipart/form-data; boundary=x", False),
    ],
)
def test_json_media_type(content_type: str, expected: bool) -> None:
    assert is_json_media_type(content_type) is expected
