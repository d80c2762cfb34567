"""The page cache (webapp/page_cache.py): shared pages answered from memory, never across an
import, a role, a language, a host or an account; conditional GETs; the byte budget.

A real archive of the synthetic fixture collection (``boris-synthetic`` is restricted) imported
into a temporary home; imports made by a second ``Archive``, as ``archive import`` in another
process would."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from flask import Flask

from archive.access import accounts
from archive.catalogue import read_cache
from archive.facade import Archive
from webapp import create_app
from webapp.i18n import compile_catalogues
from webapp.page_cache import HEADER

PASSWORD = "correct horse battery"
PERSON = "/people/anna-synthetic"
RESTRICTED_WORDS = ("boris-synthetic", "Boris (synthetic)")


@pytest.fixture(scope="module", autouse=True)
def _catalogues() -> None:
    compile_catalogues()


@pytest.fixture
def home(tmp_path: Path, fixture_collection: Path) -> Path:
    home = tmp_path / "home"
    archive = Archive.open(home)
    try:
        archive.import_collection(fixture_collection)
        accounts.add_user(archive.engine, "vera", "researcher", PASSWORD)
    finally:
        archive.close()
    read_cache.clear()
    return home


@pytest.fixture
def app(home: Path) -> Iterator[Flask]:
    made = create_app({"ARCHIVE_HOME": str(home), "TESTING": True})
    yield made
    made.extensions["archive"].close()


def _rename(collection: Path, home: Path, name: str) -> None:
    path = collection / "people" / "anna-synthetic.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["name"] = name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    other = Archive.open(home)
    try:
        other.import_collection(collection)
    finally:
        other.close()


@pytest.mark.slow
def test_a_shared_page_is_made_once_then_answered_from_memory(app: Flask) -> None:
    client = app.test_client()
    first = client.get(PERSON)
    second = client.get(PERSON)
    assert first.status_code == second.status_code == 200
    assert first.headers[HEADER] == "miss" and second.headers[HEADER] == "hit"
    assert first.get_data() == second.get_data()
    for name in ("Content-Type", "ETag", "Cache-Control", "Content-Security-Policy", "X-Frame-Options"):
        assert first.headers.get(name) == second.headers.get(name), name
    assert second.headers["Cache-Control"] == "no-cache"
    assert "Cookie" in second.headers["Vary"] and "Accept-Language" in second.headers["Vary"]
    assert app.extensions["page_cache"].bytes >= len(first.get_data())


@pytest.mark.slow
def test_a_matching_etag_is_a_bodiless_304_and_a_stale_one_the_page(app: Flask) -> None:
    client = app.test_client()
    etag = client.get(PERSON).headers["ETag"]
    for _ in range(2):  # on the miss that stored it and on a hit
        again = client.get(PERSON, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.get_data() == b""
    other = client.get(PERSON, headers={"If-None-Match": '"not-this-page"'})
    assert other.status_code == 200 and other.get_data()


@pytest.mark.slow
def test_an_import_is_seen_by_the_next_request(app: Flask, fixture_collection: Path, home: Path) -> None:
    client = app.test_client()
    before = client.get(PERSON)
    assert client.get(PERSON).headers[HEADER] == "hit"
    _rename(fixture_collection, home, "Anna (renamed for the page cache, synthetic)")
    after = client.get(PERSON)
    assert after.headers[HEADER] == "miss"
    assert "Anna (renamed for the page cache, synthetic)" in after.get_data(as_text=True)
    assert after.headers["ETag"] != before.headers["ETag"]
    # the browser's copy of the old page is no longer "not modified"
    assert client.get(PERSON, headers={"If-None-Match": before.headers["ETag"]}).status_code == 200
    # the pages of the old data version are gone from memory
    versions = {key[1] for key, _ in app.extensions["page_cache"].items()}
    assert len(versions) == 1


@pytest.mark.slow
def test_a_logged_in_researcher_neither_gets_nor_leaves_shared_pages(app: Flask) -> None:
    anonymous, researcher = app.test_client(), app.test_client()
    assert anonymous.get("/people").headers[HEADER] == "miss"
    html = researcher.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    login = researcher.post("/login", data={"name": "vera", "password": PASSWORD, "csrf_token": token})
    assert login.status_code == 303
    page = researcher.get("/people")
    assert HEADER not in page.headers  # not even looked up
    text = page.get_data(as_text=True)
    assert "boris-synthetic" in text and "vera" in text and "csrf_token" in text
    assert "private" in page.headers["Cache-Control"]
    public = anonymous.get("/people")
    assert public.headers[HEADER] == "hit"
    assert not any(word in public.get_data(as_text=True) for word in RESTRICTED_WORDS)
    # a bearer token is an account too
    with app.app_context():
        secret = accounts.issue_token(app.extensions["archive"].engine, "vera")
    by_token = app.test_client().get("/people", headers={"Authorization": f"Bearer {secret}"})
    assert HEADER not in by_token.headers and "boris-synthetic" in by_token.get_data(as_text=True)


@pytest.mark.slow
def test_the_role_the_language_and_the_host_are_in_the_key(home: Path) -> None:
    public = create_app({"ARCHIVE_HOME": str(home), "TESTING": True})
    reading_room = create_app({"ARCHIVE_HOME": str(home), "TESTING": True, "ARCHIVE_VIEWER": "researcher"})
    try:
        client = public.test_client()
        english = client.get("/people", headers={"Accept-Language": "en"})
        russian = client.get("/people", headers={"Accept-Language": "ru"})
        assert english.headers[HEADER] == russian.headers[HEADER] == "miss"
        assert 'lang="ru"' in russian.get_data(as_text=True) and english.get_data() != russian.get_data()
        assert client.get("/people", headers={"Accept-Language": "ru"}).get_data() == russian.get_data()
        other_host = client.get(PERSON, base_url="http://archive.example.org")
        assert other_host.headers[HEADER] == "miss"
        assert "http://archive.example.org/people/anna-synthetic" in other_host.get_data(as_text=True)
        assert "http://localhost/people/anna-synthetic" in client.get(PERSON).get_data(as_text=True)
        # a deployment that shows researchers everything keys its pages by that role
        assert "boris-synthetic" in reading_room.test_client().get("/people").get_data(as_text=True)
        assert not any(w in client.get("/people").get_data(as_text=True) for w in RESTRICTED_WORDS)
    finally:
        public.extensions["archive"].close()
        reading_room.extensions["archive"].close()


@pytest.mark.slow
def test_forms_with_tokens_errors_downloads_and_unmarked_views_are_never_kept(app: Flask) -> None:
    client = app.test_client()
    for path in ("/login", "/people/nobody-here", "/search?page=abc", "/api/people", "/oai?verb=Identify",
                 "/people/anna-synthetic/export.csv"):
        for _ in range(2):
            answer = client.get(path)
            answer.get_data()  # a streamed download ends its request context once read
            assert answer.headers.get(HEADER) != "hit", path
    assert client.get("/people/nobody-here").status_code == 404 and client.get("/search?page=abc").status_code == 400
    login_tokens = {re.search(r'name="csrf_token" value="([^"]+)"',  # type: ignore[union-attr]
                              app.test_client().get("/login").get_data(as_text=True)).group(1) for _ in range(2)}
    assert len(login_tokens) == 2  # each visitor's own session, own token


@pytest.mark.slow
def test_the_byte_budget_bounds_the_cache_and_zero_turns_it_off(home: Path) -> None:
    small = create_app({"ARCHIVE_HOME": str(home), "TESTING": True, "PAGE_CACHE_BYTES": 30_000})
    off = create_app({"ARCHIVE_HOME": str(home), "TESTING": True, "PAGE_CACHE_BYTES": 0})
    try:
        client = small.test_client()
        for path in ("/", "/people", PERSON, "/sources", "/themes", "/search?q=camp"):
            assert client.get(path).status_code == 200
        pages = small.extensions["page_cache"]
        assert 0 < pages.bytes <= 30_000 and len(pages) < 6
        assert client.get("/search?q=camp").headers[HEADER] == "hit"  # the most recent stays
        plain = off.test_client()
        assert HEADER not in plain.get(PERSON).headers and HEADER not in plain.get(PERSON).headers
        assert len(off.extensions["page_cache"]) == 0
    finally:
        small.extensions["archive"].close()
        off.extensions["archive"].close()


def test_the_byte_bounded_lru_drops_the_least_recently_used() -> None:
    cache = read_cache.ReadCache(max_entries=100, max_bytes=10, size=len)
    cache.put("a", "xxxx")
    cache.put("b", "yyyy")
    assert cache.get("a") == (True, "xxxx")
    cache.put("c", "zzzz")  # 12 > 10: b, the least recently used, goes
    assert cache.get("b") == (False, None) and cache.bytes == 8
    cache.put("c", "zz")  # replacing an entry re-weighs it
    assert cache.bytes == 6
    cache.put("huge", "h" * 11)  # larger than the whole budget: not kept, nothing dropped
    assert cache.get("huge") == (False, None) and len(cache) == 2
    cache.clear()
    assert cache.bytes == 0 and len(cache) == 0
