"""Matching and BM25F scoring over whole posting lists with numpy.

Whoosh's matchers walk a query document by document in Python, and its collector scores
every match the same way; with tens of thousands of matches that is most of a search's
time (measured: 0.3–0.8 s at 100k segments). Here a query tree is evaluated into two dense
arrays over all documents, a match mask and a score, reading each term's posting list a
block at a time (Whoosh's own decoded blocks). Term, And, Or, Not and AndNot are computed
with numpy; positional and multi-term leaves (phrases, prefixes, fuzzy terms) ask Whoosh
for their documents and score with the idf of their words.

Scoring is BM25F per field: ``idf · boost · tf·(k1+1) / (tf + k1·(1 − b + b·len/avglen))``.
"""

from __future__ import annotations

import itertools
import math
from collections import OrderedDict
from typing import Any

import numpy as np
from whoosh import query as q
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.matching.wrappers import FilterMatcher
from whoosh.util.numeric import byte_to_length

K1 = 1.2
B = 0.75
CACHE_BYTES = 256 * 1024 * 1024  # decoded posting lists kept per open searcher
MAX_EXPANSION = 512  # index words a prefix or fuzzy term may stand for
_BYTE_LENGTHS = np.array([byte_to_length(i) for i in range(256)], dtype=np.float32)


class LeafSegments:
    """The searcher's segments with their document offsets and per-field lengths."""

    def __init__(self, searcher: Any, fields: tuple[str, ...]):
        self.doc_count = searcher.doc_count_all()
        self.live_count = max(1, searcher.doc_count())
        self.leaves = [(sub.reader(), offset) for sub, offset in searcher.leaf_searchers()]
        self.lengths: dict[str, np.ndarray] = {}
        self.average: dict[str, float] = {}
        for field in fields:
            lengths = np.zeros(self.doc_count, dtype=np.float32)
            for reader, offset in self.leaves:
                count = reader.doc_count_all()
                per_doc = _segment_lengths(reader, field, count)
                if per_doc is not None:
                    lengths[offset:offset + count] = per_doc
            self.lengths[field] = lengths
            total = float(lengths.sum())
            self.average[field] = total / self.live_count if total else 1.0
        self.cache: OrderedDict[tuple[str, Any], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self.cache_bytes = 0
        self.live = np.ones(self.doc_count, dtype=bool)
        for reader, offset in self.leaves:
            for docnum in reader.deleted_docs_set if reader.has_deletions() else ():
                self.live[offset + docnum] = False


def _segment_lengths(reader: Any, field: str, count: int) -> np.ndarray | None:
    """A segment's field lengths, read from its length column in one go."""
    perdoc = getattr(reader, "_perdoc", None)
    name = _lenfield(field)
    if perdoc is None or not perdoc.has_column(name):
        return None
    column = perdoc._cached_reader(name, LENGTHS_COLUMN)  # noqa: SLF001 - Whoosh's own length column
    raw = column._dbfile.get(column._basepos, column._count)  # noqa: SLF001
    codes = np.frombuffer(bytes(raw), dtype=np.uint8)
    lengths = np.zeros(count, dtype=np.float32)
    lengths[: len(codes)] = _BYTE_LENGTHS[codes]
    return lengths


def _postings(segments: LeafSegments, field: str, text: Any) -> tuple[np.ndarray, np.ndarray]:
    """(document numbers, term frequencies) of one term, decoded once per searcher (LRU cache)."""
    key = (field, text)
    cached = segments.cache.get(key)
    if cached is not None:
        segments.cache.move_to_end(key)
        return cached
    found = _read_postings(segments, field, text)
    segments.cache[key] = found
    segments.cache_bytes += found[0].nbytes + found[1].nbytes
    while segments.cache_bytes > CACHE_BYTES and len(segments.cache) > 1:
        _, (ids, tf) = segments.cache.popitem(last=False)
        segments.cache_bytes -= ids.nbytes + tf.nbytes
    return found


def _read_postings(segments: LeafSegments, field: str, text: Any) -> tuple[np.ndarray, np.ndarray]:
    """(document numbers, term frequencies) of one term over every segment."""
    ids: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    for reader, offset in segments.leaves:
        try:
            if (field, text) not in reader:
                continue
            matcher = reader.postings(field, text)
        except Exception:  # a term the field cannot hold (e.g. text in a numeric field): no postings
            continue
        if isinstance(matcher, FilterMatcher):
            matcher = matcher.child  # deleted documents are removed by the live mask instead
        if hasattr(matcher, "_read_ids"):
            while matcher.is_active():
                matcher._read_ids()  # noqa: SLF001 - a whole decoded block at a time
                matcher._read_weights()  # noqa: SLF001
                ids.append(np.asarray(matcher._ids, dtype=np.int64) + offset)  # noqa: SLF001
                weights.append(np.asarray(matcher._weights, dtype=np.float32))  # noqa: SLF001
                matcher._next_block()  # noqa: SLF001
        else:
            found = list(matcher.all_items())
            ids.append(np.asarray([d for d, _ in found], dtype=np.int64) + offset)
            weights.append(np.asarray([w for _, w in found], dtype=np.float32))
    if not ids:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
    return np.concatenate(ids), np.concatenate(weights)


def _idf(segments: LeafSegments, doc_frequency: int) -> float:
    return math.log(1 + (segments.live_count - doc_frequency + 0.5) / (doc_frequency + 0.5))


def _term(segments: LeafSegments, leaf: q.Term) -> tuple[np.ndarray, np.ndarray]:
    matched = np.zeros(segments.doc_count, dtype=bool)
    scores = np.zeros(segments.doc_count, dtype=np.float32)
    ids, tf = _postings(segments, leaf.fieldname, leaf.text)
    if not len(ids):
        return matched, scores
    matched[ids] = True
    lengths = segments.lengths.get(leaf.fieldname)
    if lengths is None:  # a filter field: matching only
        return matched, scores
    norm = K1 * (1 - B + B * lengths[ids] / segments.average[leaf.fieldname])
    scores[ids] = _idf(segments, len(ids)) * leaf.boost * tf * (K1 + 1) / (tf + norm)
    return matched, scores


def _by_whoosh(segments: LeafSegments, searcher: Any, leaf: q.Query) -> tuple[np.ndarray, np.ndarray]:
    """Phrases and anything else: Whoosh finds the documents (positions are its business)."""
    matched = np.zeros(segments.doc_count, dtype=bool)
    if isinstance(leaf, q.Phrase):
        # a phrase is searched in each field; only where all its words occur can it match, and
        # the documents that hold all of them (from the cached posting lists) bound the work
        candidates = np.ones(segments.doc_count, dtype=bool)
        for word in leaf.words:
            ids, _ = _postings(segments, leaf.fieldname, word)
            if not len(ids):
                return matched, np.zeros(segments.doc_count, dtype=np.float32)
            present = np.zeros(segments.doc_count, dtype=bool)
            present[ids] = True
            candidates &= present
        if not candidates.any():
            return matched, np.zeros(segments.doc_count, dtype=np.float32)
    found = np.fromiter(searcher.docs_for_query(leaf), dtype=np.int64)
    matched[found] = True
    weight = 0.0
    for field, text in leaf.iter_all_terms():
        if field in segments.lengths:
            weight += _idf(segments, searcher.doc_frequency(field, text))
    scores = matched.astype(np.float32) * np.float32(max(weight, 1.0) * getattr(leaf, "boost", 1.0))
    return matched, scores


def evaluate(query: q.Query, searcher: Any, segments: LeafSegments) -> tuple[np.ndarray, np.ndarray]:
    """(match mask, BM25F scores) of a query over every document of the searcher."""
    if isinstance(query, q.Every):
        return np.ones(segments.doc_count, dtype=bool), np.zeros(segments.doc_count, dtype=np.float32)
    if isinstance(query, q.Term):
        return _term(segments, query)
    if isinstance(query, q.AndNot):
        matched, scores = evaluate(query.a, searcher, segments)
        excluded, _ = evaluate(query.b, searcher, segments)
        matched &= ~excluded
        return matched, np.where(matched, scores, 0).astype(np.float32)
    if isinstance(query, q.Not):
        excluded, _ = evaluate(query.query, searcher, segments)
        return ~excluded, np.zeros(segments.doc_count, dtype=np.float32)
    if isinstance(query, (q.And, q.Or)) and not isinstance(query, (q.DisjunctionMax,)):
        parts = [evaluate(child, searcher, segments) for child in query.subqueries]
        if not parts:
            return np.zeros(segments.doc_count, dtype=bool), np.zeros(segments.doc_count, dtype=np.float32)
        matched = parts[0][0].copy()
        scores = parts[0][1].copy()
        for part_matched, part_scores in parts[1:]:
            if isinstance(query, q.And):
                matched &= part_matched
            else:
                matched |= part_matched
            scores += part_scores
        if isinstance(query, q.And):
            scores = np.where(matched, scores, 0).astype(np.float32)
        return matched, scores * np.float32(getattr(query, "boost", 1.0))
    if isinstance(query, q.MultiTerm) and getattr(query, "fieldname", None):
        # prefix*, wild?card, fuzzy~: the index's words they stand for, then an OR of those terms
        try:
            words = list(itertools.islice(query._btexts(searcher.reader()), MAX_EXPANSION))  # noqa: SLF001
        except Exception:  # an expansion Whoosh cannot make: let Whoosh match it whole
            return _by_whoosh(segments, searcher, query)
        expanded = q.Or([q.Term(query.fieldname, w, boost=getattr(query, "boost", 1.0)) for w in words])
        return evaluate(expanded, searcher, segments)
    if query is q.NullQuery or isinstance(query, type(q.NullQuery)):
        return np.zeros(segments.doc_count, dtype=bool), np.zeros(segments.doc_count, dtype=np.float32)
    return _by_whoosh(segments, searcher, query)
