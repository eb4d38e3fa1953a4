"""Query options: names in any case and percent-encoded, refusals of G17, nextLinks (G09)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from msgraph_emulator.graph.odata import next_link, page_size, read_query
from msgraph_emulator.graph.problems import RequestProblem


def test_option_names_match_in_any_case_after_percent_decoding() -> None:
    query = read_query("%24TOP=5&%24Select=subject,start&$SKIP=10&StartDateTime=2026-01-01")
    assert query.top == 5
    assert query.select == ["subject", "start"]
    assert query.skip == 10
    assert query.plain["startdatetime"] == "2026-01-01"


@pytest.mark.parametrize(
    "text",
    [
        "$search=foo",
        "$bogus=1",
        "$top=0",
        "$top=abc",
        "$skip=-1",
        "$expand=instances",
        "$expand=calendar",
    ],
)
def test_refused_options_answer_bad_request(text: str) -> None:
    with pytest.raises(RequestProblem) as caught:
        read_query(text)
    assert caught.value.status == 400
    assert caught.value.code == "BadRequest"


def test_unknown_parameters_without_dollar_are_ignored() -> None:
    assert read_query("foo=bar").options == {}


def test_top_is_capped_at_a_thousand_and_beats_the_page_preference() -> None:
    assert page_size(read_query("$top=5000"), preferred=None, default=10) == 1000
    assert page_size(read_query("$top=3"), preferred=50, default=10) == 3
    assert page_size(read_query(""), preferred=50, default=10) == 50
    assert page_size(read_query(""), preferred=None, default=10) == 10


def test_next_link_is_absolute_and_repeats_every_option_with_the_next_skip() -> None:
    query = read_query("startDateTime=2026-04-01T00:00:00Z&$top=5&$skip=5&$filter=subject eq 'a b'")
    link = next_link(
        origin="http://127.0.0.1:8765", raw_path="/v1.0/me/calendarView", query=query, skip=10
    )
    parts = urlsplit(link)
    assert (
        f"{parts.scheme}://{parts.netloc}{parts.path}"
        == "http://127.0.0.1:8765/v1.0/me/calendarView"
    )
    assert dict(parse_qsl(parts.query)) == {
        "startDateTime": "2026-04-01T00:00:00Z",
        "$top": "5",
        "$skip": "10",
        "$filter": "subject eq 'a b'",
    }
    assert " " not in link
