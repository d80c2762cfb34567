"""The Language facet and the interface language are two parameters (``language`` and ``lang``)."""

from __future__ import annotations

import re

import pytest

from archive.search.request import SearchRequest
from tests.search.bilingual import write_collection
from tests.support import import_into
from webapp import create_app
from webapp.i18n import compile_catalogues


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    compile_catalogues()
    root = tmp_path_factory.mktemp("search-language")
    home = import_into(root / "home", write_collection(root / "collection"))
    app = create_app({"ARCHIVE_HOME": str(home), "TESTING": True})
    yield app.test_client(use_cookies=False)
    app.extensions["archive"].close()


def _hit_count(html: str) -> int:
    return len(re.findall(r'<li class="hit', html))


@pytest.mark.slow
def test_the_language_facet_filters_in_the_russian_interface(client):
    everything = client.get("/search?kind=quote&lang=ru").get_data(as_text=True)
    english = client.get("/search?kind=quote&lang=ru&language=en").get_data(as_text=True)
    russian = client.get("/search?kind=quote&lang=ru&language=ru").get_data(as_text=True)
    for html in (everything, english, russian):
        assert '<html lang="ru">' in html  # the interface stays Russian
    assert 0 < _hit_count(russian) < _hit_count(everything) == _hit_count(english)  # some say it in English only


def test_facet_links_keep_the_interface_language_apart(client):
    html = client.get("/search?kind=quote&lang=ru").get_data(as_text=True).split('<aside class="facets"', 1)[1]
    links = [href.replace("&amp;", "&") for href in re.findall(r'href="(/search\?[^"]+)"', html)]
    assert any("language=en" in link for link in links)
    assert all("lang=ru" in link for link in links), [link for link in links if "lang=ru" not in link]


def test_any_language_code_is_a_facet_value_not_an_interface_language():
    request = SearchRequest.from_params([("q", "x"), ("language", "uk")])
    assert request.filters == {"lang": ("uk",)}
    assert ("language", "uk") in request.to_params()


def test_the_passage_stance_facet_counts_passages_only(client):
    from archive.access.visibility import ANONYMOUS

    archive = client.application.extensions["archive"]
    result = archive.search(SearchRequest(per_page=100), ANONYMOUS)
    quotes = sum(1 for hit in result.hits if hit.kind == "quote")
    assert sum(value.count for value in result.facets["stance"].values) == quotes < result.total
    assert sum(value.count for value in result.facets["person_stance"].values) == result.total


def test_a_stance_badge_says_whose_stance_it_is(client):
    html = client.get("/search?q=Yolkin").get_data(as_text=True)  # portraits and a passage-less family entry
    assert 'title="Stance of the person"' in html
    html = client.get("/search?q=расстрел").get_data(as_text=True)
    assert 'title="Stance of the passage"' in html


def test_results_without_passages_say_there_is_nothing_to_export(client):
    html = client.get("/search?q=engineer").get_data(as_text=True)  # only a portrait says it
    assert '<li class="hit hit-person' in html and '<li class="hit hit-quote' not in html
    assert "Exports hold passages; these results have none." in html
    html = client.get("/search?q=Karaganda").get_data(as_text=True)
    assert "Exports hold passages" not in html
