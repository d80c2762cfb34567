"""Search hit titles in the page's language: a relative without a name of their own is called by
the vocabulary's label of the relation in the interface language ("Мать (The sisters)" on a
Russian page), the names marked as English data."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import render_template_string

from archive.search.request import SearchRequest
from tests.support import DATA, import_into, make_access_collection, viewer_client
from webapp.i18n import compile_catalogues


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    compile_catalogues()
    return import_into(tmp_path_factory.mktemp("hit-titles") / "home", DATA)


def _titles(home: Path, lang: str, query: str) -> dict[str, str]:
    app = viewer_client(home, "anonymous").application
    with app.test_request_context(f"/search?lang={lang}"):
        app.preprocess_request()  # the page's language and viewer, as a request has them
        archive = app.extensions["archive"]
        hits = archive.search(SearchRequest(query=query, filters={"kind": ("relative",)})).hits
        return {hit.id: render_template_string("{{ hit_title(hit) }}", hit=hit) for hit in hits}


@pytest.mark.parametrize("lang, relation", [("en", "Mother"), ("ru", "Мать")])
@pytest.mark.slow
def test_a_relatives_title_is_built_in_the_page_language(shipped: Path, lang: str, relation: str) -> None:
    titles = _titles(shipped, lang, "mother")
    assert titles["the-sisters/mother"] == f'{relation} (<span lang="en">The sisters</span>)'


def test_a_relative_with_a_name_of_their_own_is_called_by_it(tmp_path: Path) -> None:
    home = import_into(tmp_path / "home", make_access_collection(tmp_path / "collection"))
    titles = _titles(home, "ru", "pseudonym")
    assert titles["vera-synthetic/mother-1"] == ('<span lang="en">Mother (pseudonym, synthetic)</span> '
                                                 '(<span lang="en">Vera (pseudonym, synthetic)</span>)')


def test_other_hits_keep_the_engines_title_marked_english(shipped: Path) -> None:
    app = viewer_client(shipped, "anonymous").application
    with app.test_request_context("/search?lang=ru"):
        app.preprocess_request()
        hit = next(h for h in app.extensions["archive"].search(SearchRequest(query="Igor")).hits if h.kind == "person")
        assert render_template_string("{{ hit_title(hit) }}", hit=hit) == f'<span lang="en">{hit.title}</span>'


@pytest.mark.slow
def test_a_relative_found_by_its_fate_shows_the_label_it_matched(shipped: Path) -> None:
    """«лагерь» finds the sisters' mother through her fate's Russian label: the page shows that line,
    marked and in its language, whatever the interface's; a search that matched no label shows the
    line in the interface's language; the API gives the lines too."""
    client = viewer_client(shipped, "anonymous")
    for ui in ("en", "ru"):
        page = client.get(f"/search?q=лагерь&kind=relative&lang={ui}").get_data(as_text=True)
        assert re.search(r'<p class="hit-facts[^"]*" lang="ru">.*Мать: Заключение в <mark>лагерь</mark></p>', page), ui
    unmarked = client.get('/search?q="buy+food"&kind=relative&lang=ru').get_data(as_text=True)
    assert re.search(r'<p class="hit-facts[^"]*" lang="ru">.*Мать: Заключение в лагерь</p>', unmarked)
    assert 'class="hit-facts' in unmarked and 'lang="en">Mother: ' not in unmarked
    answer = client.get("/api/search?q=лагерь&kind=relative").get_json()
    mother = next(hit for hit in answer["hits"] if hit["id"] == "the-sisters/mother")
    assert mother["facts"]["ru"] == "Мать: Заключение в <mark>лагерь</mark>"
