"""Search a historian can trust, on a synthetic bilingual collection made by code (tests/search/bilingual.py)."""

from __future__ import annotations

import pytest

from archive.access.visibility import ANONYMOUS, Viewer
from archive.facade import Archive
from archive.search.request import SearchRequest
from tests.search.bilingual import write_collection

RESEARCHER = Viewer(role="researcher")


@pytest.fixture(scope="module")
def bilingual(tmp_path_factory):
    root = tmp_path_factory.mktemp("bilingual")
    archive = Archive.open(root / "home")
    archive.import_collection(write_collection(root / "collection"))
    yield archive
    archive.close()


def search(archive, query="", viewer=ANONYMOUS, within=None, **filters):
    return archive.search(SearchRequest(query=query, filters={k: tuple(v) for k, v in filters.items()},
                                        per_page=100, within_person=within), viewer)


def ids(result) -> set[str]:
    return {hit.id for hit in result.hits}


# --- item 1: a quote matches on its own words, the person on the portrait -------------------


def test_a_persons_place_finds_the_person_and_only_the_quotes_that_say_it(bilingual):
    for query in ("Amstelburg", "Амстельбург"):
        result = search(bilingual, query)
        assert ids(result) == {"fyodor-synthetic", "fyodor-moved"}, query


def test_searching_inside_a_testimony_finds_only_the_passages_that_say_it(bilingual):
    assert ids(search(bilingual, "Amstelburg", within="fyodor-synthetic")) == {"fyodor-moved"}


def test_every_quote_hit_shows_a_marked_word(bilingual):
    """(Words that name no theme: a passage may match on its theme's label, which its text need not say.)"""
    for query in ("Amstelburg", "Амстельбург", "Stalin", "Karaganda", "отца"):
        for hit in search(bilingual, query).hits:
            if hit.kind == "quote":
                assert any("<mark>" in text for text in hit.snippets.values()), (query, hit.id)
