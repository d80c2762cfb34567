"""The search page through the Flask test client, over real archives."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from archive.facade import Archive
from tests.support import copy_home
from webapp import create_app
from webapp.i18n import compile_catalogues

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def client(tmp_path_factory, imported_fixture_home):
    compile_catalogues()
    home = copy_home(imported_fixture_home, tmp_path_factory.mktemp("web-search") / "home")
    app = create_app({"ARCHIVE_HOME": str(home), "TESTING": True})
    yield app.test_client(use_cookies=False)
    app.extensions["archive"].close()


def html_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def facet_links(html: str) -> dict[str, str]:
    """Facet value text -> its toggle link."""
    aside = html.split('<aside class="facets"', 1)[1]
    links = re.findall(r'<a href="([^"]+)"[^>]*>\s*<span class="box"[^>]*>.</span>\s*'
                       r'(.*?) <span class="count">(\d+)</span>', aside, flags=re.S)
    return {f"{text.strip()} {count}": href.replace("&amp;", "&") for href, text, count in links}


def test_state_is_in_the_url_and_facets_toggle(client):
    html = html_of(client, "/search?q=Stalin")
    links = facet_links(html)
    admirer = next(href for text, href in links.items() if text.startswith("Admirer of Stalin"))
    assert dict(parse_qsl(urlsplit(admirer).query)) == {"q": "Stalin", "stance": "admirer"}
    narrowed = html_of(client, admirer)
    assert ">1 result<" in narrowed and "won the war" in narrowed
    links = facet_links(narrowed)
    # the selected value's link removes it again
    selected = next(href for text, href in links.items() if text.startswith("Admirer of Stalin"))
    assert dict(parse_qsl(urlsplit(selected).query)) == {"q": "Stalin"}


def test_two_values_of_one_facet_or_and_two_facets_and(client):
    either = html_of(client, "/search?kind=quote&stance=critic&stance=admirer")
    assert re.search(r">(\d+) results<", either)[1] == "3"
    both = html_of(client, "/search?kind=quote&stance=critic&theme=the-war")
    assert "0 results" in both and "Nothing found." in both


def test_pagination_and_sort_links_keep_the_state(client):
    html = html_of(client, "/search?kind=quote&per_page=2&sort=date")
    nxt = re.search(r'<a rel="next" href="([^"]+)"', html)[1].replace("&amp;", "&")
    assert dict(parse_qsl(urlsplit(nxt).query)) == {"kind": "quote", "sort": "date", "page": "2", "per_page": "2"}
    second = html_of(client, nxt)
    assert 'start="3"' in second


def test_did_you_mean_and_fallback_notices(client):
    assert "showing results for" in html_of(client, "/search?q=Stalni")
    assert "could not be read as written" in html_of(client, "/search?q=%22grandmother+camp")


@pytest.mark.parametrize("url", ["/search?page=0", "/search?page=x", "/search?sort=random", "/search?per_page=1000",
                                 "/search?lang=xx"])
def test_bad_parameters_are_400(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "Traceback" not in response.get_data(as_text=True)


def test_unknown_or_withheld_testimony_is_404(client):
    assert client.get("/search?within=nobody&q=x").status_code == 404
    assert client.get("/search?within=boris-synthetic&q=Zanzibar").status_code == 404


def test_withheld_records_never_show_on_the_search_page(client):
    for url in ("/search", "/search?q=Zanzibar", "/search?q=Zanzibr", "/search?q=embargo", "/search?q=Vorkuta",
                "/search?person=boris-synthetic", "/search?place=Vorkuta"):
        html = html_of(client, url)
        typed = dict(parse_qsl(urlsplit(url).query))
        for secret in ("Boris", "Zanzibar", "zanzibar", "Vorkuta", "under embargo"):
            if secret not in typed.values():  # what the visitor typed is echoed back; nothing else may show
                assert secret not in html, (url, secret)
        assert "Did you mean" not in html


@pytest.mark.slow
def test_html_in_a_quote_shows_as_text_in_search_results(tmp_path):
    collection = tmp_path / "collection"
    shutil.copytree(ROOT / "tests" / "fixtures" / "collection", collection)
    anna = collection / "people" / "anna-synthetic.yaml"
    anna.write_text(anna.read_text(encoding="utf-8").replace(
        "en: Stalin won the war. Without him there would have been no victory.",
        'en: "<script>alert(1)</script> Stalin won"'), encoding="utf-8")
    archive = Archive.open(tmp_path / "home")
    archive.import_collection(collection)
    archive.close()
    app = create_app({"ARCHIVE_HOME": str(tmp_path / "home"), "TESTING": True})
    html = app.test_client().get("/search?q=Stalin+script").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "<mark>script</mark>&gt;alert(1)&lt;/<mark>script</mark>&gt;" in html
    app.extensions["archive"].close()


def test_search_labels_in_russian(client):
    html = html_of(client, "/search?q=Stalin&lang=ru")
    assert '<html lang="ru">' in html and "Уточнить" in html and "Позиция фрагмента" in html
