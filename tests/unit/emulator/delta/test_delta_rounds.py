from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from msgraph_emulator.delta import (
    ChangeRecord,
    DeltaToken,
    InvalidDeltaToken,
    Present,
    Removed,
    WindowEntry,
    cut_page,
    is_expired,
    next_token,
    round_entries,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def entry(item_id: str, seq: int, source: str | None = None) -> WindowEntry[str]:
    return WindowEntry(id=item_id, source_id=source or item_id, seq=seq, item=item_id)


def ids(entries: list[Present[str] | Removed]) -> list[tuple[str, str]]:
    return [("present" if isinstance(e, Present) else "removed", e.id) for e in entries]


def test_first_round_lists_the_window_up_to_the_round_seq() -> None:
    window = [entry("b", 2), entry("a", 1), entry("c", 9)]
    result = round_entries(window=window, changes=[], since=None, upto=5)
    assert ids(result) == [("present", "a"), ("present", "b")]


def test_later_round_lists_only_changes_and_removals() -> None:
    window = [entry("a", 1), entry("b", 6), entry("occ1", 7, source="master")]
    changes = [
        ChangeRecord("b", 6),
        ChangeRecord("master", 7),
        ChangeRecord("gone", 8),  # deleted
        ChangeRecord("moved", 6),  # left the window
        ChangeRecord("old", 3),  # before the round
    ]
    result = round_entries(window=window, changes=changes, since=5, upto=8)
    assert ids(result) == [
        ("present", "b"),
        ("removed", "gone"),
        ("removed", "moved"),
        ("present", "occ1"),
    ]


def test_changes_after_the_round_wait_for_the_next_one() -> None:
    window = [entry("a", 9)]
    result = round_entries(window=window, changes=[ChangeRecord("a", 9)], since=5, upto=8)
    assert result == []


def test_pages_follow_the_cursor_even_when_an_earlier_item_leaves() -> None:
    entries = [Present(entry(i, 1)) for i in "abcd"]
    first = cut_page(entries, after=None, size=2)
    assert [e.id for e in first.entries] == ["a", "b"]
    assert first.next_after == "b"
    shrunk = entries[1:]  # "a" changed again and left this round
    second = cut_page(shrunk, after=first.next_after, size=2)
    assert [e.id for e in second.entries] == ["c", "d"]
    assert second.is_last


def test_empty_round_is_one_last_page() -> None:
    page = cut_page([], after=None, size=3)
    assert page.entries == []
    assert page.is_last


def token() -> DeltaToken:
    return DeltaToken(
        user_id="u1",
        start=NOW,
        end=NOW + timedelta(days=7),
        issued_at=NOW,
        time_zone="Pacific Standard Time",
        page_size=2,
    )


def test_token_round_trips_through_its_opaque_text() -> None:
    original = token()
    text = original.encode()
    assert "=" not in text
    assert "+" not in text
    assert "/" not in text
    assert DeltaToken.decode(text) == original


@pytest.mark.parametrize("text", ["", "not-a-token", "eyJ9", "bnVsbA"])
def test_garbled_token_is_refused(text: str) -> None:
    with pytest.raises(InvalidDeltaToken):
        DeltaToken.decode(text)


@pytest.mark.parametrize("page_size", [0, -1])
def test_token_with_a_page_size_below_one_is_refused(page_size: int) -> None:
    """Tokens are only base64 JSON: a forged page size must not reach the page cut."""
    forged = replace(token(), page_size=page_size).encode()
    with pytest.raises(InvalidDeltaToken):
        DeltaToken.decode(forged)


def test_next_token_is_a_skip_token_until_the_round_ends() -> None:
    entries = [Present(entry(i, 1)) for i in "abc"]
    first = cut_page(entries, after=None, size=2)
    skip = next_token(token(), page=first, upto=4, now=NOW)
    assert skip.is_skip_token
    assert skip.after == "b"
    assert skip.upto == 4
    last = cut_page(entries, after=skip.after, size=2)
    delta = next_token(skip, page=last, upto=4, now=NOW)
    assert not delta.is_skip_token
    assert delta.since == 4
    assert delta.after is None


def test_restart_token_starts_a_first_round() -> None:
    restarted = DeltaToken.decode(token().encode()).restart(
        now=NOW + timedelta(hours=1), generation=3
    )
    assert restarted.generation == 3
    assert restarted.since is None
    assert restarted.upto is None
    assert restarted.start == NOW


def test_token_expires_by_age_and_by_the_expire_all_switch() -> None:
    t = token()
    later = NOW + timedelta(seconds=61)
    assert not is_expired(t, now=later, lifetime_seconds=0, generation=0)
    assert is_expired(t, now=later, lifetime_seconds=60, generation=0)
    assert not is_expired(t, now=later, lifetime_seconds=120, generation=0)
    assert is_expired(t, now=later, lifetime_seconds=0, generation=1)
