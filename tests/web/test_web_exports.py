"""Downloads on the web site through Flask's test client, over real temporary archives: the
export menus of the search, person and theme pages, the files they lead to (read back with
the tools researchers use), and the citations of the "cite this" box.

The fixture collection has a restricted person (boris-synthetic) and an embargoed quote
(anna-embargoed); neither may leave the archive in any download for an anonymous visitor.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import bibtexparser
import pytest
import rispy
import srt
import webvtt
import yaml
from lxml import etree
from markupsafe import escape
from werkzeug.http import parse_options_header

from archive.catalogue import pages as catalogue
from archive.facade import Archive
from archive.interchange.exports import FORMATS
from tests.support import copy_home
from webapp import create_app
from webapp.i18n import compile_catalogues

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
FIXTURE = ROOT / "tests" / "fixtures" / "collection"
OHMS_XSD = ROOT / "tests" / "fixtures" / "schemas" / "ohms" / "ohms.xsd"

WITHHELD = ("boris-synthetic", "Boris (synthetic)", "A synthetic restricted passage", "boris-secret",
            "anna-embargoed", "A synthetic passage under embargo", "synthetic restriction for the tests")
DATA_FORMATS = list(FORMATS)  # every registered data format
THEME_FORMATS = [name for name, fmt in FORMATS.items() if "theme" in fmt.scopes]
SEARCH_FORMATS = [name for name, fmt in FORMATS.items() if "search" in fmt.scopes]
CITATIONS = {"bibtex": (".bib", "application/x-bibtex"), "ris": (".ris", "application/x-research-info-systems"),
             "csl-json": (".csl.json", "application/vnd.citationstyles.csl+json"),
             "apa": (".apa.txt", "text/plain"), "chicago": (".chicago.txt", "text/plain"),
             "chicago-notes": (".chicago-notes.txt", "text/plain")}


# --- archives and clients ------------------------------------------------------------------------


def _archive_home(tmp_path_factory: pytest.TempPathFactory, collection: Path, name: str) -> Path:
    home = tmp_path_factory.mktemp(name)
    archive = Archive.open(home)
    try:
        archive.import_collection(collection)
    finally:
        archive.close()
    return home


@pytest.fixture(scope="module", autouse=True)
def _catalogues() -> None:
    compile_catalogues()


@pytest.fixture(scope="module")
def fixture_home(tmp_path_factory: pytest.TempPathFactory, imported_fixture_home: Path) -> Path:
    return copy_home(imported_fixture_home, tmp_path_factory.mktemp("exports-fixture") / "home")


@pytest.fixture(scope="module")
def data_home(tmp_path_factory: pytest.TempPathFactory, imported_data_home: Path) -> Path:
    return copy_home(imported_data_home, tmp_path_factory.mktemp("exports-data") / "home")


@pytest.fixture(scope="module")
def two_recordings_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture with one of Anna's quotes timecoded in the film, not in her interview."""
    collection = tmp_path_factory.mktemp("two-recordings") / "collection"
    shutil.copytree(FIXTURE, collection)
    path = collection / "people" / "anna-synthetic.yaml"
    person = yaml.safe_load(path.read_text(encoding="utf-8"))
    camps = next(q for q in person["quotes"] if q["id"] == "anna-camps")
    camps.update({"recording": "synthetic-test", "timecode_in": "00:10:00"})
    path.write_text(yaml.safe_dump(person, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return _archive_home(tmp_path_factory, collection, "two-recordings-home")


def _client(home: Path, **config):  # type: ignore[no-untyped-def]
    app = create_app({"ARCHIVE_HOME": str(home), "TESTING": True, **config})
    return app.test_client(use_cookies=False)


@pytest.fixture(scope="module")
def client(fixture_home):  # type: ignore[no-untyped-def]
    return _client(fixture_home)


@pytest.fixture(scope="module")
def researcher(fixture_home):  # type: ignore[no-untyped-def]
    return _client(fixture_home, ARCHIVE_VIEWER="researcher")


@pytest.fixture(scope="module")
def data_client(data_home):  # type: ignore[no-untyped-def]
    return _client(data_home)


# --- reading pages and files -----------------------------------------------------------------------


class _Downloads(HTMLParser):
    """The URLs the download buttons of a page lead to: each GET form's hidden fields, plus the
    button's own name=value, sent to the button's formaction (as a browser does)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.cite_links: list[str] = []
        self._fields: list[tuple[str, str]] | None = None
        self._buttons: list[tuple[str, tuple[str, str] | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form" and "downloads" in values.get("class", "").split():
            self._fields, self._buttons = [], []
        elif tag == "input" and self._fields is not None and values.get("type") == "hidden":
            self._fields.append((values["name"], values["value"]))
        elif tag == "button" and self._fields is not None:
            own = (values["name"], values["value"]) if values.get("name") else None
            self._buttons.append((values["formaction"], own))
        elif tag == "a" and values.get("href", "").startswith("/cite/"):
            self.cite_links.append(values["href"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._fields is not None:
            for action, own in self._buttons:
                params = self._fields + ([own] if own else [])
                self.urls.append(action + ("?" + urlencode(params) if params else ""))
            self._fields = None


def page(client, url: str) -> str:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def downloads(html: str) -> _Downloads:
    parser = _Downloads()
    parser.feed(html)
    return parser


def file_name(response) -> str:  # type: ignore[no-untyped-def]
    """The name a browser saves the download as (``filename*`` first, as RFC 6266 says)."""
    kind, options = parse_options_header(response.headers["Content-Disposition"])
    assert kind == "attachment"
    return options["filename"]


def fetch(client, url: str):  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    return response


def everything_in(response) -> str:  # type: ignore[no-untyped-def]
    """The text of a download, the members of a zip included."""
    body = response.get_data()
    if response.mimetype == "application/zip":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return "\n".join(archive.read(name).decode("utf-8") for name in archive.namelist())
    return body.decode("utf-8")


def csv_rows(response) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"), newline="")))


def theme_ids(home: Path) -> list[str]:
    archive = Archive.open(home)
    try:
        return list(catalogue.vocabulary(archive.engine).themes)
    finally:
        archive.close()


# --- the routes: status, type, file name --------------------------------------------------------


def _expected_routes() -> list[tuple[str, str, str]]:
    routes = []
    for name in SEARCH_FORMATS:
        routes.append((f"/search/export.{name}?q=Stalin&stance=critic", name, "search-Stalin-critic"))
    for name in DATA_FORMATS:
        routes.append((f"/people/anna-synthetic/export.{name}", name, "person-anna-synthetic"))
        routes.append((f"/export.{name}", name, "collection"))
    for name in THEME_FORMATS:
        routes.append((f"/themes/the-gulag/export.{name}", name, "theme-the-gulag"))
    return routes


@pytest.mark.parametrize("url,fmt,stem", _expected_routes())
@pytest.mark.slow
def test_data_exports_stream_with_their_type_and_a_sensible_file_name(client, url, fmt, stem):  # type: ignore[no-untyped-def]
    response = fetch(client, url)
    assert response.is_streamed
    assert response.headers["Content-Type"] == FORMATS[fmt].media_type
    assert file_name(response) == FORMATS[fmt].file_name(stem)
    everything_in(response)  # zips open, text is UTF-8


@pytest.mark.parametrize("url,media_type,name", [
    ("/people/anna-synthetic/ohms.xml", "application/xml", "person-anna-synthetic.ohms.xml"),
    ("/people/anna-synthetic/subtitles.vtt", "text/vtt", "person-anna-synthetic.vtt"),
    ("/people/anna-synthetic/subtitles.srt", "application/x-subrip", "person-anna-synthetic.srt"),
    ("/people/anna-synthetic/subtitles.vtt?language=en", "text/vtt", "person-anna-synthetic.en.vtt"),
    ("/people/anna-synthetic/subtitles.srt?recording=anna-2020", "application/x-subrip",
     "person-anna-synthetic-anna-2020.srt"),
] + [(f"/cite/{target}.{fmt}", media_type, target.replace(":", "-") + suffix)
     for target in ("person:anna-synthetic", "quote:anna-victory", "collection")
     for fmt, (suffix, media_type) in CITATIONS.items()])
def test_person_and_citation_files(client, url, media_type, name):  # type: ignore[no-untyped-def]
    response = fetch(client, url)
    assert response.mimetype == media_type
    assert response.mimetype_params.get("charset") == "utf-8"
    assert file_name(response) == name


def test_a_cyrillic_query_gives_a_utf8_file_name_with_an_ascii_fallback(client):  # type: ignore[no-untyped-def]
    response = fetch(client, "/search/export.csv?q=лагерь&stance=critic")
    header = response.headers["Content-Disposition"]
    assert header.isascii()
    assert 'filename="search-lager-critic.csv"' in header
    assert "filename*=UTF-8''search-%D0%BB%D0%B0%D0%B3%D0%B5%D1%80%D1%8C-critic.csv" in header
    assert file_name(response) == "search-лагерь-critic.csv"
    assert {row["id"] for row in csv_rows(response)} == {"anna-grandfather-shot", "anna-camps"}


@pytest.mark.parametrize("url", [
    "/export.xlsx", "/people/anna-synthetic/export.pdf", "/search/export.html?q=x",
    "/themes/the-war/export.yaml", "/search/export.yaml?q=Stalin",  # YAML holds whole records only
    "/people/nobody/export.csv", "/people/nobody/ohms.xml", "/people/nobody/subtitles.vtt",
    "/themes/nothing/export.csv", "/search/export.csv?within=nobody",
    "/people/anna-synthetic/subtitles.vtt?recording=no-such-recording", "/people/anna-synthetic/subtitles.txt",
    "/cite/person:nobody", "/cite/person:nobody.bibtex", "/cite/quote:nothing.ris", "/cite/nonsense",
    "/cite/person:anna-synthetic.docx", "/cite/collection:x.bibtex",
])
def test_unknown_formats_and_records_are_a_friendly_404(client, url):  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 404
    assert response.mimetype == "text/html" and "Content-Disposition" not in response.headers
    assert "Page not found" in response.get_data(as_text=True)


@pytest.mark.parametrize("url", [
    "/search/export.csv?page=0", "/search/export.csv?sort=random", "/search/export.csv?per_page=1000",
    "/search/export.json?page=x", "/export.csv?lang=xx",
    "/people/anna-synthetic/subtitles.vtt?language=English!",
])
def test_bad_parameters_are_a_400_page(client, url):  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "could not be understood" in html and "Traceback" not in html


# --- an export is the page's query --------------------------------------------------------------------


def _quote_anchors_on(html: str) -> list[str]:
    return re.findall(r'<li class="hit hit-quote">\s*<p class="hit-head">.*?<a href="/people/[^"#]+#([^"]+)"', html,
                      flags=re.S)


SEARCHES = ["q=camp&stance=critic", "q=Stalin&stance=critic", "q=Stalin", "kind=quote&sort=date", "q=лагерь",
            "theme=the-terror&sort=person",
            "q=camp+OR+Stalin&stance=critic&stance=admirer", "person_stance=ambivalent", "q=Stalni"]


@pytest.mark.parametrize("which", ["fixture", "data"])
@pytest.mark.parametrize("query", SEARCHES)
def test_the_search_csv_holds_exactly_the_quotes_the_search_page_shows(which, query, client, data_client):  # type: ignore[no-untyped-def]
    web = client if which == "fixture" else data_client
    html = page(web, f"/search?{query}&per_page=100")
    urls = downloads(html).urls
    if '<ol class="hits"' not in html:
        assert not urls  # nothing found, nothing to export
        return
    asked = [(k, v) for k, v in parse_qsl(query) if k != "per_page"]
    corrected = re.search(r"showing results for <a [^>]*><strong>(.*?)</strong>", html)
    if corrected:  # the page shows the suggestion's hits, and so does its export
        asked = [("q", corrected[1])] + [(k, v) for k, v in asked if k != "q"]
    csv_url = next(u for u in urls if urlsplit(u).path == "/search/export.csv")
    assert sorted(parse_qsl(urlsplit(csv_url).query)) == sorted(asked)
    rows = csv_rows(fetch(web, csv_url))
    shown = _quote_anchors_on(html)
    assert [row["permalink"].split("#", 1)[1] for row in rows] == shown
    if not corrected:  # the same query typed by hand gives the same file
        assert csv_rows(fetch(web, f"/search/export.csv?{query}")) == rows


def test_the_search_export_has_every_page_not_only_the_first(data_client):  # type: ignore[no-untyped-def]
    everything = _quote_anchors_on(page(data_client, "/search?kind=quote&per_page=100"))
    assert len(everything) > 3
    html = page(data_client, "/search?kind=quote&per_page=2&page=2")
    url = next(u for u in downloads(html).urls if urlsplit(u).path == "/search/export.jsonl")
    assert "page" not in dict(parse_qsl(urlsplit(url).query))
    lines = fetch(data_client, url).get_data(as_text=True).splitlines()
    assert [json.loads(line)["permalink"].split("#", 1)[1] for line in lines] == everything


@pytest.mark.slow
def test_person_and_theme_exports_hold_the_quotes_of_their_page(client):  # type: ignore[no-untyped-def]
    person = page(client, "/people/anna-synthetic")
    rows = csv_rows(fetch(client, "/people/anna-synthetic/export.csv"))
    assert {row["id"] for row in rows} == {"anna-grandfather-shot", "anna-victory", "anna-hero-and-executioner",
                                           "anna-camps"}
    assert all(f'id="quote-{catalogue.anchor(row["id"])}"' in person for row in rows)
    theme = page(client, "/themes/the-gulag")
    rows = csv_rows(fetch(client, "/themes/the-gulag/export.csv"))
    assert [row["id"] for row in rows] == ["anna-grandfather-shot", "anna-camps"]
    assert all(f'id="quote-{catalogue.anchor(row["id"])}"' in theme for row in rows)


# --- visibility ----------------------------------------------------------------------------------------


def _every_anonymous_download(client, home: Path) -> list[str]:  # type: ignore[no-untyped-def]
    urls = [f"/search/export.{f}" for f in SEARCH_FORMATS] + [f"/search/export.{f}?q=Zanzibar" for f in SEARCH_FORMATS]
    urls += [f"/export.{f}" for f in DATA_FORMATS]
    urls += [f"/themes/{t}/export.{f}" for t in theme_ids(home) for f in THEME_FORMATS]
    urls += [f"/people/anna-synthetic/export.{f}" for f in DATA_FORMATS]
    urls += ["/people/anna-synthetic/ohms.xml", "/people/anna-synthetic/subtitles.vtt",
             "/people/anna-synthetic/subtitles.srt?language=en"]
    urls += [f"/cite/{t}.{f}" for t in ("collection", "person:anna-synthetic") for f in CITATIONS]
    return urls


@pytest.mark.slow
def test_withheld_records_leave_no_trace_in_any_anonymous_download(client, fixture_home):  # type: ignore[no-untyped-def]
    for url in _every_anonymous_download(client, fixture_home):
        text = everything_in(fetch(client, url))
        for secret in WITHHELD:
            assert secret not in text, f"{secret!r} in {url}"


@pytest.mark.slow
def test_a_researcher_deployment_exports_them_marked(researcher):  # type: ignore[no-untyped-def]
    rows = {row["id"]: row for row in csv_rows(fetch(researcher, "/export.csv"))}
    assert rows["boris-secret"]["access"] == "restricted"
    assert rows["anna-embargoed"]["access"] == "embargoed"
    assert fetch(researcher, "/people/boris-synthetic/export.json").get_json()["count"] == 1
    assert "Boris (synthetic)" in fetch(researcher, "/cite/person:boris-synthetic.bibtex").get_data(as_text=True)


@pytest.mark.parametrize("url", [f"/people/boris-synthetic/export.{f}" for f in DATA_FORMATS] + [
    "/people/boris-synthetic/ohms.xml", "/people/boris-synthetic/subtitles.vtt",
    "/people/boris-synthetic/subtitles.srt",
    "/search/export.csv?within=boris-synthetic", "/search/export.json?within=boris-synthetic&q=Zanzibar",
    "/cite/person:boris-synthetic", "/cite/quote:boris-secret", "/cite/quote:anna-embargoed",
] + [f"/cite/{t}.{f}" for t in ("person:boris-synthetic", "quote:boris-secret", "quote:anna-embargoed")
     for f in CITATIONS])
def test_the_withheld_records_own_downloads_are_404(client, url):  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    # the language switch echoes the address the visitor typed; the page itself says nothing
    shown = html.split("<title>", 1)[1].split("</title>", 1)[0] + html.split("<main", 1)[1]
    assert "Page not found" in shown
    for secret in WITHHELD:
        assert secret not in shown, secret


# --- the menus on the pages ----------------------------------------------------------------------------


MENU_PAGES = {
    "/search?q=camp&stance=critic&page=1": ("Export these results",
                                            {f"/search/export.{f}?q=camp&stance=critic" for f in SEARCH_FORMATS}),
    "/themes/the-gulag": ("Export these quotes", {f"/themes/the-gulag/export.{f}" for f in THEME_FORMATS}),
    "/people/anna-synthetic": ("Export this testimony", {f"/people/anna-synthetic/export.{f}" for f in DATA_FORMATS} | {
        "/people/anna-synthetic/ohms.xml", "/people/anna-synthetic/subtitles.vtt",
        "/people/anna-synthetic/subtitles.vtt?language=en", "/people/anna-synthetic/subtitles.srt",
        "/people/anna-synthetic/subtitles.srt?language=en", "/cite/person:anna-synthetic.bibtex",
        "/cite/person:anna-synthetic.ris", "/cite/person:anna-synthetic.csl-json"}),
    "/cite/collection": ("Download the whole collection", {f"/export.{f}" for f in DATA_FORMATS} | {
        "/cite/collection.bibtex", "/cite/collection.ris", "/cite/collection.csl-json"}),
}


@pytest.mark.parametrize("url", list(MENU_PAGES))
def test_the_menus_offer_every_format_and_every_button_answers(url, client):  # type: ignore[no-untyped-def]
    summary, expected = MENU_PAGES[url]
    html = page(client, url)
    assert summary in html
    found = downloads(html).urls
    assert set(found) == expected
    for download in found:
        response = fetch(client, download)
        file_name(response)
        everything_in(response)


def test_the_menus_are_in_russian_too(client):  # type: ignore[no-untyped-def]
    html = page(client, "/search?q=Stalin&lang=ru")
    assert "Скачать эти результаты" in html and "Таблица CSV" in html
    urls = downloads(html).urls
    assert urls and all("lang=" not in u for u in urls)  # the interface language is not part of the query
    person = page(client, "/people/anna-synthetic?lang=ru")
    assert "Скачать это свидетельство" in person and "Субтитры WebVTT · язык оригинала" in person
    assert "Субтитры WebVTT · Английский" in person and "Чикагский стиль (автор — дата)" in person


@pytest.mark.slow
def test_every_page_with_a_menu_in_the_shipped_collection(data_client, data_home):  # type: ignore[no-untyped-def]
    """Crawl the menus of every person and theme page of the Red Soul collection."""
    people = re.findall(r'href="/people/([a-z0-9-]+)"', page(data_client, "/people"))
    assert len(set(people)) >= 5
    pages = [f"/people/{p}" for p in sorted(set(people))] + [f"/themes/{t}" for t in theme_ids(data_home)]
    seen = set()
    for url in pages:
        html = page(data_client, url)
        found = downloads(html)
        quotes = html.count('<figure class="quote')
        if quotes:  # a page without quotes offers nothing to export (the menus show what exists)
            assert found.urls, f"no downloads on {url}"
        for download in found.urls:
            if download not in seen:
                seen.add(download)
                fetch(data_client, download)
        for link in found.cite_links:
            assert data_client.get(link).status_code == 200, link
    assert any(u.endswith("/ohms.xml") for u in seen)
    assert not any("/subtitles." in u for u in seen)  # the shipped collection has no timecodes


def test_no_timecodes_no_subtitle_buttons_and_a_friendly_404(data_client):  # type: ignore[no-untyped-def]
    html = page(data_client, "/people/igor")
    assert "/subtitles." not in html
    response = data_client.get("/people/igor/subtitles.vtt")
    assert response.status_code == 404
    text = response.get_data(as_text=True)
    assert "No subtitles for this testimony" in text and "none of the quotes of Igor" in text
    assert 'href="/people/igor"' in text


@pytest.mark.slow
def test_several_recordings_one_file_each(two_recordings_home):  # type: ignore[no-untyped-def]
    client = _client(two_recordings_home)
    html = page(client, "/people/anna-synthetic")
    urls = downloads(html).urls
    assert "/people/anna-synthetic/subtitles.vtt?recording=anna-2020" in urls
    assert "/people/anna-synthetic/subtitles.srt?recording=synthetic-test&language=en" in urls
    assert "Recording synthetic-test" in html
    response = client.get("/people/anna-synthetic/subtitles.vtt")
    assert response.status_code == 400
    assert "recording" in response.get_data(as_text=True)
    film = fetch(client, "/people/anna-synthetic/subtitles.vtt?recording=synthetic-test")
    assert file_name(film) == "person-anna-synthetic-synthetic-test.vtt"
    captions = webvtt.from_string(film.get_data(as_text=True), strict=True).captions
    assert [c.identifier for c in captions] == ["anna-camps"]


# --- the files read back by the tools that use them ---------------------------------------------------


@pytest.mark.parametrize("target", ["person:anna-synthetic", "quote:anna-victory", "collection"])
def test_citations_read_back(target, client):  # type: ignore[no-untyped-def]
    bibtex = fetch(client, f"/cite/{target}.bibtex").get_data(as_text=True)
    library = bibtexparser.parse_string(bibtex)
    assert not library.failed_blocks and len(library.entries) == 1
    assert library.entries[0]["url"].startswith("http://localhost/")
    ris = rispy.loads(fetch(client, f"/cite/{target}.ris").get_data(as_text=True))
    assert len(ris) == 1 and ris[0]["urls"][0].startswith("http://localhost/")
    csl = json.loads(fetch(client, f"/cite/{target}.csl-json").get_data(as_text=True))
    assert [item["type"] for item in csl] == (["webpage"] if target == "collection" else ["interview"])
    apa = fetch(client, f"/cite/{target}.apa").get_data(as_text=True)
    assert csl[0]["URL"] in apa


def test_the_cite_this_box_shows_apa_and_chicago(client):  # type: ignore[no-untyped-def]
    html = page(client, "/people/anna-synthetic")
    box = html.split('<section id="cite"', 1)[1].split("</section>", 1)[0]
    apa = fetch(client, "/cite/person:anna-synthetic.apa").get_data(as_text=True).strip()
    chicago = fetch(client, "/cite/person:anna-synthetic.chicago").get_data(as_text=True).strip()
    assert "[Oral history interview by T. Suite]" in apa  # the interview, not an invented "Testimony of"
    assert f'<p class="citation" lang="en">{escape(apa)}</p>' in box
    assert f'<p class="citation" lang="en">{escape(chicago)}</p>' in box
    notes = fetch(client, "/cite/person:anna-synthetic.chicago-notes").get_data(as_text=True).strip()
    assert f'<p class="citation" lang="en">{escape(notes)}</p>' in box
    # every quote shown in full has a page that cites it
    cite_links = downloads(html).cite_links
    assert "/cite/quote:anna-victory" in cite_links and "/cite/collection" in cite_links
    quote_page = page(client, "/cite/quote:anna-victory")
    assert "Cite this quote" in quote_page and "Stalin won the war" in quote_page
    assert 'href="http://localhost/people/anna-synthetic#quote-anna-victory"' in quote_page
    assert set(downloads(quote_page).urls) == {f"/cite/quote:anna-victory.{f}" for f in ("bibtex", "ris", "csl-json")}


@pytest.mark.slow
def test_html_in_a_quote_is_text_in_its_citations(tmp_path):  # type: ignore[no-untyped-def]
    collection = tmp_path / "collection"
    shutil.copytree(FIXTURE, collection)
    anna = collection / "people" / "anna-synthetic.yaml"
    anna.write_text(anna.read_text(encoding="utf-8").replace(
        "en: Stalin won the war. Without him there would have been no victory.",
        'en: "<script>alert(1)</script> Stalin won"').replace(
        "interviewer: Test Suite", 'interviewer: "<script>alert(2)</script> Suite"'), encoding="utf-8")
    client = _client(_archive_home_at(tmp_path / "home", collection))
    html = page(client, "/cite/quote:anna-victory")
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(2)</script>" not in html and "&lt;script&gt;alert(2)&lt;/script&gt;" in html
    # the file keeps the text as it is; it is an attachment, never shown as a page
    response = fetch(client, "/cite/quote:anna-victory.ris")
    assert "<script>alert(2)</script>" in response.get_data(as_text=True)
    assert response.mimetype == "application/x-research-info-systems"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def _archive_home_at(home: Path, collection: Path) -> Path:
    archive = Archive.open(home)
    try:
        archive.import_collection(collection)
    finally:
        archive.close()
    return home


@pytest.mark.parametrize("which,person", [("fixture", "anna-synthetic"), ("data", "jessica-gorter"),
                                          ("data", "the-sisters")])
def test_ohms_xml_is_valid_against_the_xsd(which, person, client, data_client):  # type: ignore[no-untyped-def]
    web = client if which == "fixture" else data_client
    schema = etree.XMLSchema(etree.parse(str(OHMS_XSD)))
    document = etree.fromstring(fetch(web, f"/people/{person}/ohms.xml").get_data())
    assert schema.validate(document), schema.error_log


def test_subtitles_read_back_in_webvtt_py_and_srt(client):  # type: ignore[no-untyped-def]
    vtt = webvtt.from_string(fetch(client, "/people/anna-synthetic/subtitles.vtt").get_data(as_text=True),
                             strict=True)
    assert [c.identifier for c in vtt.captions] == ["anna-grandfather-shot", "anna-victory"]
    assert "Мой дед был расстрелян" in vtt.captions[0].text
    english = webvtt.from_string(fetch(client, "/people/anna-synthetic/subtitles.vtt?language=en")
                                 .get_data(as_text=True), strict=True)
    assert "My grandfather was shot" in english.captions[0].text
    cues = list(srt.parse(fetch(client, "/people/anna-synthetic/subtitles.srt").get_data(as_text=True)))
    assert [c.start.total_seconds() for c in cues] == [65.0, 120.0]
