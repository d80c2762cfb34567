"""The web site through Flask's test client, over real temporary archives (SQLite in tmp folders).

Two archives: the shipped Red Soul collection (data/) and the synthetic fixture collection,
which has a restricted person (boris-synthetic) and an embargoed quote (anna-embargoed).
"""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest

from archive.facade import Archive
from tests.support import copy_home
from webapp import create_app
from webapp.i18n import compile_catalogues

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
FIXTURE = ROOT / "tests" / "fixtures" / "collection"

# Everything the restricted person and the embargoed quote could leak through.
WITHHELD = ("boris-synthetic", "Boris (synthetic)", "A synthetic restricted passage", "boris-secret",
            "anna-embargoed", "A synthetic passage under embargo", "synthetic restriction for the tests")
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture(scope="module", autouse=True)
def _catalogues() -> None:
    compile_catalogues()  # `make setup` does this too; here so that a bare pytest run has Russian


def _archive_home(tmp_path_factory: pytest.TempPathFactory, collection: Path, name: str) -> Path:
    home = tmp_path_factory.mktemp(name)
    archive = Archive.open(home)
    try:
        archive.import_collection(collection)
    finally:
        archive.close()
    return home


@pytest.fixture(scope="module")
def data_home(tmp_path_factory: pytest.TempPathFactory, imported_data_home: Path) -> Path:
    return copy_home(imported_data_home, tmp_path_factory.mktemp("data-home") / "home")


@pytest.fixture(scope="module")
def fixture_home(tmp_path_factory: pytest.TempPathFactory, imported_fixture_home: Path) -> Path:
    return copy_home(imported_fixture_home, tmp_path_factory.mktemp("fixture-home") / "home")


@pytest.fixture(scope="module")
def script_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture collection with HTML in the English text of a Russian-original quote."""
    collection = tmp_path_factory.mktemp("script-collection") / "collection"
    shutil.copytree(FIXTURE, collection)
    person = collection / "people" / "anna-synthetic.yaml"
    text = person.read_text(encoding="utf-8")
    old = "en: Stalin won the war. Without him there would have been no victory."
    assert old in text
    person.write_text(text.replace(old, f"en: 'Stalin won the war. {SCRIPT} No victory without him.'"),
                      encoding="utf-8")
    return _archive_home(tmp_path_factory, collection, "script-home")


def _app(home: Path, **config):  # type: ignore[no-untyped-def]
    return create_app({"ARCHIVE_HOME": str(home), "TESTING": True, **config})


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"] or "")
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")
        if tag == "link" and values.get("href"):
            self.links.append(values["href"] or "")


def _parse(html: str) -> _Links:
    parser = _Links()
    parser.feed(html)
    return parser


def crawl(client, start: str, headers: dict[str, str]) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Every internal page reachable from ``start``: {url: html}; asserts each answers 200
    and that every #fragment it links to exists on the target page."""
    pages: dict[str, str] = {}
    parsed: dict[str, _Links] = {}  # each page parsed once, for its links and for the fragments linked into it

    def parse(url: str) -> _Links:
        if url not in parsed:
            parsed[url] = _parse(pages[url])
        return parsed[url]

    fragments: list[tuple[str, str, str]] = []
    queue = [start]
    while queue:
        url = queue.pop()
        if url in pages:
            continue
        response = client.get(url, headers=headers)
        assert response.status_code == 200, f"{url} answered {response.status_code}"
        html = response.get_data(as_text=True)
        pages[url] = html
        if not response.mimetype == "text/html":
            continue
        for href in parse(url).links:
            absolute = urljoin("http://localhost" + url, href)
            parts = urlsplit(absolute)
            if parts.netloc != "localhost":
                continue
            target, fragment = urldefrag(parts.path + (f"?{parts.query}" if parts.query else ""))
            if fragment:
                fragments.append((url, target, fragment))
            if target not in pages:
                queue.append(target)
    for source_page, target, fragment in fragments:
        assert fragment in parse(target).ids, f"{source_page} links to {target}#{fragment}, which is missing"
    return pages


CRAWLS = [("data", "en"), ("data", "ru"), ("fixture", "en"), ("fixture", "ru")]


@pytest.mark.parametrize("which,lang", CRAWLS)
@pytest.mark.slow
def test_every_link_from_the_home_page_answers_200(which, lang, data_home, fixture_home):  # type: ignore[no-untyped-def]
    app = _app(data_home if which == "data" else fixture_home)
    client = app.test_client(use_cookies=False)
    pages = crawl(client, f"/?lang={lang}", {"Accept-Language": lang})
    html_pages = {u: h for u, h in pages.items() if not u.startswith("/static/")}
    for expected in ("/", "/people", "/themes", "/paradoxes", "/sources"):
        assert expected in html_pages
    assert any(u.startswith("/people/") for u in html_pages)
    # perspectives are linked where a passage states a stance; every shipped passage is "Not stated"
    assert any(u.endswith("/perspectives") for u in html_pages) is (which == "fixture")
    for url, html in html_pages.items():
        if "lang=" not in url or f"lang={lang}" in url:
            assert f'<html lang="{lang}">' in html, url
        assert "Traceback" not in html


@pytest.mark.parametrize("path", ["/people/nobody", "/themes/nothing", "/themes/nothing/perspectives",
                                  "/no/such/page", "/people/boris-synthetic",
                                  "/people/boris-synthetic?viewer=researcher"])
def test_unknown_and_withheld_ids_are_a_friendly_404(path, fixture_home):  # type: ignore[no-untyped-def]
    response = _app(fixture_home).test_client().get(path)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Page not found" in html and 'href="/people"' in html
    assert "boris" not in html.lower().replace("/people/boris-synthetic", "")


@pytest.mark.parametrize("path", ["/people?stance=fan", "/?lang=de", "/people/anna-synthetic?lang=xx"])
def test_bad_parameters_are_a_400_page(path, fixture_home):  # type: ignore[no-untyped-def]
    response = _app(fixture_home).test_client().get(path)
    assert response.status_code == 400
    assert "could not be understood" in response.get_data(as_text=True)


def test_an_error_is_a_500_page_without_a_traceback(fixture_home):  # type: ignore[no-untyped-def]
    app = _app(fixture_home)

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Something went wrong" in html
    assert "secret internals" not in html and "Traceback" not in html


@pytest.mark.slow
def test_withheld_records_are_absent_everywhere_for_anonymous(fixture_home):  # type: ignore[no-untyped-def]
    for lang in ("en", "ru"):
        pages = crawl(_app(fixture_home).test_client(use_cookies=False), f"/?lang={lang}", {})
        for url, html in pages.items():
            for secret in WITHHELD:
                assert secret not in html, f"{secret!r} shown on {url}"
    # counts too: the restricted person, their quote and the embargoed quote are not counted
    def counts(**config: str) -> tuple[int, int]:
        home = _app(fixture_home, **config).test_client().get("/").get_data(as_text=True)
        people = re.search(r"<strong>(\d+)</strong>\s*(person|people)", home)
        quotes = re.search(r"<strong>(\d+)</strong>\s*quotes?", home)
        assert people and quotes
        return int(people[1]), int(quotes[1])

    anonymous, researcher = counts(), counts(ARCHIVE_VIEWER="researcher")
    assert anonymous == (researcher[0] - 1, researcher[1] - 2)


@pytest.mark.slow
def test_a_researcher_deployment_shows_withheld_records(fixture_home):  # type: ignore[no-untyped-def]
    client = _app(fixture_home, ARCHIVE_VIEWER="researcher").test_client()
    boris = client.get("/people/boris-synthetic")
    assert boris.status_code == 200
    html = boris.get_data(as_text=True)
    assert "A synthetic restricted passage" in html and "Restricted: not public" in html
    assert "A synthetic passage under embargo" in client.get("/people/anna-synthetic").get_data(as_text=True)
    assert "Boris (synthetic)" in client.get("/people").get_data(as_text=True)
    assert "boris-synthetic" in client.get("/sources").get_data(as_text=True)


def test_the_viewer_setting_is_checked(fixture_home):  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError):
        _app(fixture_home, ARCHIVE_VIEWER="root")


@pytest.mark.slow
def test_html_in_a_quote_shows_as_text_on_every_page_that_shows_quotes(script_home):  # type: ignore[no-untyped-def]
    pages = crawl(_app(script_home).test_client(use_cookies=False), "/", {})
    shown = [url for url, html in pages.items() if "&lt;script&gt;alert(1)&lt;/script&gt;" in html]
    for url, html in pages.items():
        assert SCRIPT not in html, url
    for expected in ("/people/anna-synthetic", "/themes/the-war", "/themes/the-war/perspectives", "/paradoxes"):
        assert expected in shown, f"the quote is not shown (escaped) on {expected}"


@pytest.mark.slow
def test_content_carries_its_own_language(fixture_home):  # type: ignore[no-untyped-def]
    client = _app(fixture_home).test_client(use_cookies=False)
    html = client.get("/people/anna-synthetic").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert '<blockquote lang="ru"><p>Сталин выиграл войну. Без него не было бы победы.</p></blockquote>' in html
    assert '<blockquote lang="en"><p>Stalin won the war.' in html
    ru = client.get("/people/anna-synthetic?lang=ru").get_data(as_text=True)
    assert '<html lang="ru">' in ru
    # the portrait exists only in English: shown in English and marked so on a Russian page
    assert '<p lang="en">A synthetic person whose family suffered' in ru
    # vocabulary labels in the interface language, from the imported vocabulary
    assert "Почитатель Сталина" in ru and "расстрелян" in ru and "История семьи" in ru
    assert "Admirer of Stalin" in html and "executed" in html


def test_the_language_switch_is_remembered_in_a_cookie(fixture_home):  # type: ignore[no-untyped-def]
    client = _app(fixture_home).test_client()
    people = client.get("/people").get_data(as_text=True)
    assert "<h1>People</h1>" in people
    assert 'href="/people?lang=ru"' in people  # the visible switch keeps the page
    response = client.get("/people?lang=ru")
    assert "lang=ru" in response.headers["Set-Cookie"]
    assert "<h1>Люди</h1>" in client.get("/themes/the-war").get_data(as_text=True).replace(
        "<h1>война</h1>", "<h1>Люди</h1>")  # any page now in Russian
    assert "<h1>Люди</h1>" in client.get("/people").get_data(as_text=True)
    client.get("/?lang=en")
    assert "<h1>People</h1>" in client.get("/people").get_data(as_text=True)


@pytest.mark.parametrize("header,expected", [("ru-RU,ru;q=0.9,en;q=0.5", "Люди"), ("en-GB,en;q=0.8", "People"),
                                             ("de-DE", "People"), (None, "People")])
def test_the_default_language_comes_from_accept_language(header, expected, fixture_home):  # type: ignore[no-untyped-def]
    headers = {"Accept-Language": header} if header else {}
    response = _app(fixture_home).test_client().get("/people", headers=headers)
    assert f"<h1>{expected}</h1>" in response.get_data(as_text=True)
    assert "Accept-Language" in response.headers["Vary"]


def test_people_filter_and_group_records(data_home):  # type: ignore[no-untyped-def]
    client = _app(data_home).test_client()
    everyone = client.get("/people").get_data(as_text=True)
    assert everyone.count('<article class="card') == len(list((DATA / "people").glob("*.yaml")))
    assert "Group record" in everyone  # the sisters, the volunteers
    critics = client.get("/people?stance=critic").get_data(as_text=True)
    assert "The volunteers" in critics and "Igor" not in critics


@pytest.mark.slow
def test_person_page_shows_stance_family_quotes_sources_and_citation(fixture_home):  # type: ignore[no-untyped-def]
    html = _app(fixture_home).test_client().get("/people/anna-synthetic").get_data(as_text=True)
    assert "Synthetic rationale." in html
    assert "00:01:05" in html and "00:01:12.500" in html  # timecodes
    assert '<table class="family">' in html and '<ol class="timeline">' in html
    # the family timeline is in date order: 1937 before 1938/1946 before 1956
    timeline = html.split('<ol class="timeline">')[1]
    assert timeline.index("1937") < timeline.index("1938–1946") < timeline.index("1956")
    assert 'href="/sources#synthetic-transcript"' in html
    assert "Anna (synthetic). In: <span lang=\"en\">Synthetic test collection</span> (2020)." in html
    assert "http://localhost/people/anna-synthetic" in html


@pytest.mark.slow
def test_perspectives_are_not_linked_where_every_passage_is_not_stated(data_home, fixture_home):  # type: ignore[no-untyped-def]
    shipped = _app(data_home).test_client()
    themes = shipped.get("/themes").get_data(as_text=True)
    linked = re.findall(r'href="/themes/([a-z0-9-]+)"', themes)
    assert linked and "/perspectives" not in themes
    for theme_id in linked:
        assert "/perspectives" not in shipped.get(f"/themes/{theme_id}").get_data(as_text=True), theme_id
        assert shipped.get(f"/themes/{theme_id}/perspectives").status_code == 200  # still there, explained
    fixture = _app(fixture_home).test_client()
    # the-war holds one passage coded admirer, the-terror passages coded critic and ambivalent
    for theme_id in ("the-war", "the-terror"):
        assert f'href="/themes/{theme_id}/perspectives"' in fixture.get("/themes").get_data(as_text=True)
        assert f'href="/themes/{theme_id}/perspectives"' in fixture.get(f"/themes/{theme_id}").get_data(as_text=True)


def test_perspectives_are_columns_in_stance_order(fixture_home):  # type: ignore[no-untyped-def]
    html = _app(fixture_home).test_client().get("/themes/the-terror/perspectives").get_data(as_text=True)
    # only the stances that hold a passage on the theme are drawn (issue #23), in stance order
    order = [html.index(f'id="col-{s}"') for s in ("ambivalent", "critic")]
    assert order == sorted(order)
    assert 'id="col-admirer"' not in html and 'id="col-not-stated"' not in html
    ambivalent = html.split('id="col-ambivalent"')[1].split('id="col-critic"')[0]
    assert "he is both hero and executioner" in ambivalent


def test_paradoxes_give_the_evidence(fixture_home):  # type: ignore[no-untyped-def]
    html = _app(fixture_home).test_client().get("/paradoxes").get_data(as_text=True)
    repressed = html.split('id="repressed-heading"')[1].split('id="opposing-heading"')[0]
    assert "Anna (synthetic)" in repressed and "executed" in repressed and "sent to a camp" in repressed
    opposing = html.split('id="opposing-heading"')[1]
    assert "Stalin won the war" in opposing and "My grandfather was shot" in opposing


def test_sources_page_lists_what_cites_each_source(fixture_home):  # type: ignore[no-untyped-def]
    html = _app(fixture_home).test_client().get("/sources").get_data(as_text=True)
    assert 'id="synthetic-transcript"' in html and 'id="synthetic-notes"' in html
    assert 'href="/people/anna-synthetic#quote-anna-victory"' in html
    assert 'href="/people/anna-synthetic#fate-anna-synthetic-grandfather-1"' in html


def _serving(home, *arguments):  # type: ignore[no-untyped-def]
    """``archive serve`` in a process of its own on a free port: (process, port, lines printed up
    to "Serving on …"); the caller stops it."""
    import os
    import socket
    import subprocess
    import sys

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "archive.cli.main", "--home", str(home), "serve",
                                "--port", str(port), *arguments], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, env={**os.environ, "ARCHIVE_SECRET_KEY": "serve-test-key-0123456789"})
    lines = []
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)
        if line.startswith("Serving on"):
            break
    return process, port, lines


def _stop(process):  # type: ignore[no-untyped-def]
    import signal

    process.send_signal(signal.SIGTERM)
    rest, _ = process.communicate(timeout=60)
    return process.returncode, rest


@pytest.mark.slow
def test_serve_imports_an_empty_archive_and_prints_the_address(tmp_path):  # type: ignore[no-untyped-def]
    from urllib.request import urlopen

    process, port, lines = _serving(tmp_path / "home", "--collection", str(FIXTURE))
    try:
        assert lines and lines[-1].strip() == f"Serving on http://127.0.0.1:{port}/", lines
        with urlopen(f"http://127.0.0.1:{port}/people/anna-synthetic", timeout=30) as answer:
            assert answer.status == 200
    finally:
        code, rest = _stop(process)
    assert code == 0 and "Stopped." in rest and "Traceback" not in "".join(lines) + rest
    archive = Archive.open(tmp_path / "home")
    try:
        assert not archive.is_empty()
    finally:
        archive.close()
    # a second start does not import again
    process, port, lines = _serving(tmp_path / "home")
    try:
        assert not any("added" in line for line in lines), lines
        assert lines[-1].strip() == f"Serving on http://127.0.0.1:{port}/", lines
    finally:
        _stop(process)
