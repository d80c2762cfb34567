"""A record the index finds through the vocabulary (a theme's label or synonym, a stance's label, a
relative's relation or fate) says which term matched: a hit that shows no marked word in its text
still shows why it was found."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from archive.access.visibility import ANONYMOUS
from archive.facade import Archive
from archive.search.request import Hit, SearchRequest
from tests.support import viewer_client
from webapp.i18n import compile_catalogues

THE_TERROR_ONLY = "gorter-painful-collective-past"  # tagged with the terror, says neither word


@pytest.fixture(scope="module")
def shipped(imported_data_home: Path) -> Archive:
    archive = Archive.open(imported_data_home)
    yield archive  # type: ignore[misc]
    archive.close()


def _hits(archive: Archive, query: str) -> dict[str, Hit]:
    return {hit.id: hit for hit in archive.search(SearchRequest(query=query, per_page=50), ANONYMOUS).hits}


@pytest.mark.parametrize("query", ["репрессии", "terror", "purges"])  # synonyms of the terror, both languages
def test_a_quote_found_through_a_themes_synonym_names_that_theme(shipped: Archive, query: str) -> None:
    hit = _hits(shipped, query)[THE_TERROR_ONLY]
    assert "<mark>" not in "".join(hit.snippets.values())
    assert hit.matched_terms == {"themes": ("the-terror",)}


def test_a_quote_found_by_its_own_words_names_no_term(shipped: Archive) -> None:
    assert _hits(shipped, "glorious")[THE_TERROR_ONLY].matched_terms == {}


def test_a_portrait_found_by_its_stance_and_a_relative_by_its_relation_and_fate(shipped: Archive) -> None:
    assert _hits(shipped, "admirer")["igor"].matched_terms == {"stances": ("admirer",)}
    assert _hits(shipped, "mother")["the-sisters/mother"].matched_terms == {"relations": ("mother",)}
    assert _hits(shipped, "лагерь")["the-sisters/mother"].matched_terms == {"fates": ("sent-to-camp",)}


@pytest.mark.slow
def test_the_page_and_the_api_show_the_matched_theme_and_stance(imported_data_home: Path) -> None:
    compile_catalogues()
    client = viewer_client(imported_data_home, "anonymous")
    page = client.get("/search?q=репрессии&lang=en").get_data(as_text=True)
    assert re.search(r'<a href="/themes/the-terror"><mark>Stalin&#39;s terror</mark></a>', page), page
    russian = client.get("/search?q=admirer&kind=person&lang=ru").get_data(as_text=True)
    assert 'class="stance stance-admirer matched"' in russian and "совпадает с запросом" in russian
    unmatched = client.get("/search?q=Igor&kind=person&lang=en").get_data(as_text=True)
    assert "stance-admirer" in unmatched and " matched" not in unmatched
    answer = client.get("/api/search?q=репрессии").get_json()
    assert {hit["id"]: hit["matched_terms"] for hit in answer["hits"]}[THE_TERROR_ONLY] == {"themes": ["the-terror"]}
