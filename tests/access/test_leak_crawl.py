"""No leaks anywhere (issue 6): an anonymous crawler visits every route of the site over a
collection whose restricted, embargoed and pseudonymised records carry marker words
(fixtures/access/README.md) and finds none of them, nor any count that includes them; the
same crawl as a logged-in researcher finds what a researcher may read, and never a private note.

"Every route" is enumerated, not listed by hand: the crawler follows every link and every
download form, requests every rule of ``app.url_map`` with every id (withheld ones included),
every export format, every OAI-PMH verb and page, every path of the OpenAPI description, and
searches for the marker words and misspellings of them (for "did you mean").

Places and sources have a visibility of their own: a public person's embargoed place and a
restricted source that the same person's portrait cites carry marker words too
(``synthetic_withheld.WITHHELD_PLACE``, ``WITHHELD_SOURCE``); the public collection of the count
comparison is the same without them.

Export columns are crawled too: a restricted quote in a language no other quote is in
(``synthetic_withheld.WITHHELD_UKRAINIAN_QUOTE``) must not give an anonymous export a column;
the source only that quote cites must not be listed or counted (home page, sources, statistics,
Data Package).
"""

from __future__ import annotations

import io
import json
import re
import shutil
import zipfile
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
import yaml

from archive.facade import Archive
from archive.interchange.exports import FORMATS
from tests.access.synthetic_withheld import (
    WITHHELD_ONLY_SOURCE,
    WITHHELD_UKRAINIAN_QUOTE,
    add_withheld_place_and_source,
    add_withheld_ukrainian_quote,
)
from tests.support import make_access_collection
from webapp import create_app

pytestmark = pytest.mark.slow  # crawls every route of the site several times

# marker word → the least role that may read it
MARKERS = {
    "Quokkaville": "researcher",
    "Zanzibar": "researcher",
    "Vorkuta": "researcher",
    "Marmaladeov": "researcher",
    "Kestrelnikova": "researcher",
    "Кестрельникова": "researcher",
    "Tardigradeski": "researcher",
    "Wombatfeather": "archivist",
    "прихований": "researcher",  # the restricted Ukrainian quote's own word
    "Okapinsk": "researcher",  # the title of the source only that quote cites
    "Ibexandrova": "researcher",  # the real name behind a relative's pseudonym
    "Ибександрова": "researcher",
    "Pangolinsk": "researcher",  # the name of a public person's embargoed place
    "Панголинск": "researcher",
    "Narwhalograd": "researcher",  # the title of a restricted source that a public portrait cites
}
WITHHELD_PEOPLE = ["boris-synthetic", "quentin-synthetic", "tamara-synthetic"]
WITHHELD_QUOTES = ["boris-secret", "quentin-quokkaville", "tamara-tardigradeski", "anna-embargoed", "vera-embargoed",
                   WITHHELD_UKRAINIAN_QUOTE["id"]]
RESEARCHER_PASSWORD = "a long synthetic passphrase"
_TOKEN = re.compile(rb"(<resumptionToken[^>]*>)[^<]+(</resumptionToken>)")
_CSRF = re.compile(rb'name="csrf_token" value="[^"]+"')
_TIMESTAMP = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?"
                        rb"|\d{4}-\d\d-\d\d \d\d:\d\d(?::\d\d)?( UTC)?")


class _Page(HTMLParser):
    """Links and GET download forms of one page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self._form: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form" and a.get("method", "get").lower() == "get":
            self._form = {"action": a.get("action", ""), "params": []}
        elif tag == "input" and self._form is not None and a.get("name") \
                and a.get("type") in ("hidden", "search", "text"):
            self._form["params"].append((a["name"], a.get("value", "")))
        elif tag == "button" and self._form is not None:
            params = list(self._form["params"])
            if a.get("name"):
                params.append((a["name"], a.get("value", "")))
            action = a.get("formaction") or self._form["action"]
            self.links.append(action + ("?" + urlencode(params) if params else ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._form is not None:
            action, params = self._form["action"], self._form["params"]
            self.links.append(action + ("?" + urlencode(params) if params else ""))
            self._form = None


# what a browser never reads as markup (script and style text, comments), and the tags _Page reads
_NOT_MARKUP = re.compile(r"<script\b.*?</script\s*>|<style\b.*?</style\s*>|<!--.*?-->", re.S | re.I)
_LINK_TAGS = re.compile(r"""<(?:a|form|input|button)\b(?:[^>"']|"[^"]*"|'[^']*')*>|</form\s*>""", re.I)


def _links(html: str) -> list[str]:
    """The links and GET download forms of a page: ``_Page`` fed only the tags it reads (the
    same links as feeding it the whole page, without parsing every other tag and text)."""
    page = _Page()
    page.feed("".join(_LINK_TAGS.findall(_NOT_MARKUP.sub("", html))))
    page.close()
    return page.links


def _combinatorial(query: str) -> bool:
    """Facet links combine without end (every facet value toggles on every page): follow
    those with at most one filter besides the query, the language, the page and the sort
    (each filter value is then visited alone; their combinations are the facet tests' work)."""
    filters = [k for k, _ in parse_qsl(query) if k not in ("q", "lang", "page", "sort", "per_page", "within")]
    return len(filters) > 1


def _canonical(query: str) -> str:
    """One URL per distinct set of parameters: sorted, repeated pairs once."""
    return urlencode(sorted(set(parse_qsl(query, keep_blank_values=True))))


def _echoes(url: str) -> list[str]:
    """The words of a URL's path and query, longest first, as a page may quote them back."""
    from urllib.parse import unquote

    parts = re.split(r"[/?&=:.]", unquote(url))
    return sorted({p for p in parts if len(p) > 3}, key=len, reverse=True)


def _texts(body: bytes) -> Iterator[bytes]:
    """The body, or the name and content of every member when it is a zip file."""
    if body[:4] != b"PK\x03\x04":
        yield body
        return
    with zipfile.ZipFile(io.BytesIO(body)) as zipped:
        for name in zipped.namelist():
            yield name.encode() + b"\n"
            yield zipped.read(name)


class Crawler:
    def __init__(self, client: Any, headers: dict[str, str] | None = None) -> None:
        self.client = client
        self.headers = headers or {}
        self.bodies: dict[str, bytes] = {}
        self.statuses: dict[str, int] = {}
        self._searchable: tuple[Any, dict[str, str]] | None = None  # (what it was made from, texts)

    def get(self, url: str) -> Any:
        response = self.client.get(url, headers=self.headers)
        assert response.status_code != 500, f"{url} answered 500"
        body = b"".join(_texts(response.get_data()))
        self.bodies[url] = body
        self.statuses[url] = response.status_code
        return response

    def visit(self, url: str) -> None:
        """``get``, unless the crawl has the answer already (it followed a link there)."""
        if url not in self.bodies:
            self.get(url)

    def crawl(self, start: str) -> None:
        queue = [start]
        while queue:
            url = queue.pop()
            if url in self.bodies:
                continue
            response = self.get(url)
            if response.mimetype != "text/html":
                continue
            for href in _links(response.get_data(as_text=True)):
                parts = urlsplit(urljoin("http://localhost" + url, href))
                if parts.netloc != "localhost" or parts.path.startswith("/static/"):
                    continue
                query = _canonical(parts.query)
                target = parts.path + (f"?{query}" if query else "")
                if target not in self.bodies and not _combinatorial(query):
                    queue.append(target)

    def crawl_json(self, start: str) -> None:
        """Follow every same-site URL inside JSON answers (the API's links)."""
        queue = [start]
        while queue:
            url = queue.pop()
            if url in self.bodies:
                continue
            response = self.get(url)
            if response.mimetype not in ("application/json", "application/problem+json"):
                continue
            for found in re.findall(r'"(https?://localhost[^"]*|/api/[^"]*)"', response.get_data(as_text=True)):
                parts = urlsplit(found)
                query = _canonical(parts.query)
                target = parts.path + (f"?{query}" if query else "")
                if "{" not in target and target not in self.bodies and not _combinatorial(query):
                    queue.append(target)

    def found(self, word: str, ignore_echo_of: dict[str, str] | None = None) -> list[str]:
        """The URLs whose answer contains ``word`` (case-insensitive), leaving out the query a
        search URL itself typed, which the page may echo back."""
        return [url for url, text in self._texts(ignore_echo_of or {}).items() if word.lower() in text]

    def _texts(self, ignore_echo_of: dict[str, str]) -> dict[str, str]:
        """Each answer as lower-case text without the echoes ``found`` leaves out; made once for
        all the marker words (again only when the crawl or the echoes changed)."""
        made_from = (len(self.bodies), tuple(ignore_echo_of.items()))
        if self._searchable is None or self._searchable[0] != made_from:
            texts = {}
            for url, body in self.bodies.items():
                text = body.decode("utf-8", "replace")
                echo = ignore_echo_of.get(url)
                if echo:
                    text = text.replace(echo, "")
                for part in _echoes(url):  # an id the URL itself asked for may be named in its 404
                    text = text.replace(part, "")
                texts[url] = text.lower()
            self._searchable = (made_from, texts)
        return self._searchable[1]


def _ids(app: Any) -> dict[str, list[str]]:
    archive: Archive = app.extensions["archive"]
    with archive.engine.connect() as conn:
        from sqlalchemy import text

        return {
            "person_id": [r[0] for r in conn.execute(text("select id from person"))],
            "quote_id": [r[0] for r in conn.execute(text("select id from quote"))],
            "theme_id": [r[0] for r in conn.execute(text("select id from vocabulary_term where kind='theme'"))],
        }


def _visit_everything(crawler: Crawler, app: Any, ids: dict[str, list[str]] | None = None) -> dict[str, str]:
    """Every route with every id (of ``ids``, else of the app's own database) and every format;
    returns {search URL: the query it typed}."""
    ids = ids or _ids(app)
    typed: dict[str, str] = {}
    for lang in ("en", "ru"):
        crawler.crawl(f"/?lang={lang}")
    crawler.crawl_json("/api/")
    spec = crawler.client.get("/api/openapi.json").get_json()
    for path in spec["paths"]:
        names = re.findall(r"{(\w+)}", path)
        if not names:
            crawler.crawl_json("/api" + path if not path.startswith("/api") else path)
            continue
        for value in ids.get(names[0], []):
            url = re.sub(r"{\w+}", value, path)
            crawler.crawl_json("/api" + url if not url.startswith("/api") else url)
    formats = sorted(FORMATS)
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static" or rule.rule.startswith("/api"):
            continue
        args = [a for a in rule.arguments]
        choices: list[dict[str, str]] = [{}]
        for arg in args:
            values = {"person_id": ids["person_id"], "theme_id": ids["theme_id"],
                      "fmt": formats + ["vtt", "srt", "bibtex", "ris", "csl-json", "apa", "chicago"],
                      "target": [f"person:{p}" for p in ids["person_id"]] + [f"quote:{q}" for q in ids["quote_id"]]
                      + ["collection"]}.get(arg, ["x"])
            choices = [{**c, arg: v} for c in choices for v in values]
        for values in choices:
            try:
                url = rule.build(values, append_unknown=False)[1]
            except Exception:  # a value the rule's converter refuses (e.g. fmt of subtitles)
                continue
            crawler.visit(url)
    # OAI-PMH: every verb, every record, every page
    for verb in ("Identify", "ListMetadataFormats", "ListSets"):
        crawler.visit(f"/oai?verb={verb}")
    for verb in ("ListRecords", "ListIdentifiers"):
        url = f"/oai?verb={verb}&metadataPrefix=oai_dc"
        while url:
            body = crawler.get(url).get_data(as_text=True)
            token = re.search(r"<resumptionToken[^>]*>([^<]+)</resumptionToken>", body)
            url = f"/oai?verb={verb}&resumptionToken={token.group(1)}" if token else ""
    for kind, key in (("person", "person_id"), ("quote", "quote_id")):
        for record in ids[key]:
            crawler.visit(f"/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:localhost:{kind}/{record}")
    # searches for every marker, misspelt too ("did you mean"), on every surface that searches
    for word in MARKERS:
        for typed_word in (word, word.lower(), word[:-1], word[:-1] + "x", word[:5] + "*"):
            for base in ("/search", "/api/search", "/search/export.csv", "/search/export.json"):
                url = f"{base}?{urlencode({'q': typed_word})}"
                typed[url] = typed_word
                crawler.visit(url)
            url = f"/search?{urlencode({'q': typed_word, 'within': 'anna-synthetic'})}"
            typed[url] = typed_word
            crawler.visit(url)
    return typed


def _login(client: Any) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token, "the login page has a CSRF token"
    response = client.post("/login", data={"name": "rita", "password": RESEARCHER_PASSWORD,
                                           "csrf_token": token.group(1)})
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]


@pytest.fixture(scope="module")
def homes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The access collection, and the same collection with every withheld record taken out."""
    root = tmp_path_factory.mktemp("leaks")
    full = make_access_collection(root / "full")
    public = make_access_collection(root / "public")
    for collection in (full, public):
        add_withheld_ukrainian_quote(collection)
    add_withheld_place_and_source(full)
    for person in WITHHELD_PEOPLE:
        (public / "people" / f"{person}.yaml").unlink()
    for person_file in (public / "people").glob("*.yaml"):
        data = yaml.safe_load(person_file.read_text(encoding="utf-8"))
        data["quotes"] = [q for q in data.get("quotes", []) if q["id"] not in WITHHELD_QUOTES]
        data.pop("real_name", None), data.pop("real_name_native", None)
        for relative in data.get("family", []):
            relative.pop("real_name", None), relative.pop("real_name_native", None)
        person_file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    # without its one citing quote, the withheld-only source is not part of the public collection
    head = yaml.safe_load((public / "collection.yaml").read_text(encoding="utf-8"))
    head["sources"] = [s for s in head["sources"] if s["id"] != WITHHELD_ONLY_SOURCE["id"]]
    (public / "collection.yaml").write_text(yaml.safe_dump(head, allow_unicode=True, sort_keys=False),
                                            encoding="utf-8")
    made = {}
    for name, collection in (("full", full), ("public", public)):
        archive = Archive.open(root / f"home-{name}")
        archive.import_collection(collection)
        if name == "full":
            from archive.access import accounts
            accounts.add_user(archive.engine, "rita", "researcher", RESEARCHER_PASSWORD)
        archive.close()
        made[name] = root / f"home-{name}"
    shutil.rmtree(full.parent / "unused", ignore_errors=True)
    return made


def _client(home: Path) -> Any:
    app = create_app({"ARCHIVE_HOME": str(home), "TESTING": True, "SECRET_KEY": "leak-crawl-test-key",
                      "RATELIMIT_ENABLED": False, "OAI_PAGE_SIZE": 1})  # small pages: resumption tokens too
    return app, app.test_client()


@pytest.fixture(scope="module")
def anonymous(homes: dict[str, Path]) -> tuple[Crawler, dict[str, str]]:
    app, client = _client(homes["full"])
    crawler = Crawler(client)
    typed = _visit_everything(crawler, app)
    return crawler, typed


def test_the_crawl_reaches_every_kind_of_route(anonymous: tuple[Crawler, dict[str, str]]) -> None:
    crawler, _ = anonymous
    urls = list(crawler.bodies)
    for needle in ("/people/anna-synthetic", "/api/people/anna-synthetic", "/export.csv", "/export.yaml",
                   "/export.datapackage", "ohms.xml", "subtitles.vtt", "/cite/", "verb=ListRecords",
                   "verb=GetRecord", "resumptionToken=", "/themes/", "/paradoxes", "/sources", "lang=ru"):
        assert any(needle in url for url in urls), needle
    assert len(urls) > 300
    # the withheld people were asked for, and not found
    for person in WITHHELD_PEOPLE:
        assert crawler.statuses[f"/people/{person}"] == 404
        assert crawler.statuses[f"/api/people/{person}"] == 404


@pytest.mark.parametrize("marker", list(MARKERS))
def test_an_anonymous_crawl_meets_no_marker(anonymous: tuple[Crawler, dict[str, str]], marker: str) -> None:
    crawler, typed = anonymous
    assert crawler.found(marker, typed) == []


def test_anonymous_searches_for_markers_find_nothing_and_suggest_nothing(
        anonymous: tuple[Crawler, dict[str, str]]) -> None:
    crawler, typed = anonymous
    for url in typed:
        if url.startswith("/api/search"):
            body = json.loads(crawler.bodies[url])
            assert body["total"] == 0 and body["hits"] == [], url
            assert not body.get("suggestion"), (url, body.get("suggestion"))


def _csv_headers(crawler: Crawler) -> dict[str, list[str]]:
    """The first line of every CSV the crawl fetched (exports of the collection, people, themes, searches)."""
    return {url: body.decode("utf-8").lstrip("\ufeff").splitlines()[0].split(",")
            for url, body in crawler.bodies.items()
            if urlsplit(url).path.endswith(".csv") and crawler.statuses[url] == 200 and body}


def test_no_export_has_a_column_of_a_withheld_language(anonymous: tuple[Crawler, dict[str, str]]) -> None:
    crawler, _ = anonymous
    headers = _csv_headers(crawler)
    kinds = {"/export.csv", "/people/", "/themes/", "/search/export.csv"}
    assert all(any(kind in url for url in headers) for kind in kinds), sorted(headers)
    assert [url for url, header in headers.items() if "text_uk" in header] == []
    assert all("text_en" in header for header in headers.values())


def _normalised(body: bytes) -> bytes:
    """Without what differs between two runs by design: times and one-time CSRF tokens."""
    body = _TOKEN.sub(rb"\1<token>\2", body)  # an OAI-PMH resumption token carries its time
    body = re.sub(rb'resumptionToken="[^"]+"', b'resumptionToken="<token>"', body)
    body = re.sub(rb'"index_build": ?"[^"]*"', b'"index_build":"<build>"', body)  # /healthz: each home's own build
    return _CSRF.sub(b"<csrf>", _TIMESTAMP.sub(b"<time>", body))


def _url_key(url: str) -> str:
    return re.sub(r"resumptionToken=[^&]+", "resumptionToken=<token>", url)


def test_no_count_includes_a_withheld_record(homes: dict[str, Path],
                                             anonymous: tuple[Crawler, dict[str, str]]) -> None:
    """What an anonymous visitor sees of the full archive is what they would see of an archive
    from which every withheld record was removed: every page, facet count, export and feed."""
    full_crawler, _ = anonymous
    full_app, _ = _client(homes["full"])
    app, client = _client(homes["public"])
    public = Crawler(client)
    _visit_everything(public, app, ids=_ids(full_app))  # withheld ids asked for in both: 404 in both
    full = {_url_key(url): body for url, body in full_crawler.bodies.items()}
    seen = {_url_key(url): body for url, body in public.bodies.items()}
    assert set(seen) == set(full)  # the same pages are reachable
    differ = [url for url, body in seen.items() if _normalised(body) != _normalised(full[url])]
    assert len(seen) > 300
    assert differ == []


@pytest.fixture(scope="module")
def researcher(homes: dict[str, Path]) -> tuple[Crawler, dict[str, str]]:
    app, client = _client(homes["full"])
    _login(client)
    crawler = Crawler(client)
    typed = _visit_everything(crawler, app)
    return crawler, typed


@pytest.mark.parametrize("marker", [m for m, role in MARKERS.items() if role == "researcher"])
def test_a_researcher_crawl_finds_what_researchers_may_read(researcher: tuple[Crawler, dict[str, str]],
                                                            marker: str) -> None:
    crawler, typed = researcher
    assert crawler.found(marker, typed), marker


def test_a_researchers_exports_have_the_column_of_what_they_may_see(
        researcher: tuple[Crawler, dict[str, str]]) -> None:
    crawler, _ = researcher
    headers = _csv_headers(crawler)
    assert "text_uk" in headers["/export.csv"]
    assert "text_uk" in headers["/people/vera-synthetic/export.csv"]


def test_a_researcher_never_meets_a_private_note(researcher: tuple[Crawler, dict[str, str]]) -> None:
    crawler, typed = researcher
    assert crawler.found("Wombatfeather", typed) == []


def test_a_bearer_token_sees_what_its_researcher_sees(homes: dict[str, Path]) -> None:
    from archive.access import accounts
    app, client = _client(homes["full"])
    with app.app_context():
        token = accounts.issue_token(app.extensions["archive"].engine, "rita")
    anonymous = client.get("/api/search?q=Quokkaville").get_json()
    assert anonymous["total"] == 0
    seen = client.get("/api/search?q=Quokkaville", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert seen["total"] >= 1
