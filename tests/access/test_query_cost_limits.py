"""What one search may cost is bounded before it runs (issue 20, item 8): typo-tolerance beyond two
edits, more than a few prefix/wildcard/fuzzy words, or a long fuzzy word is refused with a 400
that says why, on the search page, the API and the exports alike; ordinary fuzzy and prefix
searches still answer. Over the synthetic test collection."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from archive.search.query_parsing import MAX_EDIT_DISTANCE, MAX_EXPANDING_TERMS
from archive.search.request import BadSearchRequest, SearchRequest
from webapp import create_app

SURFACES = ["/search", "/api/search", "/api/quotes", "/search/export.csv"]


@pytest.fixture(scope="module")
def client(imported_fixture_home: Path) -> Any:
    app = create_app({"ARCHIVE_HOME": str(imported_fixture_home), "TESTING": True, "SECRET_KEY": "query-cost-test",
                      "RATELIMIT_ENABLED": False})
    yield app.test_client()
    app.extensions["archive"].close()


@pytest.mark.parametrize("query,reason", [
    ("abcdefghijkl~9", f"at most ~{MAX_EDIT_DISTANCE}"),
    ("abcdefghijklmnopqrstu~6", f"at most ~{MAX_EDIT_DISTANCE}"),
    ("stalin~3 camp", f"at most ~{MAX_EDIT_DISTANCE}"),
    (" ".join(f"{word}*" for word in ["ca", "st", "gr", "fa", "wi", "sh"][:MAX_EXPANDING_TERMS + 1]),
     f"at most {MAX_EXPANDING_TERMS}"),
    ("abcdefghijklmnopqrstuvwxyz~1", "at most 24 characters"),
])
def test_a_query_too_costly_is_refused_with_its_reason(client: Any, query: str, reason: str) -> None:
    for surface in SURFACES:
        response = client.get(f"{surface}?{urlencode({'q': query})}")
        assert response.status_code == 400, (surface, query)
        assert reason in response.get_data(as_text=True), (surface, query)
    with pytest.raises(BadSearchRequest, match=reason.replace("~", r"~")):
        SearchRequest(query=query)  # the command line refuses it alike


@pytest.mark.parametrize("query", ["grandfathr~", "grandfathr~2", "grand*", "stal* camp~1", "gr?ndfather",
                                   '"shot in"~3', "the gulag " * 20])
@pytest.mark.slow
def test_ordinary_fuzzy_and_prefix_searches_answer(client: Any, query: str) -> None:
    for surface in SURFACES:
        response = client.get(f"{surface}?{urlencode({'q': query})}")
        assert response.status_code == 200, (surface, query)
    found = client.get(f"/api/search?{urlencode({'q': 'grandfathr~'})}").get_json()
    assert found["total"] > 0
