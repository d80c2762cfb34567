"""The read cache (archive/catalogue/read_cache.py): derived data kept per data version, role and day.

What must hold: the next read after an import sees the new data (also an import that keeps
the index build: only the collection record or a source changed); what one viewer may see
never reaches another viewer's entry; an embargo that ends today is seen today; an answer
computed while an import commits is not kept; the cache is bounded. And the shortcuts the
person page takes because of it give what the long way gives.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import time
from pathlib import Path

import pytest
import yaml

from archive.access.visibility import ANONYMOUS, Viewer, quote_clause, viewer_for
from archive.catalogue import collection as collection_pages
from archive.catalogue import common, read_cache
from archive.catalogue import people as people_pages
from archive.catalogue import sources as source_pages
from archive.catalogue.result_sets import load_quotes
from archive.facade import Archive
from archive.interchange import citations
from archive.search import index_state
from webapp import create_app

RESEARCHER = viewer_for("researcher")
WITHHELD = ("boris", "Boris", "anna-embargoed", "A synthetic passage under embargo", "Zanzibar")


@pytest.fixture(autouse=True)
def _empty_cache():  # type: ignore[no-untyped-def]
    read_cache.clear()
    yield
    read_cache.clear()


@pytest.fixture
def collection(fixture_collection: Path) -> Path:
    """A writable copy of the fixture collection (conftest's), under the name these tests use."""
    return fixture_collection


@pytest.fixture
def imported(tmp_path: Path, collection: Path):  # type: ignore[no-untyped-def]
    archive = Archive.open(tmp_path / "home")
    archive.import_collection(collection)
    yield archive
    archive.close()


def _edit_yaml(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _add_quote(collection: Path, quote_id: str = "anna-added") -> None:
    _edit_yaml(collection / "people" / "anna-synthetic.yaml", lambda person: person["quotes"].append({
        "id": quote_id, "text": {"en": "A synthetic quote added by the cache test."},
        "original_language": "en", "themes": ["the-war"], "stance": "admirer", "source": "synthetic-notes",
    }))


# --- the data version --------------------------------------------------------------------------------


def test_every_import_moves_the_data_version(imported: Archive, collection: Path) -> None:
    first = read_cache.data_version(imported.engine)
    assert first[0] and first[1] == 1
    imported.import_collection(collection)  # nothing changed: the build stays, the version still moves
    second = read_cache.data_version(imported.engine)
    assert second[0] == first[0] and second[1] == 2
    with imported.engine.connect() as conn:
        assert index_state.data_version(conn) == second


def test_an_empty_archive_is_not_cached(archive: Archive) -> None:
    assert read_cache.data_version(archive.engine) == (None, None)
    assert archive.stats().people == 0 and archive.stats().people == 0
    assert read_cache.entries() == []


# --- after an import, the new data ---------------------------------------------------------------------


@pytest.mark.slow
def test_stats_are_cached_and_change_with_an_import(imported: Archive, collection: Path) -> None:
    before = imported.stats()
    assert imported.stats() is before  # the second read is the cached answer
    assert read_cache.stats().hits >= 1
    _add_quote(collection)
    imported.import_collection(collection)
    after = imported.stats()
    assert after.quotes == before.quotes + 1
    assert after.quotes_by_theme["the-war"] == before.quotes_by_theme.get("the-war", 0) + 1
    assert after.quotes_by_stance["admirer"] == before.quotes_by_stance.get("admirer", 0) + 1


@pytest.mark.slow
def test_an_import_from_another_process_is_seen_by_the_next_request(imported: Archive, collection: Path) -> None:
    home = imported.settings.home
    app = create_app({"ARCHIVE_HOME": str(home), "TESTING": True})
    client = app.test_client()
    assert client.get("/").status_code == 200
    names_before = common.display_names(imported.engine, ANONYMOUS)["person"]
    assert "anna-synthetic" in names_before

    # another Archive (another engine, as `archive import` in another process) imports an edit
    _add_quote(collection)
    _edit_yaml(collection / "people" / "anna-synthetic.yaml", lambda p: p.update(name="Anna (renamed, synthetic)"))
    other = Archive.open(home)
    try:
        other.import_collection(collection)
    finally:
        other.close()

    page = client.get("/people/anna-synthetic").get_data(as_text=True)
    assert "Anna (renamed, synthetic)" in page and "A synthetic quote added by the cache test." in page
    served = app.extensions["archive"]
    assert common.display_names(served.engine, ANONYMOUS)["person"]["anna-synthetic"] == "Anna (renamed, synthetic)"
    assert served.stats().quotes == imported.stats().quotes
    search = client.get("/search?q=synthetic").get_data(as_text=True)
    assert "Anna (renamed, synthetic)" in search


def test_an_import_that_keeps_the_index_build_is_seen_too(imported: Archive, collection: Path) -> None:
    """Only the collection record and a source title change: no person is re-indexed, the
    build's name stays, and the data version alone says the data changed."""
    info = collection_pages.collection_info(imported.engine)
    assert info is not None and collection_pages.collection_info(imported.engine) is info
    build = read_cache.data_version(imported.engine)[0]

    def edit(data):  # type: ignore[no-untyped-def]
        data["collection"]["title"] = "Synthetic test collection, retitled"
        data["sources"][1]["title"] = "Synthetic field notes, retitled"

    _edit_yaml(collection / "collection.yaml", edit)
    imported.import_collection(collection)
    assert read_cache.data_version(imported.engine)[0] == build  # the same build …
    info = collection_pages.collection_info(imported.engine)
    assert info is not None and info.title == "Synthetic test collection, retitled"  # … and the new data
    assert common.display_names(imported.engine, ANONYMOUS)["source"]["synthetic-notes"] == \
        "Synthetic field notes, retitled"
    assert collection_pages.home(imported.engine, ANONYMOUS).collection.title == "Synthetic test collection, retitled"


@pytest.mark.slow
def test_old_versions_are_dropped_when_the_data_moves(imported: Archive, collection: Path) -> None:
    imported.stats()
    common.vocabulary(imported.engine)
    old = read_cache.data_version(imported.engine)
    imported.import_collection(collection)
    imported.stats()
    assert {key[1] for key, _ in read_cache.entries()} == {read_cache.data_version(imported.engine)} != {old}


# --- who sees what ----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_restricted_record_never_enters_an_anonymous_entry(imported: Archive) -> None:
    # the researcher first, so that a key without the role would hand their answer to the public
    for viewer in (RESEARCHER, ANONYMOUS, RESEARCHER, ANONYMOUS):
        collection_pages.home(imported.engine, viewer)
        common.display_names(imported.engine, viewer)
        people_pages.people(imported.engine, viewer)
        source_pages.sources_page(imported.engine, viewer)
        imported.stats(viewer)
    researcher_names = common.display_names(imported.engine, RESEARCHER)["person"]
    public_names = common.display_names(imported.engine, ANONYMOUS)["person"]
    assert "boris-synthetic" in researcher_names and "boris-synthetic" not in public_names
    assert imported.stats(RESEARCHER).people == imported.stats(ANONYMOUS).people + 1
    anonymous = [(key, value) for key, value in read_cache.entries() if "anonymous" in repr(key[3])]
    assert anonymous
    for key, value in anonymous:
        assert not any(word in repr(value) for word in WITHHELD), key
    researcher = [value for key, value in read_cache.entries() if "researcher" in repr(key[3])]
    assert any("boris-synthetic" in repr(value) for value in researcher)


def test_the_day_is_in_the_key_of_what_an_embargo_hides(imported: Archive) -> None:
    """anna-embargoed is under embargo until 2999-01-01: hidden the day before, shown that day."""
    before = Viewer("anonymous", dt.date(2998, 12, 31))
    after = Viewer("anonymous", dt.date(2999, 1, 1))
    assert imported.stats(after).quotes == imported.stats(before).quotes + 1
    assert imported.stats(before).quotes == imported.stats(ANONYMOUS).quotes
    # the researcher's answer does not depend on the day
    assert read_cache.visibility_key(RESEARCHER) == read_cache.visibility_key(
        viewer_for("researcher", dt.date(1999, 1, 1)))


@pytest.mark.slow
def test_the_web_site_shows_the_role_its_request_has(tmp_path: Path, collection: Path) -> None:
    home = tmp_path / "home"
    archive = Archive.open(home)
    archive.import_collection(collection)
    archive.close()
    researcher = create_app({"ARCHIVE_HOME": str(home), "TESTING": True, "ARCHIVE_VIEWER": "researcher"})
    public = create_app({"ARCHIVE_HOME": str(home), "TESTING": True})
    assert "boris-synthetic" in researcher.test_client().get("/people").get_data(as_text=True)
    for path in ("/", "/people", "/search?q=synthetic", "/sources"):
        text = public.test_client().get(path).get_data(as_text=True)
        assert not any(word in text for word in ("boris-synthetic", "Boris (synthetic)", "Zanzibar")), path


# --- the cache itself ---------------------------------------------------------------------------------------


def test_an_answer_computed_while_an_import_commits_is_not_kept(imported: Archive,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # read before computing, read after: an import committed in between the first time only
    versions = itertools.chain([("build-a", 1)], itertools.repeat(("build-a", 2)))
    monkeypatch.setattr(read_cache, "data_version", lambda engine: next(versions))
    calls = []
    assert read_cache.cached(imported.engine, "test", None, lambda: calls.append(1) or "mixed") == "mixed"
    assert read_cache.entries() == [] and read_cache.stats().discarded == 1
    assert read_cache.cached(imported.engine, "test", None, lambda: calls.append(1) or "new") == "new"
    assert read_cache.cached(imported.engine, "test", None, lambda: calls.append(1) or "unused") == "new"
    assert len(calls) == 2


def test_the_cache_is_a_bounded_lru() -> None:
    cache = read_cache.ReadCache(max_entries=2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == (True, 1)  # a is now the most recently used
    cache.put("c", 3)
    assert cache.get("b") == (False, None) and cache.get("a") == (True, 1) and cache.get("c") == (True, 3)
    assert len(cache) == 2


# --- the person page's shortcuts give what the long way gives -------------------------------------------------


@pytest.mark.slow
def test_loading_quotes_by_id_applies_the_visibility_rule(imported: Archive) -> None:
    from sqlalchemy import select

    from archive.store import models
    Q, P = models.Quote, models.Person
    with imported.engine.connect() as conn:
        every = list(conn.scalars(select(Q.id).order_by(Q.id)))
    for viewer in (ANONYMOUS, RESEARCHER, Viewer("anonymous", dt.date(2999, 1, 1))):
        with imported.engine.connect() as conn:
            expected = set(conn.scalars(select(Q.id).join(P, Q.person_id == P.id).where(quote_clause(viewer, Q, P))))
        assert {q.id for q in load_quotes(imported, every, viewer)} == expected
        assert [q.id for q in load_quotes(imported, every, viewer)] == [i for i in every if i in expected]


@pytest.mark.slow
def test_the_subtitle_menu_from_the_page_quotes_is_the_long_ways(imported: Archive) -> None:
    from webapp.views import exports

    app = create_app({"ARCHIVE_HOME": str(imported.settings.home), "TESTING": True})
    for role in ("anonymous", "researcher"):
        viewer = viewer_for(role)
        for person_id in common.display_names(imported.engine, viewer)["person"]:
            with app.test_request_context(f"/people/{person_id}"):
                from flask import g

                g.viewer = viewer
                detail = people_pages.person(imported.engine, viewer, person_id)
                assert exports._subtitle_groups(person_id, detail.quotes) == exports._subtitle_groups(person_id)


@pytest.mark.slow
def test_a_cached_citation_style_renders_as_a_fresh_one() -> None:
    from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter

    def fresh(data: citations.CitationData, style: str) -> str:
        bibliography = CitationStylesBibliography(
            citations.parse_style(citations.STYLES[style]), citations.csl_source(data, style), formatter.plain)
        bibliography.register(Citation([CitationItem(data.key.lower())]))
        return citations.finish("\n".join(str(entry) for entry in bibliography.bibliography()), style)

    # every kind with every form of date; the other choices vary across them, so each value of
    # each (and each pair of authors, interviewers and pseudonym) is met at least once
    authors_choices = (["Ivan (synthetic)"], ["The sisters"])
    interviewers_choices: tuple[list[str], ...] = ([], ["Test Suite", "Second Interviewer"])
    cases = [(kind, authors_choices[n % 2], interviewers_choices[n // 2 % 2], issued, bool(n // 4 % 2))
             for n, (kind, issued) in enumerate(itertools.product(("person", "quote", "collection"),
                                                                  (None, "1995", "1995-05-03", "1990/1995")))]
    for n, (kind, authors, interviewers, issued, pseudonym) in enumerate(cases):
        data = citations.CitationData(
            key=f"synthetic:{kind}-{n}", kind=kind, title="Testimony of “someone” & co", url="https://example.org/p",
            accessed=dt.date(2026, 1, 2), collection_title="Synthetic", collection_id="synthetic",
            authors=authors if kind != "collection" else [], interviewers=interviewers,
            directors=["A Director"] if kind == "collection" else [], issued=issued, language="ru",
            pseudonym=pseudonym)
        for style in citations.STYLES:
            assert citations.render_style(data, style) == fresh(data, style), (style, data)


@pytest.mark.slow
def test_a_request_reads_the_data_version_once(imported: Archive, collection: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    reads = []
    real = read_cache.data_version

    def counted(engine):  # type: ignore[no-untyped-def]
        reads.append(1)
        return real(engine)

    monkeypatch.setattr(read_cache, "data_version", counted)
    client = create_app({"ARCHIVE_HOME": str(imported.settings.home), "TESTING": True}).test_client()
    for path in ("/", "/people/anna-synthetic", "/search?q=synthetic", "/people/anna-synthetic/export.csv"):
        client.get(path).get_data()  # fills the cache
        reads.clear()
        assert client.get(path).status_code == 200
        assert len(reads) == 1, path
    assert read_cache._REQUEST_VERSIONS.get() is None  # nothing stays pinned after the request
    before = client.get("/").get_data(as_text=True)
    _add_quote(collection)
    imported.import_collection(collection)
    assert client.get("/").get_data(as_text=True) != before  # the next request: the new counts


def test_threads_asking_at_once_share_one_computation(imported: Archive) -> None:
    """After an import every server thread misses at once: one computes, the others wait for it."""
    started, release = threading.Event(), threading.Event()
    calls: list[int] = []

    def slow() -> object:
        calls.append(1)
        started.set()
        release.wait(5)
        return object()

    answers: list[object] = []
    threads = [threading.Thread(target=lambda: answers.append(read_cache.cached(imported.engine, "slow", None, slow)))
               for _ in range(4)]
    threads[0].start()
    assert started.wait(5)
    for thread in threads[1:]:
        thread.start()
    time.sleep(0.3)  # let the other three ask while the first still computes
    release.set()
    for thread in threads:
        thread.join(10)
    assert len(calls) == 1 and len(answers) == 4 and all(a is answers[0] for a in answers)


def test_when_the_computing_thread_fails_a_waiting_one_computes_itself(imported: Archive) -> None:
    started, release = threading.Event(), threading.Event()

    def failing() -> str:
        started.set()
        release.wait(5)
        raise RuntimeError("the leader's computation failed")

    errors: list[BaseException] = []

    def lead() -> None:
        try:
            read_cache.cached(imported.engine, "flaky", None, failing)
        except RuntimeError as error:
            errors.append(error)

    leader = threading.Thread(target=lead)
    leader.start()
    assert started.wait(5)
    follower_answer: list[str] = []
    follower = threading.Thread(target=lambda: follower_answer.append(
        read_cache.cached(imported.engine, "flaky", None, lambda: "computed by the follower")))
    follower.start()
    time.sleep(0.3)  # the follower waits for the leader…
    release.set()  # …which then fails
    leader.join(10)
    follower.join(10)
    assert len(errors) == 1 and follower_answer == ["computed by the follower"]
    assert read_cache.cached(imported.engine, "flaky", None, lambda: "later") == "later"  # nothing stuck
