from __future__ import annotations

import pytest
from hub_fakes import BASE_URL, PagedGraph

from openelements.elements.base import ProviderRequest
from openelements.hubs.cursor import PageCursor
from openelements.hubs.paging import first_request, page_request, read_page, resume_request
from openelements.kit.errors import BadRequest

RECORDS = [{"n": n} for n in range(450)]


def _first(*, page: int = 1, page_size: int = 200, count: bool = False) -> ProviderRequest:
    return first_request(
        "me/events", {"$filter": "isAllDay eq false"}, page=page, page_size=page_size,
        return_count=count,
    )  # fmt: skip


def test_defaults_and_limits_of_page_parameters() -> None:
    assert page_request({}).page_size is None
    assert page_request({}).page == 1
    assert page_request({"pageSize": "2000", "page": "3"}).page_size == 2000
    assert page_request({"returnCount": "TRUE"}).return_count


@pytest.mark.parametrize("query", [{"pageSize": "0"}, {"pageSize": "2001"}, {"page": "0"},
                                   {"pageSize": "ten"}, {"page": "-1"}])  # fmt: skip
def test_out_of_range_page_parameters_are_400(query: dict[str, str]) -> None:
    with pytest.raises(BadRequest):
        page_request(query)


def test_the_first_request_asks_at_most_100_and_skips_only_for_page_numbers() -> None:
    assert _first().query == {"$filter": "isAllDay eq false", "$top": "100"}
    assert _first(page=3, page_size=20, count=True).query == {
        "$filter": "isAllDay eq false", "$top": "20", "$skip": "40", "$count": "true",
    }  # fmt: skip


@pytest.mark.anyio
async def test_450_records_make_pages_of_200_200_50_following_next_links() -> None:
    graph = PagedGraph(RECORDS)
    pages, request, skip = [], _first(count=True), 0
    while True:
        page = await read_page(graph, request, page_size=200, skip=skip, base_url=BASE_URL)
        pages.append(page)
        if page.next is None:
            break
        request, skip = resume_request(page.next, base_url=BASE_URL), page.next.skip
    assert [len(p.records) for p in pages] == [200, 200, 50]
    assert [r for p in pages for r in p.records] == RECORDS
    assert pages[0].total == 450
    assert all("$skip" not in r.query for r in graph.requests[1:])  # links followed verbatim


@pytest.mark.anyio
async def test_a_page_ending_inside_a_graph_page_resumes_there_with_a_skip() -> None:
    graph = PagedGraph(RECORDS)
    page = await read_page(graph, _first(page_size=30), page_size=30, skip=0, base_url=BASE_URL)
    assert page.records == RECORDS[:30]
    assert page.next is None or page.next.skip == 0
    odd = await read_page(graph, _first(page_size=150), page_size=150, skip=0, base_url=BASE_URL)
    assert odd.next is not None
    assert odd.next.skip == 50  # the second Graph page of 100 had 50 records left
    resumed = await read_page(
        graph, resume_request(odd.next, base_url=BASE_URL), page_size=150, skip=50,
        base_url=BASE_URL,
    )  # fmt: skip
    assert resumed.records == RECORDS[150:300]


@pytest.mark.anyio
async def test_the_last_page_has_no_cursor_and_an_exact_end_has_none_either() -> None:
    graph = PagedGraph(RECORDS[:200])
    page = await read_page(graph, _first(), page_size=200, skip=0, base_url=BASE_URL)
    assert len(page.records) == 200
    assert page.next is None


@pytest.mark.anyio
async def test_empty_graph_pages_with_a_next_link_are_followed() -> None:
    graph = PagedGraph(RECORDS[:150], empty_pages_at=frozenset({100}))
    page = await read_page(graph, _first(), page_size=200, skip=0, base_url=BASE_URL)
    assert page.records == RECORDS[:150]


def test_a_cursor_leading_away_from_graph_is_refused() -> None:  # D45.7
    cursor = PageCursor(link="https://evil.test/v1.0/me/events", skip=0, page_size=10)
    with pytest.raises(BadRequest, match="Invalid nextPage token"):
        resume_request(cursor, base_url=BASE_URL)
