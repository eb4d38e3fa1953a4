from __future__ import annotations

import json

import orjson
import pytest

from openelements.hubs.bodies import drop_nulls, loads_without_nulls, writable_body
from openelements.kit.errors import BadRequest


def test_nulls_are_removed_at_every_depth_but_null_array_items_stay() -> None:  # D32
    document = {"a": None, "b": {"c": None, "d": [None, {"e": None, "f": 1}]}, "g": 0, "h": ""}
    assert drop_nulls(document) == {"b": {"d": [None, {"f": 1}]}, "g": 0, "h": ""}


def test_a_bare_list_is_filtered_item_by_item() -> None:
    assert drop_nulls([{"a": None}, {"a": False}]) == [{}, {"a": False}]


def test_read_only_fields_and_odata_annotations_are_dropped_not_refused() -> None:
    body = {
        "@odata.etag": 'W/"x"',
        "@odata.context": "https://graph.test/$metadata#events",
        "id": "AAMk",
        "responseStatus": {"response": "organizer"},
        "subject": "Review",
        "start": {"dateTime": "2026-04-15T09:00:00.0000000", "timeZone": "UTC"},
    }
    assert writable_body(body, read_only={"id", "responseStatus"}) == {
        "subject": "Review",
        "start": {"dateTime": "2026-04-15T09:00:00.0000000", "timeZone": "UTC"},
    }


@pytest.mark.parametrize("body", [[], "text", 3, None])
def test_a_body_that_is_not_an_object_is_a_400(body: object) -> None:
    with pytest.raises(BadRequest, match="JSON object"):
        writable_body(body, read_only=())


def test_decoding_without_nulls_equals_decoding_then_dropping() -> None:
    raw = '{"a": null, "b": {"c": null, "d": [null, {"e": null, "f": 1}]}, "g": [1, null]}'
    assert loads_without_nulls(raw) == drop_nulls(json.loads(raw))


def test_decoding_drops_nulls_in_nested_arrays_and_keeps_key_order() -> None:
    raw = b'{"z": 1, "a": null, "m": [[{"x": null, "y": [null, {"q": null}]}], null], "b": {}}'
    decoded = loads_without_nulls(raw)
    assert decoded == {"z": 1, "m": [[{"y": [None, {}]}], None], "b": {}}
    assert list(decoded) == ["z", "m", "b"]


def test_a_document_only_the_stdlib_decoder_reads_still_decodes() -> None:
    decoded = loads_without_nulls('{"a": NaN, "b": null, "c": [Infinity]}')
    assert list(decoded) == ["a", "c"]
    assert decoded["a"] != decoded["a"]
    assert decoded["c"] == [float("inf")]


def test_an_integer_beyond_64_bits_decodes_as_without_null_filtering() -> None:
    raw = b'{"a": 123456789012345678901234567890, "b": null}'
    assert loads_without_nulls(raw) == {"a": orjson.loads(raw)["a"]}


def test_invalid_json_still_fails_as_a_json_decode_error() -> None:
    with pytest.raises(json.JSONDecodeError):
        loads_without_nulls(b'{"a": ')
