"""The per-segment cache of the searcher's facet, sort and visibility arrays.

The first searcher over a build derives the arrays from the index and saves them beside it
(``arrays-v2-<segment id>.bin`` in the build folder); later searchers load them. A cache
file that is unreadable or does not describe its segment is ignored and written again, and
an incremental update never makes a search use arrays of documents that changed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import update

from archive.access.visibility import ANONYMOUS, Viewer
from archive.facade import Archive
from archive.search import facet_arrays
from archive.search.facet_arrays import CACHE_PREFIX, SearcherArrays, _pack, _SegmentArrays, _unpack, cache_name
from archive.search.request import FACETS, SearchRequest
from archive.store import models

pytestmark = pytest.mark.slow  # builds and damages many indexes

RESEARCHER = Viewer(role="researcher")
QUERIES = [("", {}), ("", {"kind": ("quote",)}), ("Stalin", {}), ("лагерь", {"stance": ("critic",)}),
           ("", {"stance": ("admirer",)}), ("", {"theme": ("the-gulag",)})]


@pytest.fixture
def home(tmp_path, fixture_collection) -> Path:
    archive = Archive.open(tmp_path / "home")
    archive.import_collection(fixture_collection)
    archive.close()
    return tmp_path / "home"


@pytest.fixture
def derived(monkeypatch) -> list[int]:
    """Counts the segments whose arrays are derived from the index (not loaded from a cache file)."""
    calls: list[int] = []
    real = _SegmentArrays.derive.__func__  # type: ignore[attr-defined]

    def counting(cls, leaf):  # type: ignore[no-untyped-def]
        calls.append(leaf.doc_count_all())
        return real(cls, leaf)

    monkeypatch.setattr(_SegmentArrays, "derive", classmethod(counting))
    return calls


def _build_folder(archive: Archive) -> Path:
    return archive.index.store.folder(archive.index.store.current_name())


def _cache_files(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"{CACHE_PREFIX}*"))


def _answers(archive: Archive) -> list[tuple]:
    """Everything a search shows that the arrays decide: hits, totals, facet counts, sort orders."""
    answers = []
    for viewer in (ANONYMOUS, RESEARCHER):
        for query, filters in QUERIES:
            for sort in ("relevance", "date", "person"):
                result = archive.search(SearchRequest(query=query, filters=filters, per_page=100, sort=sort), viewer)
                facets = {name: [(v.value, v.count) for v in facet.values] for name, facet in result.facets.items()}
                answers.append((query, tuple(filters.items()), sort, result.total, [h.id for h in result.hits],
                                facets))
    return answers


def _searched(home: Path) -> tuple[list[tuple], Path]:
    archive = Archive.open(home)
    try:
        return _answers(archive), _build_folder(archive)
    finally:
        archive.close()


def test_the_build_writes_the_cache_and_searchers_use_it(home, derived):
    archive = Archive.open(home)
    try:
        folder = _build_folder(archive)
        segments = len(archive.index._state().searcher.reader().leaf_readers())  # noqa: SLF001
    finally:
        archive.close()
    written = _cache_files(folder)
    assert written and len(written) == segments  # one file per segment, before the build was complete
    first, _ = _searched(home)
    assert derived == []  # the first searcher loads them
    for path in written:  # a build from before this cache, or a cache removed: the first open writes it
        path.unlink()
    again, _ = _searched(home)
    files = _cache_files(folder)
    assert again == first and derived and len(files) == len(derived) == segments
    assert not list(folder.glob(".arrays-*"))  # no temporary file left
    derived.clear()
    second, _ = _searched(home)
    assert derived == []  # loaded, not derived
    assert second == first
    assert _cache_files(folder) == files


def assert_same_arrays(made: SearcherArrays, plain: SearcherArrays) -> None:
    """The same documents, facet arrays and sort and visibility columns, with the same types."""
    assert made.doc_count == plain.doc_count
    for name in FACETS:
        assert made.facets[name].values == plain.facets[name].values
        assert np.array_equal(made.facets[name].docs, plain.facets[name].docs)
        assert np.array_equal(made.facets[name].codes, plain.facets[name].codes)
    for array in ("sort_date", "sort_person", "visibility", "embargo_day"):
        assert np.array_equal(getattr(made, array), getattr(plain, array)), array
        assert getattr(made, array).dtype == getattr(plain, array).dtype, array


def test_cached_arrays_equal_derived_arrays(home):
    archive = Archive.open(home)
    try:
        archive.search(SearchRequest(query=""))  # writes the cache
        searcher = archive.index._state().searcher  # noqa: SLF001
        folder = _build_folder(archive)
        fresh = SearcherArrays.load(searcher.reader())  # no cache folder: derived
        cached = SearcherArrays.load(searcher.reader(), folder)
    finally:
        archive.close()
    assert_same_arrays(cached, fresh)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "flipped bit", "other segment", "other size"])
def test_a_damaged_or_foreign_cache_file_is_ignored(home, derived, damage):
    expected, folder = _searched(home)
    files = _cache_files(folder)
    for path in files:
        content = path.read_bytes()
        if damage == "garbage":
            path.write_bytes(b"not an npz file at all" * 10)
        elif damage == "truncated":
            path.write_bytes(content[: len(content) // 2])
        elif damage == "empty":
            path.write_bytes(b"")
        elif damage == "flipped bit":  # caught by the CRC
            middle = len(content) * 3 // 4
            path.write_bytes(content[:middle] + bytes([content[middle] ^ 1]) + content[middle + 1:])
        else:  # a sound file whose description does not match its segment
            meta, arrays = _unpack(content)
            if damage == "other segment":
                meta["segment"] = "x" + meta["segment"]
            else:
                meta["doc_count"] += 1
            path.write_bytes(_pack({k: v for k, v in meta.items() if k != "crc32"}, arrays))
    derived.clear()
    answers, _ = _searched(home)
    assert answers == expected
    assert len(derived) == len(files)  # derived again...
    derived.clear()
    assert _searched(home)[0] == expected
    assert derived == []  # ...and the rewritten files are used next time


def test_incremental_update_is_never_answered_from_stale_arrays(home, derived):
    _searched(home)
    archive = Archive.open(home)
    try:
        before = {v.value: v.count for v in archive.search(SearchRequest(query="", filters={"kind": ("quote",)}),
                                                           RESEARCHER).facets["stance"].values}
        old_folder = _build_folder(archive)
        stale = old_folder / cache_name("MAIN_gone0000gone0000")
        stale.write_bytes(b"a cache file of a segment the index no longer has")
        with archive.engine.begin() as conn:
            conn.execute(update(models.Quote).where(models.Quote.id == "anna-camps").values(stance="admirer"))
        derived.clear()
        archive.index.update_people(["anna-synthetic"])
        result = archive.search(SearchRequest(query="", filters={"kind": ("quote",)}), RESEARCHER)
        after = {v.value: v.count for v in result.facets["stance"].values}
        assert after["critic"] == before["critic"] - 1
        assert after.get("admirer", 0) == before.get("admirer", 0) + 1
        admirers = archive.search(SearchRequest(query="", filters={"stance": ("admirer",)}), RESEARCHER)
        assert "anna-camps" in {h.id for h in admirers.hits}
        assert derived  # the update's new segment was derived, not taken from a cache of the old build
        folder = _build_folder(archive)
        assert folder != old_folder  # copy-on-write: a new build
        leaves = archive.index._state().searcher.reader().leaf_readers()
        segment_ids = {leaf.segment().segment_id() for leaf, _ in leaves}
        assert {p.name for p in _cache_files(folder)} == {cache_name(s) for s in segment_ids}
        updated = _answers(archive)
    finally:
        archive.close()
    derived.clear()
    assert _searched(home)[0] == updated  # a fresh searcher over the updated build, from its cache
    assert derived == []


def test_the_cache_can_be_written_with_the_build(home, derived):
    """``write_cache`` (for the writer, before it marks a build complete): no searcher derives then."""
    expected, folder = _searched(home)
    for path in _cache_files(folder):
        path.unlink()
    derived.clear()
    facet_arrays.write_cache(folder)
    assert derived and len(_cache_files(folder)) == len(derived)
    derived.clear()
    assert _searched(home)[0] == expected
    assert derived == []


def test_an_unwritable_folder_only_costs_time(home, monkeypatch):
    expected, folder = _searched(home)
    for path in _cache_files(folder):
        path.unlink()

    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError("read-only")

    monkeypatch.setattr(facet_arrays.os, "replace", refuse)
    assert _searched(home)[0] == expected
    assert _cache_files(folder) == [] and not list(folder.glob(".arrays-*"))
