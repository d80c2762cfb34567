"""Facet counts, filters, sort keys and the visibility mask from arrays loaded once per searcher,
cached on disk per segment.

Whoosh's own ``groupedby`` does Python work per matched document and per facet; with tens
of thousands of matches that dominates a search. Instead, when a searcher opens, the
``facets`` column of every document is read once into, per facet, two parallel numpy arrays
(document number, value number), in document order. On the first search they are laid out for
counting (``FacetCounter``): every facet's counts of a result are then a gather of the hits' value
numbers and one ``bincount``, work in proportion to the hits rather than to the index. A filter's
mask is made once per searcher and set of values. The same column carries each document's access
(status, embargo day), which ``SearcherArrays.visible`` turns into a mask with the rule of
``archive.access.visibility``.

Deriving the arrays means parsing every document's facet JSON (most of a cold first query),
so they are cached. A segment's files never change once written (``index_store.py`` says why
that holds), and the arrays do not depend on deletions (the searcher's live mask applies
them), so each segment's arrays are saved beside the index, in the build folder, as
``arrays-v2-<segment id>.bin`` when a searcher first opens it; later searchers load them. A
cache file is written to a temporary name and renamed into place (atomic); one that is
missing, unreadable, damaged (it carries a CRC-32) or does not describe its segment is ignored
and written again; files of segments the index no longer has are removed. An incremental
update clones the build with its cache files and adds a segment (or merges some): only those
are derived. The cache is an optimisation only: a folder that cannot be written just means
the arrays are derived on every open.

A searcher opened on the build an update made starts from the previous searcher's arrays
(``SearcherArrays.load`` with ``previous``): the update kept the previous segments, first and in
order, so only the new segment's arrays are read and appended, and the counting layout is
extended (``FacetCounter.extended``), instead of combining and laying out the whole index again.
"""
from __future__ import annotations

import json
import os
import time
import uuid
import zlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import columns

from archive.access.visibility import Viewer, is_visible
from archive.search.request import FACETS

VISIBILITY_CODES = {"public": 0, "embargoed": 1, "restricted": 2}  # a document's status, as stored in its arrays
_STATUSES = {code: status for status, code in VISIBILITY_CODES.items()}
CACHE_VERSION = 2
CACHE_PREFIX = "arrays-"
_CACHE_SUFFIX = ".bin"
_STALE_TEMPORARY_SECONDS = 600  # a temporary cache file this old was left by a crash
MASKS_KEPT = 8  # filter masks kept per facet, and visibility masks, per open searcher (one byte per document each)


@dataclass
class FacetArray:
    """One facet's (document, value) pairs, in document order."""

    values: list[str]  # value number -> value
    docs: np.ndarray  # int32, document number of each (document, value) pair, ascending
    codes: np.ndarray  # int32, value number of each pair
    _masks: dict[tuple[str, ...], np.ndarray] = field(default_factory=dict, init=False, repr=False, compare=False)

    def having(self, values: list[str], doc_count: int) -> np.ndarray:
        """A mask of the documents with any of these values (one facet's values combine with OR),
        made once per set of values for this searcher's arrays; read-only."""
        key = tuple(sorted(set(values)))
        mask = self._masks.get(key)
        if mask is None or len(mask) != doc_count:
            index = {value: code for code, value in enumerate(self.values)}
            codes = [index[v] for v in key if v in index]
            mask = np.zeros(doc_count, dtype=bool)
            if codes:
                mask[self.docs[np.isin(self.codes, codes)]] = True
            mask.flags.writeable = False
            if len(self._masks) >= MASKS_KEPT:
                self._masks.clear()
            self._masks[key] = mask
        return mask

    def count(self, matched: np.ndarray, limit: int | None = None) -> dict[str, int]:
        """Counts of each value among the matched documents (a boolean mask over all documents),
        the ``limit`` most frequent when given: the plain way, over every pair of the index
        (``FacetCounter`` counts all facets at once in proportion to the hits)."""
        if not len(self.docs):
            return {}
        counts = np.bincount(self.codes[matched[self.docs]], minlength=len(self.values))
        return _most_frequent(self.values, counts, limit)


def _index_type(pairs: int) -> Any:
    return np.int32 if pairs < np.iinfo(np.int32).max else np.int64


def _most_frequent(values: list[str], counts: np.ndarray, limit: int | None) -> dict[str, int]:
    """The values counted (not zero), the ``limit`` most frequent when given (ties by value number)."""
    present = np.flatnonzero(counts)
    if limit is not None and len(present) > limit:
        present = present[np.argsort(-counts[present], kind="stable")[:limit]]
    return {values[i]: int(counts[i]) for i in present}


class FacetCounter:
    """Every facet's counts for a set of hits at once, in work proportional to the hits' pairs.

    The facets' value numbers are made one numbering (each facet's after the previous one's). Facets
    of at most one value per document are a table of one row per document (a column per facet, an
    empty slot where it has none); the others, each document's numbers one after another with where
    each document's start. Counting is then a gather of the hits' rows and of their runs, and one
    ``bincount`` over the numbering."""

    def __init__(self, facets: dict[str, FacetArray], doc_count: int):
        self.names = list(facets)
        self.values = {name: facets[name].values for name in self.names}
        self.offsets: dict[str, int] = {}
        total = 0
        for name in self.names:
            self.offsets[name] = total
            total += len(facets[name].values)
        self.total = total  # also the empty slot's number
        single: list[str] = []
        multiple: list[str] = []
        for name in self.names:
            docs = facets[name].docs
            (multiple if len(docs) and int(np.bincount(docs).max()) > 1 else single).append(name)
        self.single, self.multiple = single, multiple
        self.rows = np.full((doc_count, len(single)), total, dtype=np.int32)
        for column, name in enumerate(single):
            self.rows[facets[name].docs, column] = facets[name].codes + self.offsets[name]
        docs = _concat([facets[name].docs for name in multiple], np.int32)
        codes = _concat([facets[name].codes + self.offsets[name] for name in multiple], np.int32)
        order = np.argsort(docs, kind="stable")
        self.codes = codes[order].astype(np.int32)
        self.starts = np.zeros(doc_count + 1, dtype=_index_type(len(docs)))
        if len(docs):
            np.cumsum(np.bincount(docs, minlength=doc_count), out=self.starts[1:])

    def extended(self, facets: dict[str, FacetArray], doc_count: int) -> FacetCounter:
        """The counter of ``facets``, which hold this counter's facets with documents added after
        its last and values added after each facet's last (``SearcherArrays.extended``): this
        layout with its value numbers moved to the new numbering and the new documents' rows and
        runs added, in work proportional to the index's pairs without sorting them. A facet that
        gains a document with more than one value where it had none is laid out afresh (the whole
        counter, as ``FacetCounter(facets, doc_count)``)."""
        old_count = len(self.starts) - 1
        if list(facets) != self.names or doc_count < old_count:
            return FacetCounter(facets, doc_count)
        added = {}  # each facet's pairs of the new documents: (documents, value numbers)
        for name in self.names:
            docs, codes = facets[name].docs, facets[name].codes
            first = int(np.searchsorted(docs, old_count))
            added[name] = (docs[first:], codes[first:])
            if name in self.single and bool(np.any(added[name][0][1:] == added[name][0][:-1])):  # (ascending)
                return FacetCounter(facets, doc_count)
        counter = FacetCounter.__new__(FacetCounter)
        counter.names, counter.single, counter.multiple = self.names, self.single, self.multiple
        counter.values = {name: facets[name].values for name in self.names}
        counter.offsets, total = {}, 0
        for name in self.names:
            counter.offsets[name] = total
            total += len(facets[name].values)
        counter.total = total
        counter.rows = np.full((doc_count, len(self.single)), total, dtype=np.int32)
        for column, name in enumerate(self.single):
            kept = self.rows[:, column]
            counter.rows[:old_count, column] = np.where(kept == self.total, total,
                                                        kept + (counter.offsets[name] - self.offsets[name]))
            docs, codes = added[name]
            counter.rows[docs, column] = codes + counter.offsets[name]
        shift = np.zeros(self.total + 1, dtype=np.int32)  # old value number -> its move
        for name in self.multiple:
            start = self.offsets[name]
            shift[start:start + len(self.values[name])] = counter.offsets[name] - start
        docs = _concat([added[name][0] for name in self.multiple], np.int32)
        codes = _concat([added[name][1] + counter.offsets[name] for name in self.multiple], np.int32)
        order = np.argsort(docs, kind="stable")
        counter.codes = np.concatenate([self.codes + shift[self.codes], codes[order]]).astype(np.int32)
        counter.starts = np.zeros(doc_count + 1, dtype=_index_type(len(counter.codes)))
        counter.starts[:old_count + 1] = self.starts
        if len(docs):
            counter.starts[old_count + 1:] = self.starts[-1] + np.cumsum(np.bincount(docs - old_count,
                                                                                     minlength=doc_count - old_count))
        else:
            counter.starts[old_count + 1:] = self.starts[-1]
        return counter

    def count(self, docnums: np.ndarray, limit: int | None = None) -> dict[str, dict[str, int]]:
        """Each facet's counts among the documents ``docnums`` (ascending), the ``limit`` most frequent."""
        counts = np.bincount(self.rows[docnums].ravel(), minlength=self.total + 1)
        if len(self.codes) and len(docnums):
            begin = self.starts[docnums].astype(np.int64)
            runs = self.starts[docnums + 1] - begin
            total = int(runs.sum())
            if total:  # every pair of each hit: its first, then one more at a time
                shift = np.repeat(begin - (np.cumsum(runs) - runs), runs)
                counts += np.bincount(self.codes[np.arange(total, dtype=np.int64) + shift],
                                      minlength=self.total + 1)
        return {name: _most_frequent(self.values[name],
                                     counts[self.offsets[name]:self.offsets[name] + len(self.values[name])], limit)
                for name in self.names}


@dataclass
class SearcherArrays:
    doc_count: int
    facets: dict[str, FacetArray]
    sort_date: np.ndarray  # int32 day ordinal, 0 when unknown
    sort_person: np.ndarray  # int32 rank of the person's name
    visibility: np.ndarray  # int8: 0 public, 1 embargoed, 2 restricted (see VISIBILITY_CODES)
    embargo_day: np.ndarray  # int32 day ordinal an embargo ends, 0 when none
    # what an extension (``load`` with the previous searcher's arrays) starts from:
    segments: tuple[tuple[str, int], ...] | None = field(default=None, repr=False, compare=False)  # (id, documents)
    names: np.ndarray | None = field(default=None, repr=False, compare=False)  # the distinct sort names, ascending
    name_codes: np.ndarray | None = field(default=None, repr=False, compare=False)  # int32: each document's in names
    _access: tuple[list[tuple[int, int]], np.ndarray] | None = field(default=None, init=False, repr=False,
                                                                      compare=False)
    _visible_masks: dict[bytes, np.ndarray] = field(default_factory=dict, init=False, repr=False, compare=False)
    _counter: FacetCounter | None = field(default=None, init=False, repr=False, compare=False)
    _base_counter: FacetCounter | None = field(default=None, init=False, repr=False, compare=False)

    def facet_counts(self, docnums: np.ndarray, limit: int | None = None) -> dict[str, dict[str, int]]:
        """Every facet's counts among the hits ``docnums`` (ascending), the ``limit`` most frequent of each."""
        if self._counter is None:  # laid out on the first search (two searches may both do it: the same result)
            base = self._base_counter
            self._counter = base.extended(self.facets, self.doc_count) if base is not None \
                else FacetCounter(self.facets, self.doc_count)
            self._base_counter = None
        return self._counter.count(docnums, limit)

    def visible(self, viewer: Viewer) -> np.ndarray:
        """A mask of the documents ``viewer`` may see.

        The rule is ``archive.access.visibility.is_visible`` itself, asked once per distinct
        (status, embargo day) pair of the index and spread over the documents: no second copy
        of the rule here."""
        pairs, inverse = self._access_pairs()
        allowed = np.fromiter((is_visible(viewer, _STATUSES.get(code, "restricted"),
                                          date.fromordinal(day) if day > 0 else None)
                               for code, day in pairs), dtype=bool, count=len(pairs))
        # the mask depends only on the rule's answers for the pairs: made once per set of answers (read-only)
        key = allowed.tobytes()
        mask = self._visible_masks.get(key)
        if mask is None:
            mask = allowed[inverse] if len(inverse) else np.zeros(self.doc_count, dtype=bool)
            mask.flags.writeable = False
            if len(self._visible_masks) >= MASKS_KEPT:
                self._visible_masks.clear()
            self._visible_masks[key] = mask
        return mask

    def _access_pairs(self) -> tuple[list[tuple[int, int]], np.ndarray]:
        """The distinct (visibility code, embargo day) pairs and each document's pair (once per searcher)."""
        if self._access is None:
            keys = (self.visibility.astype(np.int64) << 32) | self.embargo_day.astype(np.int64)
            distinct, inverse = np.unique(keys, return_inverse=True)
            self._access = ([(int(k >> 32), int(k & 0xFFFFFFFF)) for k in distinct], inverse.reshape(-1))
        return self._access

    @classmethod
    def load(cls, reader, cache_folder: Path | str | None = None,  # type: ignore[no-untyped-def]
             previous: SearcherArrays | None = None) -> SearcherArrays:
        """The arrays of every document of ``reader``; with ``cache_folder`` (the index's folder),
        each segment's arrays come from its cache file there, written when missing.

        ``previous``, the arrays of an earlier searcher of the index: when its segments are the
        first segments of ``reader`` (an incremental update adds a segment after the others and
        keeps theirs; the arrays do not depend on deletions), only the segments after them are
        read and the arrays are ``previous`` extended with them (``extended``); else, or when
        not given, every segment is read and combined."""
        folder = Path(cache_folder) if cache_folder else None
        leaves = sorted(reader.leaf_readers(), key=lambda pair: pair[1])
        keys = [(_segment_id(leaf), leaf.doc_count_all()) for leaf, _offset in leaves]
        kept = previous.segments if previous is not None else None
        start = len(kept) if kept is not None and tuple(keys[:len(kept)]) == kept else 0
        parts: list[_SegmentArrays] = []
        wanted: set[str] = set()
        for position, ((leaf, _offset), (segment_id, doc_count)) in enumerate(zip(leaves, keys, strict=True)):
            path = folder / cache_name(segment_id) if folder is not None and segment_id else None
            if path is not None:
                wanted.add(path.name)
            if position < start:
                continue
            part = _SegmentArrays.read(path, segment_id, doc_count) if path is not None else None
            if part is None:
                part = _SegmentArrays.derive(leaf)
                if path is not None and segment_id:
                    part.write(path, segment_id)
            parts.append(part)
        if folder is not None:
            _remove_stale(folder, wanted)
        named = tuple((i, n) for i, n in keys if i) if all(i for i, _ in keys) else None
        if start and previous is not None:
            return previous.extended(parts, named)
        return cls._combine(parts, named)

    @classmethod
    def _combine(cls, parts: list[_SegmentArrays],
                 segments: tuple[tuple[str, int], ...] | None = None) -> SearcherArrays:
        count = sum(p.doc_count for p in parts)
        offsets = np.cumsum([0] + [p.doc_count for p in parts])[:-1]
        facets = _facets_after({}, parts, offsets)
        names = _concat([p.names for p in parts], np.dtype("S1"))
        # rank by name, ties in document order (a stable sort), as Python's sorted() would give
        order = np.argsort(names, kind="stable")
        rank = np.empty(count, dtype=np.int32)
        rank[order] = np.arange(count, dtype=np.int32)
        ordered = names[order]
        first = np.ones(count, dtype=bool)  # where a name first comes in the order
        first[1:] = ordered[1:] != ordered[:-1]
        name_codes = np.empty(count, dtype=np.int32)
        name_codes[order] = np.cumsum(first) - 1
        return cls(count, facets, _concat([p.sort_date for p in parts], np.int32), rank,
                   _concat([p.visibility for p in parts], np.int8), _concat([p.embargo_day for p in parts], np.int32),
                   segments, ordered[first], name_codes)

    def extended(self, parts: list[_SegmentArrays], segments: tuple[tuple[str, int], ...] | None) -> SearcherArrays:
        """These arrays with the documents of ``parts`` after them: what ``_combine`` gives for this
        index's parts followed by ``parts``, without reading this index's parts again or sorting its
        names (the new documents' names are ranked among the distinct names kept, ``names``)."""
        if self.names is None or self.name_codes is None:
            raise ValueError("arrays without their names cannot be extended")
        old = self.doc_count
        count = old + sum(p.doc_count for p in parts)
        offsets = old + np.cumsum([0] + [p.doc_count for p in parts])[:-1]
        facets = _facets_after(self.facets, parts, offsets)
        added = _concat([p.names for p in parts], np.dtype("S1"))
        distinct, inverse = np.unique(added, return_inverse=True)
        names = np.union1d(self.names, distinct)
        kept_codes = np.searchsorted(names, self.names).astype(np.int32)[self.name_codes]
        added_codes = np.searchsorted(names, distinct).astype(np.int32)[inverse.reshape(-1)]
        kept_counts = np.bincount(kept_codes, minlength=len(names))
        added_counts = np.bincount(added_codes, minlength=len(names))
        before = np.concatenate([[0], np.cumsum(kept_counts + added_counts)[:-1]])  # documents of smaller names
        kept_before = np.concatenate([[0], np.cumsum(kept_counts)[:-1]])
        # a kept document moves by the new documents of smaller names; a new one comes after every kept
        # document of its name and after the new ones of its name before it (ties in document order)
        order = np.argsort(added_codes, kind="stable")
        ordered = added_codes[order]
        within = np.empty(len(added_codes), dtype=np.int64)
        within[order] = np.arange(len(ordered)) - np.searchsorted(ordered, ordered, side="left")
        rank = np.concatenate([self.sort_person + (before - kept_before)[kept_codes],
                               before[added_codes] + kept_counts[added_codes] + within]).astype(np.int32)
        arrays = type(self)(count, facets, _concat([self.sort_date] + [p.sort_date for p in parts], np.int32), rank,
                            _concat([self.visibility] + [p.visibility for p in parts], np.int8),
                            _concat([self.embargo_day] + [p.embargo_day for p in parts], np.int32),
                            segments, names, np.concatenate([kept_codes, added_codes]).astype(np.int32))
        arrays._base_counter = self._counter or self._base_counter
        return arrays


def write_cache(folder: Path | str) -> int:
    """Write the cache files of the index in ``folder`` that are missing, e.g. right after a build is
    written and before it is marked complete, so that no searcher's first query derives them; remove
    those of segments the index no longer has. An incremental update clones its base's files, so
    only its new segments (and those a merge made) are derived: the arrays of the whole index are
    not combined here (a searcher does that when it opens). Returns the number of segments derived."""
    from whoosh import index as whoosh_index

    target = Path(folder)
    derived = 0
    ix = whoosh_index.open_dir(str(target))
    try:
        with ix.reader() as reader:
            wanted: set[str] = set()
            for leaf, _offset in reader.leaf_readers():
                segment_id = _segment_id(leaf)
                if not segment_id:
                    continue
                path = target / cache_name(segment_id)
                wanted.add(path.name)
                if not path.exists():  # (one there but damaged is derived again when a searcher reads it)
                    _SegmentArrays.derive(leaf).write(path, segment_id)
                    derived += 1
            _remove_stale(target, wanted)
    finally:
        ix.close()
    return derived


def cache_name(segment_id: str) -> str:
    """The name of a segment's cache file in the index folder."""
    return f"{CACHE_PREFIX}v{CACHE_VERSION}-{segment_id}{_CACHE_SUFFIX}"


def _facets_after(kept: dict[str, FacetArray], parts: list[_SegmentArrays], offsets: Any) -> dict[str, FacetArray]:
    """Each facet's arrays: ``kept``'s (none when empty), then the documents of ``parts`` from
    ``offsets``. Value numbers go in order of first appearance over the whole index, as one pass
    over every part would give them."""
    facets = {}
    for name in FACETS:
        before = kept.get(name)
        index = {value: number for number, value in enumerate(before.values)} if before else {}
        docs = [before.docs] if before else []
        codes = [before.codes] if before else []
        for part, offset in zip(parts, offsets, strict=False):
            values, counts, part_codes = part.facets[name]
            mapping = np.fromiter((index.setdefault(v, len(index)) for v in values), dtype=np.int32,
                                  count=len(values))
            docs.append(np.repeat(np.arange(offset, offset + part.doc_count, dtype=np.int32), counts))
            codes.append(mapping[part_codes] if len(part_codes) else np.empty(0, dtype=np.int32))
        facets[name] = FacetArray(list(index), _concat(docs, np.int32), _concat(codes, np.int32))
    return facets


def _concat(arrays: list[np.ndarray], dtype: Any) -> np.ndarray:
    return np.concatenate(arrays) if arrays else np.empty(0, dtype=dtype)


def _segment_id(leaf: Any) -> str | None:
    segment = leaf.segment() if hasattr(leaf, "segment") else None
    segment_id = segment.segment_id() if segment is not None and hasattr(segment, "segment_id") else None
    return segment_id if isinstance(segment_id, str) and segment_id.replace("_", "").isalnum() else None


def _remove_stale(folder: Path, wanted: set[str]) -> None:
    """Cache files of segments this index no longer has, and temporary files a crash left."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    now = time.time()
    for entry in entries:
        name = entry.name
        try:
            if name.startswith(CACHE_PREFIX) and name not in wanted:  # (also those of older layouts)
                os.unlink(entry.path)
            elif name.startswith("." + CACHE_PREFIX) and now - entry.stat().st_mtime > _STALE_TEMPORARY_SECONDS:
                os.unlink(entry.path)
        except OSError:  # removed by another process meanwhile, or a read-only folder
            pass


@dataclass
class _SegmentArrays:
    """One segment's arrays, document numbers local to the segment."""

    doc_count: int
    facets: dict[str, tuple[list[str], np.ndarray, np.ndarray]]  # values, count per document, value numbers
    sort_date: np.ndarray  # int32
    names: np.ndarray  # bytes (S), the UTF-8 sort name of each document
    visibility: np.ndarray  # int8
    embargo_day: np.ndarray  # int32

    # --- derived from the segment --------------------------------------------------------

    @classmethod
    def derive(cls, leaf: Any) -> _SegmentArrays:
        """From the segment's columns: the facet JSON of every document (read as one block, parsed
        one document at a time, the fastest way found), the sort columns read in bulk."""
        count = leaf.doc_count_all()
        pairs: dict[str, tuple[list[int], list[int], dict[str, int]]] = {f: ([], [], {}) for f in FACETS}
        visibility = np.full(count, VISIBILITY_CODES["restricted"], dtype=np.int8)  # unknown: withheld
        embargo_day = np.zeros(count, dtype=np.int32)
        loads = json.loads
        for docnum, raw in enumerate(_raw_column(leaf, "facets", count)):
            if not raw:
                continue
            payload = loads(raw)
            access = payload.pop("_access", None)
            if access:
                visibility[docnum] = VISIBILITY_CODES.get(access[0], VISIBILITY_CODES["restricted"])
                embargo_day[docnum] = access[1]
            for name, values in payload.items():
                docs, codes, index = pairs[name]
                for value in values:
                    code = index.setdefault(value, len(index))
                    docs.append(docnum)
                    codes.append(code)
        facets = {
            name: (list(index), np.bincount(np.asarray(docs, dtype=np.int64), minlength=count).astype(np.int32),
                   np.asarray(codes, dtype=np.int32))
            for name, (docs, codes, index) in pairs.items()
        }
        return cls(count, facets, _sort_dates(leaf, count), _sort_names(leaf, count), visibility, embargo_day)

    # --- the cache file --------------------------------------------------------------------

    def write(self, path: Path, segment_id: str) -> None:
        meta = {"version": CACHE_VERSION, "segment": segment_id, "doc_count": self.doc_count,
                "facets": {name: values for name, (values, _, _) in self.facets.items()}}
        arrays = {"sort_date": self.sort_date, "names": self.names, "visibility": self.visibility,
                  "embargo_day": self.embargo_day}
        for name in FACETS:
            _, arrays[f"counts.{name}"], arrays[f"codes.{name}"] = self.facets[name]
        temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        try:
            temporary.write_bytes(_pack(meta, arrays))
            os.replace(temporary, path)
        except OSError:  # a read-only or full folder: the arrays are derived again next time
            try:
                temporary.unlink()
            except OSError:
                pass

    @classmethod
    def read(cls, path: Path, segment_id: str | None, doc_count: int) -> _SegmentArrays | None:
        """The cached arrays of this segment, or None when the file is missing or not right."""
        try:
            meta, arrays = _unpack(path.read_bytes())
            if meta.get("version") != CACHE_VERSION or meta.get("segment") != segment_id \
                    or meta.get("doc_count") != doc_count or set(meta.get("facets", ())) != set(FACETS):
                return None
            facets = {}
            for name in FACETS:
                values, counts, codes = meta["facets"][name], arrays[f"counts.{name}"], arrays[f"codes.{name}"]
                if not isinstance(values, list) or counts.shape != (doc_count,) or counts.dtype != np.int32 \
                        or codes.dtype != np.int32 or int(counts.sum()) != len(codes) \
                        or (len(codes) and (int(codes.min()) < 0 or int(codes.max()) >= len(values))):
                    return None
                facets[name] = (values, counts, codes)
            part = cls(doc_count, facets, arrays["sort_date"], arrays["names"], arrays["visibility"],
                       arrays["embargo_day"])
        except Exception:  # missing, truncated, corrupted, or of another layout: derive it again
            return None
        expected = {"sort_date": np.int32, "visibility": np.int8, "embargo_day": np.int32}
        if part.names.dtype.kind != "S" or any(getattr(part, a).dtype != t for a, t in expected.items()) \
                or any(a.shape != (doc_count,) for a in (part.sort_date, part.names, part.visibility,
                                                          part.embargo_day)):
            return None
        return part


# --- the cache file's layout: a header, then the arrays' bytes ---------------------------------------
#
# MAGIC, the header's length (8 bytes, little-endian), the header (JSON: the caller's fields, and
# each array's dtype, shape and place), then the arrays one after another, 8-byte aligned, with
# a CRC-32 of them in the header. Reading is one read and a view per array (no zip, no pickle).

_MAGIC = b"archive-search-arrays\n"


def _pack(meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> bytes:
    chunks, layout, offset = [], {}, 0
    for key, array in arrays.items():
        raw = np.ascontiguousarray(array).tobytes()
        layout[key] = [array.dtype.str, list(array.shape), offset, len(raw)]
        padding = -len(raw) % 8
        chunks.append(raw + b"\0" * padding)
        offset += len(raw) + padding
    payload = b"".join(chunks)
    header = json.dumps({**meta, "arrays": layout, "crc32": zlib.crc32(payload)}, ensure_ascii=False).encode()
    return _MAGIC + len(header).to_bytes(8, "little") + header + payload


def _unpack(data: bytes) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The header and the arrays of a cache file; ValueError when it is not one, or damaged."""
    if not data.startswith(_MAGIC):
        raise ValueError("not an arrays cache file")
    start = len(_MAGIC) + 8
    length = int.from_bytes(data[len(_MAGIC):start], "little")
    meta = json.loads(data[start:start + length].decode())
    payload = memoryview(data)[start + length:]
    if zlib.crc32(payload) != meta.get("crc32"):
        raise ValueError("damaged arrays cache file")
    arrays = {}
    for key, (dtype, shape, offset, size) in meta.pop("arrays").items():
        if offset < 0 or offset + size > len(payload):
            raise ValueError("damaged arrays cache file")
        arrays[key] = np.frombuffer(payload, dtype=np.dtype(dtype), count=size // np.dtype(dtype).itemsize,
                                    offset=offset).reshape(shape)
    return meta, arrays


# --- reading a segment's columns in bulk ------------------------------------------------------
#
# Whoosh's column readers answer one document at a time and have no public bulk read; the
# readers of its two plain column types keep their layout (offsets, lengths, the file and where
# the column starts) in private attributes, read here to take a whole column in one read.
# Any other column type (e.g. a compressed one) is read document by document.


def _column_reader(leaf: Any, name: str) -> Any:
    if not leaf.has_column(name):
        return None
    return leaf.column_reader(name, translate=False)


def _raw_column(leaf: Any, name: str, count: int) -> list[bytes]:
    """Every document's raw value of a variable-length bytes column (b"" when none)."""
    column = _column_reader(leaf, name)
    if column is None:
        return [b""] * count
    if type(column) is columns.VarBytesColumn.Reader:  # noqa: E721 - not its compressed subclasses
        lengths = np.asarray(column._lengths, dtype=np.int64)  # noqa: SLF001 - the column's own arrays
        offsets = np.asarray(column._offsets, dtype=np.int64)  # noqa: SLF001
        if len(lengths) == count and len(offsets) == count:
            end = int((offsets + lengths).max()) if count else 0
            data = bytes(column._dbfile.get(column._basepos, end))  # noqa: SLF001 - the whole column at once
            if len(data) == end:
                return [data[o:o + n] for o, n in zip(offsets.tolist(), lengths.tolist(), strict=False)]
    return [column[d] or b"" for d in range(count)]


def _sort_names(leaf: Any, count: int) -> np.ndarray:
    """The ``sort_person`` of every document as UTF-8 bytes (b"" when none): bytes sort like the text."""
    names = _raw_column(leaf, "sort_person", count)
    return np.array(names, dtype="S") if count and any(names) else np.zeros(count, dtype="S1")


def _sort_dates(leaf: Any, count: int) -> np.ndarray:
    """The ``sort_date`` of every document (a day ordinal, 0 when none)."""
    dates = np.zeros(count, dtype=np.int32)
    column = _column_reader(leaf, "sort_date")
    if column is None or not count:
        return dates
    if type(column) is columns.NumericColumn.Reader:  # noqa: E721
        # the stored (sortable) numbers in one read, padded with the default past the last one written
        stored = min(column._count, count)  # noqa: SLF001
        raw = np.empty(count, dtype=np.int64)
        raw[stored:] = column._default  # noqa: SLF001
        if stored:
            data = column._dbfile.get(column._basepos, stored * column._fixedlen)  # noqa: SLF001
            raw[:stored] = np.frombuffer(data, dtype=">" + column._typecode, count=stored)  # noqa: SLF001
    else:
        raw = np.fromiter((column[d] for d in range(count)), dtype=np.int64, count=count)
    # translated as Whoosh does (sortable form to the number), once per distinct value
    sort_field = leaf.schema["sort_date"]
    distinct, inverse = np.unique(raw, return_inverse=True)
    translated = np.fromiter((sort_field.from_column_value(int(v)) or 0 for v in distinct), dtype=np.int64,
                             count=len(distinct))
    return translated[inverse.reshape(-1)].astype(np.int32)
