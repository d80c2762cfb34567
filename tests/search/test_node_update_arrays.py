"""After a node's (or an import's) incremental update, a searcher's arrays are the previous
searcher's extended with the update's new segment (``facet_arrays.SearcherArrays.load`` with
``previous``): the same arrays, facet counts and orders as reading and combining every segment."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from archive.facade import Archive
from archive.search.facet_arrays import FacetCounter, SearcherArrays, _SegmentArrays
from archive.search.request import FACETS, SearchRequest
from tests.search.test_search_arrays_cache import assert_same_arrays

_SINGLE_THEN_MULTIPLE = FACETS[-1]  # one value per document in the first parts, two in a later one
_SINGLE = FACETS[len(FACETS) // 2]  # at most one value per document (after facets whose values grow)


def _part(rng: random.Random, count: int, names: list[str], values: int, two_values: bool = False) -> _SegmentArrays:
    """A SYNTHETIC segment's arrays: names drawn from ``names`` (ties on purpose), facet values
    numbered up to ``values`` (new ones in later parts), one or more per document."""
    facets = {}
    for name in FACETS:
        most = 1 if name == _SINGLE or (name == _SINGLE_THEN_MULTIPLE and not two_values) else 2
        counts = [rng.randint(0, most) for _ in range(count)]
        if name == _SINGLE_THEN_MULTIPLE and two_values and count:
            counts[0] = 2
        vocabulary = [f"{name}-{rng.randint(0, values)}" for _ in range(sum(counts))]
        distinct = list(dict.fromkeys(vocabulary))
        facets[name] = (distinct, np.asarray(counts, dtype=np.int32),
                        np.asarray([distinct.index(v) for v in vocabulary], dtype=np.int32))
    return _SegmentArrays(
        count, facets, np.asarray([rng.randint(0, 5) for _ in range(count)], dtype=np.int32),
        np.array([rng.choice(names).encode() for _ in range(count)], dtype="S") if count else np.zeros(0, "S1"),
        np.asarray([rng.randint(0, 2) for _ in range(count)], dtype=np.int8),
        np.asarray([rng.randint(0, 3) for _ in range(count)], dtype=np.int32))


def _assert_same(extended: SearcherArrays, plain: SearcherArrays) -> None:
    assert_same_arrays(extended, plain)
    assert extended.names is not None and plain.names is not None and extended.name_codes is not None
    assert np.array_equal(extended.names[extended.name_codes], plain.names[plain.name_codes])


def _assert_same_counts(extended: SearcherArrays, plain: SearcherArrays, rng: random.Random) -> None:
    for _ in range(5):
        hits = np.asarray(sorted(rng.sample(range(plain.doc_count), rng.randint(0, plain.doc_count))), dtype=np.int64)
        assert extended.facet_counts(hits) == plain.facet_counts(hits)
        assert extended.facet_counts(hits, limit=3) == plain.facet_counts(hits, limit=3)


@pytest.mark.parametrize("seed", range(6))
def test_extended_arrays_are_the_combined_arrays(seed: int) -> None:
    rng = random.Random(seed)
    names = [f"Synthetic {rng.randint(0, 30)}" for _ in range(40)] + [""]
    parts = [_part(rng, rng.randint(0, 60), names, 10 + 10 * i, two_values=(i == 3 and seed % 2 == 0))
             for i in range(5)]
    kept = 1 + seed % 3
    previous = SearcherArrays._combine(parts[:kept], tuple((f"s{i}", p.doc_count) for i, p in enumerate(parts[:kept])))
    if seed % 3:  # a searcher that counted facets before the update: its counter is extended
        previous.facet_counts(np.arange(previous.doc_count))
    middle = previous.extended(parts[kept:kept + 1], None)
    extended = middle.extended(parts[kept + 1:], None)
    plain = SearcherArrays._combine(parts)
    _assert_same(extended, plain)
    _assert_same_counts(extended, plain, rng)
    _assert_same(previous.extended([], None), SearcherArrays._combine(parts[:kept]))


def test_an_extended_counter_counts_as_a_new_one() -> None:
    rng = random.Random(7)
    names = ["Synthetic A", "Synthetic B"]
    parts = [_part(rng, 50, names, 20), _part(rng, 20, names, 40)]
    previous = SearcherArrays._combine(parts[:1])
    plain = SearcherArrays._combine(parts)
    counter = FacetCounter(previous.facets, previous.doc_count).extended(plain.facets, plain.doc_count)
    fresh = FacetCounter(plain.facets, plain.doc_count)
    for _ in range(5):
        hits = np.asarray(sorted(rng.sample(range(plain.doc_count), rng.randint(1, plain.doc_count))), dtype=np.int64)
        assert counter.count(hits) == fresh.count(hits)
    assert np.array_equal(counter.starts, fresh.starts) and np.array_equal(counter.codes, fresh.codes)
    assert np.array_equal(counter.rows, fresh.rows)


def test_a_searcher_after_an_update_extends_the_previous_ones_arrays(tmp_path: Path, fixture_collection: Path) -> None:
    """A real index: the arrays of the build an update made, loaded with the previous searcher's,
    equal those read from every segment, and only the update's new segment is read."""
    archive = Archive.open(tmp_path / "home")
    try:
        archive.import_collection(fixture_collection)
        archive.search(SearchRequest(query=""))
        before = archive.index._state()  # noqa: SLF001 - the searcher the next one follows
        archive.index.update_people(["anna-synthetic"])
        store = archive.index.store
        name, ix = store.open()
        with ix.reader() as reader:
            plain = SearcherArrays.load(reader)
            assert len(reader.leaf_readers()) == len(before.arrays.segments or ()) + 1
            extended = SearcherArrays.load(reader, store.folder(name), previous=before.arrays)
        ix.close()
    finally:
        archive.close()
    _assert_same(extended, plain)
    _assert_same_counts(extended, plain, random.Random(3))
