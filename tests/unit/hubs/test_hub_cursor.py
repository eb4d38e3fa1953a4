from __future__ import annotations

import pytest

from openelements.hubs.cursor import CursorSealer, PageCursor, query_fingerprint
from openelements.kit.crypto import KeyRing, generate_key
from openelements.kit.errors import BadRequest

RING = KeyRing.parse(f"k1:{generate_key()}")
CURSOR = PageCursor(
    link="https://graph.test/v1.0/me/events?$top=100&$skip=200", skip=3, page_size=7
)
QUERY = query_fingerprint(["events", "subject = 'a'", None, None, None, None])


def test_a_cursor_round_trips_for_the_same_instance_and_query() -> None:
    sealer = CursorSealer(RING)
    token = sealer.seal(CURSOR, instance_id=42, fingerprint=QUERY)
    assert sealer.open(token, instance_id=42, fingerprint=QUERY) == CURSOR


def test_the_token_is_url_safe_and_does_not_show_the_graph_link() -> None:
    token = CursorSealer(RING).seal(CURSOR, instance_id=42, fingerprint=QUERY)
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert "graph" not in token


@pytest.mark.parametrize(
    ("instance_id", "fingerprint"),
    [(43, QUERY), (42, query_fingerprint(["events", "subject = 'b'", None, None, None, None]))],
)
def test_a_cursor_of_another_instance_or_query_is_refused(
    instance_id: int, fingerprint: str
) -> None:
    sealer = CursorSealer(RING)
    token = sealer.seal(CURSOR, instance_id=42, fingerprint=QUERY)
    with pytest.raises(BadRequest, match="Invalid nextPage token"):
        sealer.open(token, instance_id=instance_id, fingerprint=fingerprint)


@pytest.mark.parametrize(
    "token",
    ["", "x", "eyJsaW1pdCI6MSwicGFnZVNpemUiOjEsInBhZ2UiOjJ9", "%%%", "djE6azE6QUFBQQ"],
)
def test_garbage_and_the_vendors_plain_base64_tokens_are_refused(token: str) -> None:
    with pytest.raises(BadRequest, match="Invalid nextPage token"):
        CursorSealer(RING).open(token, instance_id=42, fingerprint=QUERY)


def test_a_cursor_sealed_under_another_key_ring_is_refused() -> None:
    token = CursorSealer(KeyRing.parse(f"k1:{generate_key()}")).seal(
        CURSOR, instance_id=42, fingerprint=QUERY
    )
    with pytest.raises(BadRequest):
        CursorSealer(RING).open(token, instance_id=42, fingerprint=QUERY)
