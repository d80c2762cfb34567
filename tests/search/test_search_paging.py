"""Paging stops at MAX_PAGE: every page the site links to is a page it answers."""

from __future__ import annotations

import pytest

from archive.search.request import MAX_PAGE, BadSearchRequest, SearchRequest, SearchResult


@pytest.mark.parametrize("total,per_page,pages", [(0, 20, 1), (1, 20, 1), (20, 20, 1), (21, 20, 2),
                                                  (100_000, 20, MAX_PAGE), (100_000, 100, MAX_PAGE),
                                                  (20_000, 20, MAX_PAGE), (19_980, 20, 999)])
def test_pages_are_capped_at_the_last_page_a_request_may_ask_for(total: int, per_page: int, pages: int) -> None:
    result = SearchResult(SearchRequest(query="war", per_page=per_page), [], total, {})
    assert result.pages == pages
    assert result.request.with_page(result.pages).page == result.pages  # the last link is a valid request
    with pytest.raises(BadSearchRequest):
        result.request.with_page(MAX_PAGE + 1)
