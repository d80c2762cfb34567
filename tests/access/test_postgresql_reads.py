"""Every read path on SQLite and on PostgreSQL: the same pages, the same withholding.

The access collection (public, restricted, embargoed and pseudonymised records carrying marker
words: fixtures/access/README.md, plus a restricted quote in a language no other quote is in) is
imported once per module into each database. The site over each is then read as an anonymous
visitor and as a researcher: by a researcher's login (its session kept in the database) and by
an API token. Pages, the API, exports and OAI-PMH answer the same on both databases, and what a
viewer may not see stays withheld on both. Real servers: an SQLite file and a throw-away
PostgreSQL cluster (``tests/postgres_server.py``).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from archive.access import accounts
from archive.facade import Archive
from archive.search.request import SearchRequest
from tests.access.synthetic_withheld import add_withheld_ukrainian_quote
from tests.postgres_server import DATABASES, archive_database_url
from tests.support import make_access_collection
from webapp import create_app

pytestmark = pytest.mark.slow  # every page on two databases

RESEARCHER, PASSWORD = "rita", "a long synthetic passphrase"
WITHHELD_PEOPLE = ("boris-synthetic", "quentin-synthetic", "tamara-synthetic")
SEARCHED_MARKERS = ("Quokkaville", "Zanzibar", "Marmaladeov", "Tardigradeski")  # words of withheld records
REAL_NAME = "Kestrelnikova"  # behind a pseudonym: researchers read it on the person's page
_TIMESTAMP = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?"
                        rb"|\d{4}-\d\d-\d\d \d\d:\d\d(?::\d\d)?( UTC)?")
_TOKEN = re.compile(rb"(<resumptionToken[^>]*>)[^<]+(</resumptionToken>)")
_CSRF = re.compile(rb'name="csrf_token" value="[^"]+"')


@pytest.fixture(scope="module")
def homes(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> dict[str, tuple[Path, str]]:
    """{database: (home, database URL)}, each holding the access collection and the researcher."""
    root = tmp_path_factory.mktemp("both-databases")
    collection = make_access_collection(root / "collection")
    add_withheld_ukrainian_quote(collection)
    made = {}
    for kind in DATABASES:
        home = root / f"home-{kind}"
        url = archive_database_url(kind, home, request)
        archive = Archive.open(home, url)
        try:
            archive.import_collection(collection)
            accounts.add_user(archive.engine, RESEARCHER, "researcher", PASSWORD)
        finally:
            archive.close()
        made[kind] = (home, url)
    return made


def _client(home: Path, url: str) -> Any:
    app = create_app({"ARCHIVE_HOME": str(home), "DATABASE_URL": url, "TESTING": True, "RATELIMIT_ENABLED": False,
                      "SECRET_KEY": "both-databases-test-key-0123456789", "OAI_PAGE_SIZE": 2})
    return app, app.test_client()


@pytest.fixture(scope="module")
def sites(homes: dict[str, tuple[Path, str]]) -> Iterator[dict[str, tuple[Any, Any]]]:
    made = {kind: _client(*homes[kind]) for kind in DATABASES}
    yield made
    for app, _test_client in made.values():
        app.extensions["archive"].close()


@pytest.fixture(scope="module")
def tokens(sites: dict[str, tuple[Any, Any]]) -> dict[str, str]:
    """An API token of the researcher on each database."""
    return {kind: accounts.issue_token(app.extensions["archive"].engine, RESEARCHER)
            for kind, (app, _client_) in sites.items()}


_INTERVIEW = re.compile(r'href="(/interviews/[^"?#]+)"')


def _addresses(client: Any, headers: dict[str, str]) -> list[str]:
    """What to read: the home, list and search pages, the API, the collection's exports and OAI-PMH's
    lists; then each person's page, API answer and export, and the interviews their page links to;
    each theme's page; in both languages where the page has two."""
    fixed = ["/", "/?lang=ru", "/people", "/themes", "/sources", "/paradoxes", "/search?q=war",
             "/search?q=Stalin&lang=ru", "/api/people", "/api/quotes", "/api/themes", "/api/search?q=war",
             "/export.csv", "/export.yaml", "/oai?verb=ListRecords&metadataPrefix=oai_dc",
             "/oai?verb=ListIdentifiers&metadataPrefix=oai_qdc", "/oai?verb=ListSets"]
    people = [item["id"] for item in client.get("/api/people?per_page=100", headers=headers).get_json()["items"]]
    themes = [item["id"] for item in client.get("/api/themes", headers=headers).get_json()["items"]][:6]
    found = list(fixed)
    for person in people:
        page = client.get(f"/people/{person}", headers=headers).get_data(as_text=True)
        found += [f"/people/{person}", f"/people/{person}?lang=ru", f"/api/people/{person}",
                  f"/people/{person}/export.csv", f"/oai?verb=GetRecord&metadataPrefix=oai_dc"
                  f"&identifier=oai:localhost:person/{person}"]
        found += sorted(set(_INTERVIEW.findall(page)))
    found += [f"/themes/{theme}" for theme in themes]
    return found


def _read(client: Any, url: str, headers: dict[str, str]) -> bytes:
    response = client.get(url, headers=headers)
    return b"%d " % response.status_code + response.get_data()


def _normalised(body: bytes) -> bytes:
    """Without what differs between two imports by design: their times, one-time CSRF tokens; a
    ZIP archive (an export) as its files' names and contents, without the times of its entries."""
    status, _, content = body.partition(b" ")
    if content.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            body = status + b"".join(b"\n== %s\n" % name.encode() + archive.read(name) for name in archive.namelist())
    body = _TOKEN.sub(rb"\1<token>\2", body)
    return _CSRF.sub(b"<csrf>", _TIMESTAMP.sub(b"<time>", body))


@pytest.mark.parametrize("viewer", ["anonymous", "researcher"])
def test_every_page_reads_the_same_on_both_databases(sites: dict[str, tuple[Any, Any]], tokens: dict[str, str],
                                                     viewer: str) -> None:
    """The site over SQLite and over PostgreSQL: every kind of page, API answer, export and OAI-PMH
    answer is the same (the researcher's through their API token)."""
    def headers(kind: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[kind]}"} if viewer == "researcher" else {}

    addresses = _addresses(sites["sqlite"][1], headers("sqlite"))
    assert _addresses(sites["postgresql"][1], headers("postgresql")) == addresses
    kinds = ("/people/", "/interviews/", "/api/people/", "/export.csv", "verb=GetRecord")
    assert all(any(kind in url for url in addresses) for kind in kinds), addresses
    differ = [url for url in addresses if _normalised(_read(sites["sqlite"][1], url, headers("sqlite")))
              != _normalised(_read(sites["postgresql"][1], url, headers("postgresql")))]
    assert differ == []


@pytest.mark.parametrize("kind", DATABASES)
def test_withheld_records_stay_withheld_from_an_anonymous_visitor(sites: dict[str, tuple[Any, Any]],
                                                                  kind: str) -> None:
    app, client = sites[kind]
    for person in WITHHELD_PEOPLE:
        assert client.get(f"/people/{person}").status_code == 404
        assert client.get(f"/api/people/{person}").status_code == 404
    for marker in SEARCHED_MARKERS:
        assert client.get(f"/api/search?q={marker}").get_json()["total"] == 0, marker
    assert REAL_NAME not in client.get("/people/vera-synthetic").get_data(as_text=True)
    export = client.get("/export.csv").get_data(as_text=True)
    assert "text_uk" not in export.splitlines()[0]
    assert not any(marker in export for marker in (*SEARCHED_MARKERS, REAL_NAME))
    harvested = client.get("/oai?verb=ListIdentifiers&metadataPrefix=oai_dc").get_data(as_text=True)
    assert "person/anna-synthetic" in harvested
    assert not any(f"person/{person}" in harvested for person in WITHHELD_PEOPLE)
    archive = app.extensions["archive"]
    assert archive.search(SearchRequest(query="Quokkaville")).total == 0


@pytest.mark.parametrize("kind", DATABASES)
def test_a_researcher_reads_what_researchers_may_by_login_and_by_token(sites: dict[str, tuple[Any, Any]],
                                                                        tokens: dict[str, str], kind: str) -> None:
    app, client = sites[kind]
    bearer = {"Authorization": f"Bearer {tokens[kind]}"}
    assert client.get("/people/boris-synthetic", headers=bearer).status_code == 200
    for marker in SEARCHED_MARKERS:
        assert client.get(f"/api/search?q={marker}", headers=bearer).get_json()["total"] >= 1, marker
    assert REAL_NAME in client.get("/people/vera-synthetic", headers=bearer).get_data(as_text=True)
    assert "text_uk" in client.get("/export.csv", headers=bearer).get_data(as_text=True).splitlines()[0]
    assert "Wombatfeather" not in client.get("/export.csv", headers=bearer).get_data(as_text=True)  # archivists only

    session = app.test_client()
    page = session.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert csrf
    assert session.post("/login", data={"name": RESEARCHER, "password": "not the password",
                                        "csrf_token": csrf.group(1)}).status_code not in (302, 303)
    assert session.post("/login", data={"name": RESEARCHER, "password": PASSWORD,
                                        "csrf_token": csrf.group(1)}).status_code in (302, 303)
    assert "Quokkaville" in session.get("/search?q=Quokkaville").get_data(as_text=True)
    assert session.get("/people/boris-synthetic").status_code == 200


@pytest.mark.parametrize("kind", DATABASES)
def test_a_revoked_token_reads_as_anonymous(homes: dict[str, tuple[Path, str]], kind: str) -> None:
    app, client = _client(*homes[kind])
    try:
        engine = app.extensions["archive"].engine
        token = accounts.issue_token(engine, RESEARCHER)
        bearer = {"Authorization": f"Bearer {token}"}
        assert client.get("/people/boris-synthetic", headers=bearer).status_code == 200
        issued = [info for info in accounts.list_tokens(engine, RESEARCHER) if token.startswith(info.prefix)]
        assert len(issued) == 1
        # stored in UTC, whatever the database server's own time zone (the test cluster's is far from UTC)
        assert abs(issued[0].created.replace(tzinfo=dt.timezone.utc) - dt.datetime.now(dt.timezone.utc)) \
            < dt.timedelta(minutes=5)
        accounts.revoke_token(engine, token)
        assert client.get("/people/boris-synthetic", headers=bearer).status_code in (401, 404)
    finally:
        app.extensions["archive"].close()


def _headers(archive: Archive, base: str) -> dict[str, str | None]:
    """OAI-PMH's ListIdentifiers: {identifier: status} ("deleted" for a tombstone)."""
    from lxml import etree

    from archive.interchange import oai_pmh

    status, body = oai_pmh.handle(archive, [("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc")], base)
    assert status == 200
    namespaces = {"o": oai_pmh.OAI_NS}
    return {header.findtext("o:identifier", namespaces=namespaces): header.get("status")
            for header in etree.fromstring(body).iterfind(".//o:header", namespaces)}


def test_the_change_log_tells_harvesters_of_a_withdrawn_record(tmp_path: Path, database_url: str,
                                                               fixture_collection: Path) -> None:
    """The change log OAI-PMH reads, on each database: a public person removed stays as a deleted
    record; a restricted one removed leaves no trace."""
    base = "http://archive.example.org/"
    carl = fixture_collection / "people" / "carl-synthetic.yaml"
    text = (fixture_collection / "people" / "boris-synthetic.yaml").read_text(encoding="utf-8")
    carl.write_text(text.replace("id: boris-synthetic", "id: carl-synthetic").replace("id: boris-secret", "id: carl-q")
                    .replace("status: restricted", "status: public"), encoding="utf-8")
    archive = Archive.open(tmp_path / "home", database_url)
    try:
        archive.import_collection(fixture_collection)
        anna, carl_id = "oai:archive.example.org:person/anna-synthetic", "oai:archive.example.org:person/carl-synthetic"
        assert _headers(archive, base) == {anna: None, carl_id: None}
        carl.unlink()
        (fixture_collection / "people" / "boris-synthetic.yaml").unlink()
        archive.import_collection(fixture_collection)
        assert _headers(archive, base) == {anna: None, carl_id: "deleted"}
    finally:
        archive.close()


def test_the_archive_changed_when_its_last_import_committed(tmp_path: Path, database_url: str,
                                                          fixture_collection: Path) -> None:
    """The moment OAI-PMH gives as the archive's last change is the last import's, on each
    database (an SQLite file's time of writing; PostgreSQL's index state row), not a day boundary."""
    import datetime as dt

    from archive.interchange import oai_pmh

    archive = Archive.open(tmp_path / "home", database_url)
    try:
        before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        archive.import_collection(fixture_collection)
        after = dt.datetime.now(dt.timezone.utc)
        later = after + dt.timedelta(days=3)
        assert before - dt.timedelta(seconds=1) <= oai_pmh.archive_stamp(archive.engine, later) <= after
    finally:
        archive.close()
