"""Matching and BM25F scoring over whole posting lists with numpy.

Whoosh's matchers walk a query document by document in Python, and its collector scores
every match the same way; with tens of thousands of matches that is most of a search's
time. Here a query tree is evaluated into two dense arrays over all documents, a match mask
and a score, reading each term's posting list a block at a time (Whoosh's own decoded
blocks). Term, And, Or, Not and AndNot are computed with numpy. Phrases too (Whoosh checks
positions document by document, in Python): the documents holding all the words come from the
posting lists, and only their positions are compared, all at once, from positions decoded once
per term with numpy. The slowest part left is the first reading of a very frequent word's
posting list (each block unpickled by Whoosh). Prefixes and fuzzy terms expand to their index
words; anything else asks Whoosh for its documents, and scores with the idf of its words.

A phrase scores as Whoosh scores it: its ``Phrase`` matcher is the intersection of its words'
term matchers (a ``SpanNear2`` keeping the documents where they stand in order), so a matching
document's score is the sum of its words' BM25F scores, a repeated word counted each time, times
the phrase's boost. A document that says the phrase three times holds each of its words at least
three times, and ranks above one that says it once (of the same length).

Scoring is BM25F per field: ``idf · boost · tf·(k1+1) / (tf + k1·(1 − b + b·len/avglen))``, with
``idf = log(1 + (N − df + 0.5) / (df + 0.5))``; ``len`` is the document's length in the field as
Whoosh stores it (quantised to a byte), ``avglen`` the mean of those over the ``N`` stored
documents. ``tests/search/test_fast_path_contract.py`` runs the same queries through Whoosh's
own searcher with this formula and compares hits, counts, scores and order.
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
        # Documents counted for idf and the mean length: every stored one, deleted ones included
        # until their segment is merged away, because the document frequencies (Whoosh's and the
        # posting lists') count them too; with live documents only, a word of re-indexed people
        # could occur in more documents than are counted, and its idf would turn negative.
        self.stats_count = max(1, self.doc_count)
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
            self.average[field] = total / self.stats_count if total else 1.0
        self.cache: OrderedDict[tuple[str, Any], _Postings] = OrderedDict()
        self.cache_bytes = 0
        self.live = np.ones(self.doc_count, dtype=bool)
        for reader, offset in self.leaves:
            for docnum in reader.deleted_docs_set if reader.has_deletions() else ():
                self.live[offset + docnum] = False


def _segment_lengths(reader: Any, field: str, count: int) -> np.ndarray | None:
    """A segment's field lengths, read from its length column in one go."""
    name = _lenfield(field)  # noqa: SLF001 - Whoosh names a length column only through this helper
    perdoc = reader.codec().per_document_reader(reader.storage(), reader.segment())
    try:
        if not perdoc.has_column(name):
            return None
        column = perdoc.column_reader(name, LENGTHS_COLUMN)
        # no public bulk read of a column: one read of its bytes rather than one call per document
        raw = column._dbfile.get(column._basepos, column._count)  # noqa: SLF001
    finally:
        perdoc.close()
    codes = np.frombuffer(bytes(raw), dtype=np.uint8)
    lengths = np.zeros(count, dtype=np.float32)
    lengths[: len(codes)] = _BYTE_LENGTHS[codes]
    return lengths


class _Postings:
    """One term's postings over every segment: document numbers (ascending), term frequencies and,
    in a positional field, the encoded positions as Whoosh stored them (one bytes blob and each
    posting's length), decoded into arrays the first time a phrase needs them."""

    __slots__ = ("ids", "tf", "blob", "lengths", "fmt", "positions", "nbytes")

    def __init__(self, ids: np.ndarray, tf: np.ndarray, blob: bytes | None, lengths: np.ndarray | None,
                 fmt: Any):
        self.ids, self.tf, self.blob, self.lengths, self.fmt = ids, tf, blob, lengths, fmt
        self.positions: tuple[np.ndarray, np.ndarray] | None = None  # (start of each posting's, all)
        self.nbytes = ids.nbytes + tf.nbytes + (len(blob) if blob is not None else 0) \
            + (lengths.nbytes if lengths is not None else 0)


def _postings(segments: LeafSegments, field: str, text: Any) -> tuple[np.ndarray, np.ndarray]:
    """(document numbers, term frequencies) of one term, decoded once per searcher (LRU cache)."""
    found = _posting_list(segments, field, text)
    return found.ids, found.tf


def term_documents(segments: LeafSegments, field: str, text: str) -> np.ndarray:
    """The document numbers holding one term (ascending), read once per searcher like every posting list."""
    return _posting_list(segments, field, text).ids


def _posting_list(segments: LeafSegments, field: str, text: Any, positions: bool = False) -> _Postings:
    """A term's postings from the cache, read when missing; with ``positions`` (for a phrase), read
    again when the cached ones were read without them (keeping them costs a sixth more time)."""
    key = (field, text)
    cached = segments.cache.get(key)
    if cached is not None and (not positions or cached.positions is not None or cached.blob is not None
                               or not len(cached.ids)):
        segments.cache.move_to_end(key)
        return cached
    if cached is not None:
        del segments.cache[key]
        segments.cache_bytes -= cached.nbytes
    found = _read_postings(segments, field, text, positions)
    segments.cache[key] = found
    segments.cache_bytes += found.nbytes
    _trim(segments)
    return found


def _trim(segments: LeafSegments) -> None:
    while segments.cache_bytes > CACHE_BYTES and len(segments.cache) > 1:
        _, old = segments.cache.popitem(last=False)
        segments.cache_bytes -= old.nbytes


def _read_postings(segments: LeafSegments, field: str, text: Any, positions: bool = False) -> _Postings:
    """One term's postings over every segment; with ``positions``, also the raw positions when the
    field has them."""
    ids: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    values: list[Any] = []
    fmt = None
    for reader, offset in segments.leaves:
        try:
            if (field, text) not in reader:
                continue
            matcher = reader.postings(field, text)
        except Exception:  # a term the field cannot hold (e.g. text in a numeric field): no postings
            continue
        if isinstance(matcher, FilterMatcher):
            # deleted documents are removed by the live mask instead; the filter has already moved
            # its child past the leading deleted ones, so the child starts again from the top
            matcher = matcher.child
            matcher.reset()
        if fmt is None:
            fmt = reader.schema[field].format
            fmt = fmt if positions and fmt is not None and fmt.supports("positions") else False
        if hasattr(matcher, "_read_ids"):  # Whoosh's block matcher (W3LeafMatcher): read block by block
            # Whoosh's matchers give a posting at a time; its decoded block (ids, weights, values)
            # has no public form, and reading it whole is what makes this path fast
            while matcher.is_active():
                ids.append(_block_ids(matcher) + offset)
                matcher._read_weights()  # noqa: SLF001
                weights.append(np.asarray(matcher._weights, dtype=np.float32))  # noqa: SLF001
                if fmt:
                    matcher._read_values()  # noqa: SLF001
                    values.append(matcher._values)  # noqa: SLF001
                matcher._next_block()  # noqa: SLF001
        else:  # any other matcher (e.g. inlined postings): one posting at a time
            found_ids, found_weights, found_values = [], [], []
            while matcher.is_active():
                found_ids.append(matcher.id())
                found_weights.append(matcher.weight())
                if fmt:
                    found_values.append(matcher.value())
                matcher.next()
            ids.append(np.asarray(found_ids, dtype=np.int64) + offset)
            weights.append(np.asarray(found_weights, dtype=np.float32))
            values.append(found_values)
    if not ids:
        return _Postings(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32), None, None, None)
    blob, lengths = None, None
    if fmt:
        flat = list(itertools.chain.from_iterable(values))
        blob = b"".join(flat)
        lengths = np.fromiter(map(len, flat), dtype=np.int64, count=len(flat))
    return _Postings(np.concatenate(ids), np.concatenate(weights), blob, lengths, fmt or None)


def _block_ids(matcher: Any) -> np.ndarray:
    """The document numbers of the matcher's current block: Whoosh's ``_read_ids`` with numpy
    (it stores the gaps between them, and sums them in a Python generator: most of a block's
    decoding time once unpickled)."""
    # the block's stored ids (no public form: see _read_postings)
    if matcher._data is None:  # noqa: SLF001
        matcher._read_data()  # noqa: SLF001 - the block, decompressed and unpickled
    stored = matcher._data[0]  # noqa: SLF001
    if matcher._byteids:  # noqa: SLF001 - stored as they are
        return np.asarray(stored, dtype=np.int64)
    return np.cumsum(np.asarray(stored, dtype=np.int64))


# --- positions, for phrases ---------------------------------------------------------------------
#
# Whoosh's Positions format stores each posting's positions as its count (4 bytes, big-endian)
# and then the pickled list of the gaps between them (protocol 2): ``80 02 ] q 00``, then for one
# gap ``K g a``, for more ``( K g K g … e``, then ``.``. When every gap is below 256 each is a
# BININT1 ``K g`` and the layout is fixed, so numpy reads all of a term's postings at once;
# any other posting (a gap of 256 or more, over 1,000 positions) is decoded by Whoosh itself.

_K = ord("K")
_PICKLE_HEAD = b"\x80\x02]q\x00"


def _positions(segments: LeafSegments, found: _Postings) -> tuple[np.ndarray, np.ndarray]:
    """(index of each posting's first position in ``all``, ``all`` positions) of a term (cached)."""
    if found.positions is None:
        assert found.blob is not None and found.lengths is not None
        found.positions = _decode_positions(found.blob, found.lengths, found.fmt)
        change = found.positions[0].nbytes + found.positions[1].nbytes - len(found.blob) - found.lengths.nbytes
        found.nbytes += change
        found.blob, found.lengths = b"", np.empty(0, dtype=np.int64)  # decoded: the raw form is not needed
        if any(entry is found for entry in reversed(segments.cache.values())):  # (not evicted meanwhile)
            segments.cache_bytes += change
            _trim(segments)
    return found.positions


def _decode_positions(blob: bytes, lengths: np.ndarray, fmt: Any) -> tuple[np.ndarray, np.ndarray]:
    """(index of each posting's first position, every posting's positions one after another)."""
    count = len(lengths)
    if not count:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32)
    data = np.frombuffer(blob, dtype=np.uint8)
    starts = _starts(lengths)
    simple = lengths >= 11
    freq = np.zeros(count, dtype=np.int64)
    at = starts[simple]
    freq[simple] = ((data[at].astype(np.int64) << 24) | (data[at + 1].astype(np.int64) << 16)
                    | (data[at + 2].astype(np.int64) << 8) | data[at + 3])
    many = (freq > 1).astype(np.int64)
    # the fixed layout: 4 + 5 header bytes, "(" when more than one gap, 2 bytes a gap, "e" or "a", "."
    simple &= (freq >= 1) & (lengths == 11 + 2 * freq + many)
    for i, byte in enumerate(_PICKLE_HEAD):
        simple &= data[np.minimum(starts + 4 + i, len(data) - 1)] == byte
    last = np.minimum(starts + lengths, len(data)) - 1
    simple &= data[last] == ord(".")
    simple &= data[np.maximum(last - 1, 0)] == np.where(many == 1, ord("e"), ord("a"))
    simple &= (many == 0) | (data[np.minimum(starts + 9, len(data) - 1)] == ord("("))
    counts = np.where(simple, freq, 0)
    opcodes = _ranges(starts + 9 + many, counts, step=2)  # every gap's opcode byte
    if len(opcodes):
        bad = data[opcodes] != _K  # a gap of 256 or more: that posting is decoded otherwise
        if bad.any():
            owner = np.repeat(np.arange(count), counts)
            simple[np.unique(owner[bad])] = False
            counts = np.where(simple, freq, 0)
            opcodes = _ranges(starts + 9 + many, counts, step=2)
    gaps = data[opcodes + 1].astype(np.int64)
    if simple.all():
        return _starts(counts), _running(gaps, counts).astype(np.int32)
    # the others, decoded by Whoosh (its format's own decoder), then everything put in order
    rest = np.flatnonzero(~simple).tolist()
    decoded = {i: fmt.decode_positions(blob[starts[i]:starts[i] + lengths[i]]) for i in rest}
    all_counts = counts.copy()
    for i in rest:
        all_counts[i] = len(decoded[i])
    begin = _starts(all_counts)
    positions = np.empty(int(all_counts.sum()), dtype=np.int64)
    positions[_ranges(begin, counts)] = _running(gaps, counts[counts > 0])
    for i in rest:
        positions[begin[i]:begin[i] + all_counts[i]] = decoded[i]
    return begin, positions.astype(np.int32)


def _starts(lengths: np.ndarray) -> np.ndarray:
    """Where each of consecutive pieces of these lengths starts."""
    starts = np.zeros(len(lengths), dtype=np.int64)
    if len(lengths) > 1:
        np.cumsum(lengths[:-1], out=starts[1:])
    return starts


def _ranges(begin: np.ndarray, counts: np.ndarray, step: int = 1) -> np.ndarray:
    """``begin[j], begin[j] + step, …`` (``counts[j]`` of them) for every j, one after another."""
    keep = counts > 0
    begin, counts = begin[keep], counts[keep]
    total = int(counts.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    increments = np.full(total, step, dtype=np.int64)
    increments[0] = begin[0]
    ends = np.cumsum(counts)[:-1]
    increments[ends] = begin[1:] - (begin[:-1] + step * (counts[:-1] - 1))
    return np.cumsum(increments)


def _running(gaps: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Each piece's gaps summed into positions: a running sum restarted at every piece (counts > 0)."""
    if not len(gaps):
        return gaps
    starts = _starts(counts)
    steps = gaps.copy()
    # where a piece starts, take back the previous piece's last position (the sum of its gaps)
    steps[starts[1:]] -= np.add.reduceat(gaps, starts)[:-1]
    return np.cumsum(steps)


PARTIAL_BLOCKS = 3  # a word's blocks are read only where candidates are when that is under 1/3 of them


def _phrase(segments: LeafSegments, searcher: Any, leaf: q.Phrase) -> tuple[np.ndarray, np.ndarray] | None:
    """The documents where the phrase's words stand next to each other, in order, as Whoosh's
    ``Phrase`` (a ``SpanNear2`` with slop 1) finds them; None when this case is left to Whoosh.

    Words are taken rarest first. The candidates are the documents holding every word so far:
    of a frequent word ("the", "и") not yet cached with its positions, only the posting blocks
    that can hold a candidate are read, when they are few. Then the candidates' positions are
    compared all at once: a match is a position ``p`` of the first word with ``p + i`` a position
    of the i-th word, so each word's (document, position − i) pairs are intersected."""
    field = searcher.schema[leaf.fieldname] if leaf.fieldname in searcher.schema else None
    words = leaf.words
    if field is None or not field.format or not field.format.supports("positions") or leaf.slop != 1 \
            or not words or not all(isinstance(w, str) for w in words):
        return None
    matched = np.zeros(segments.doc_count, dtype=bool)
    empty = matched, np.zeros(segments.doc_count, dtype=np.float32)
    frequency = {word: searcher.doc_frequency(leaf.fieldname, word) for word in set(words)}
    if not all(frequency.values()):
        return empty
    found: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}  # word -> (ids, tf, begin, positions)
    docs: np.ndarray | None = None
    for word in sorted(frequency, key=lambda w: (frequency[w], w)):
        part = _partial_positions(segments, leaf.fieldname, word, docs) if docs is not None else None
        if part is None:
            whole = _posting_list(segments, leaf.fieldname, word, positions=True)
            if whole.positions is None and whole.blob is None:
                return None  # no positions could be read for this term: let Whoosh decide
            part = (whole.ids, whole.tf, *_positions(segments, whole))
        found[word] = part
        ids = part[0]
        docs = np.flatnonzero(_mask(segments, ids)) if docs is None else docs[_contains(ids, docs)]
        if not len(docs):
            return empty
    assert docs is not None
    keys = None
    for i, word in enumerate(words):
        ids, _, begin, positions = found[word]
        chosen = np.searchsorted(ids, docs)  # every candidate is in every word's list
        counts = np.diff(np.append(begin, len(positions)))[chosen]
        at = positions[_ranges(begin[chosen], counts)].astype(np.int64) - i
        rank = np.repeat(np.arange(len(docs), dtype=np.int64), counts)
        these = ((rank << 32) | np.maximum(at, 0))[at >= 0]
        keys = these if keys is None else np.intersect1d(keys, these, assume_unique=True)
        if not len(keys):
            return empty
    assert keys is not None  # words is not empty (checked above)
    hits = docs[np.unique(keys >> 32)]
    matched[hits] = True
    words_found = [(found[word][0], found[word][1], frequency[word]) for word in words]
    return matched, _phrase_scores(segments, leaf, hits, words_found)


def _phrase_scores(segments: LeafSegments, leaf: q.Phrase, hits: np.ndarray,
                   words: list[tuple[np.ndarray, np.ndarray, int]]) -> np.ndarray:
    """The scores of a phrase's matching documents ``hits`` (sorted), as Whoosh's ``Phrase`` gives
    them: the sum of its words' BM25F scores in each document, times the phrase's boost. ``words``
    holds, for each word of the phrase in order (a repeated one each time), its postings (document
    numbers, term frequencies) covering ``hits``, and its document frequency."""
    scores = np.zeros(segments.doc_count, dtype=np.float32)
    lengths = segments.lengths.get(leaf.fieldname)
    if lengths is None or not len(hits):  # a field without lengths is matched, not scored
        return scores
    norm = K1 * (1 - B + B * lengths[hits] / segments.average[leaf.fieldname])
    total = np.zeros(len(hits), dtype=np.float32)
    for ids, tf, doc_frequency in words:
        word_tf = tf[np.searchsorted(ids, hits)]
        total += _idf(segments, doc_frequency) * word_tf * (K1 + 1) / (word_tf + norm)
    scores[hits] = total * np.float32(getattr(leaf, "boost", 1.0))
    return scores


def _mask(segments: LeafSegments, ids: np.ndarray) -> np.ndarray:
    """A mask of the live documents among ``ids``."""
    present = np.zeros(segments.doc_count, dtype=bool)
    present[ids] = True
    return present & segments.live


def _contains(ids: np.ndarray, docs: np.ndarray) -> np.ndarray:
    """Which of ``docs`` (sorted) are in ``ids`` (sorted)."""
    if not len(ids):
        return np.zeros(len(docs), dtype=bool)
    at = np.searchsorted(ids, docs)
    return (at < len(ids)) & (ids[np.minimum(at, len(ids) - 1)] == docs)


def _partial_positions(segments: LeafSegments, field: str, text: Any,
                       docs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """(ids, term frequencies, position starts, positions) of a term in ``docs`` only, reading only the posting
    blocks whose range of documents holds one of them (a block's header gives its last
    document, without decompressing it); None when the term is cached with its positions, or
    when too many blocks would be read (then the whole list is read, and cached)."""
    cached = segments.cache.get((field, text))
    if cached is not None and (cached.positions is not None or cached.blob is not None):
        return None
    plans = []
    blocks = touched = 0
    fmt = None
    for reader, offset in segments.leaves:
        try:
            if (field, text) not in reader:
                continue
            matcher = reader.postings(field, text)
        except Exception:
            continue
        if isinstance(matcher, FilterMatcher):
            matcher = matcher.child  # every posting, from the first block (as in _read_postings)
            matcher.reset()
        fmt = reader.schema[field].format
        if not hasattr(matcher, "_goto") or fmt is None or not fmt.supports("positions"):
            return None
        local = docs[(docs >= offset) & (docs < offset + reader.doc_count_all())] - offset
        starts, last = [], []
        # where each block starts in the postings file, to come back to the wanted ones: Whoosh
        # keeps block offsets and moving between blocks private (its matchers only skip forward)
        position = matcher._baseoffset  # noqa: SLF001 - the first block
        while matcher.is_active():
            starts.append(position)
            last.append(matcher.block_max_id())  # from the block's header
            position = matcher._nextoffset  # noqa: SLF001
            matcher._next_block()  # noqa: SLF001 - reads the next header only
        last_ids = np.asarray(last, dtype=np.int64)
        inside = np.searchsorted(local, last_ids, side="right")
        wanted = np.flatnonzero(np.diff(np.concatenate(([0], inside))) > 0)
        blocks += len(starts)
        touched += len(wanted)
        plans.append((matcher, offset, local, [starts[k] for k in wanted.tolist()]))
    if touched * PARTIAL_BLOCKS > blocks:
        return None
    ids: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    values: list[bytes] = []
    for matcher, offset, local, wanted_starts in plans:
        for position in wanted_starts:
            matcher._goto(position)  # noqa: SLF001
            block_ids = _block_ids(matcher)
            matcher._read_weights()  # noqa: SLF001
            matcher._read_values()  # noqa: SLF001
            keep = np.flatnonzero(_contains(local, block_ids))
            ids.append(block_ids[keep] + offset)
            weights.append(np.asarray(matcher._weights, dtype=np.float32)[keep])  # noqa: SLF001
            block_values = matcher._values  # noqa: SLF001
            values.extend(block_values[k] for k in keep.tolist())
    ids_all = np.concatenate(ids) if ids else np.empty(0, dtype=np.int64)
    tf = np.concatenate(weights) if weights else np.empty(0, dtype=np.float32)
    lengths = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    begin, positions = _decode_positions(b"".join(values), lengths, fmt)
    return ids_all, tf, begin, positions


def _idf(segments: LeafSegments, doc_frequency: int) -> float:
    return math.log(1 + (segments.stats_count - doc_frequency + 0.5) / (doc_frequency + 0.5))


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
    """Phrases and anything else: Whoosh finds the documents (positions are its business). A phrase
    scores as in ``_phrase``; anything else with the idf of its words."""
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
    if isinstance(leaf, q.Phrase) and all(isinstance(w, str) for w in leaf.words):  # scored as _phrase does
        hits = np.flatnonzero(matched)
        words = [(*_postings(segments, leaf.fieldname, word), searcher.doc_frequency(leaf.fieldname, word))
                 for word in leaf.words]
        return matched, _phrase_scores(segments, leaf, hits, words)
    weight = 0.0
    for field, text in leaf.iter_all_terms():
        if field in segments.lengths:
            weight += _idf(segments, searcher.doc_frequency(field, text))
    scores = matched.astype(np.float32) * np.float32(max(weight, 1.0) * getattr(leaf, "boost", 1.0))
    return matched, scores


Evaluated = dict[q.Query, tuple[np.ndarray, np.ndarray]]


def evaluate(query: q.Query, searcher: Any, segments: LeafSegments,
             known: Evaluated | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(match mask, BM25F scores) of a query over every document of the searcher.

    ``known``: the results of queries already evaluated in this search, filled with this query's and
    its direct parts' (a word of several is one part), so that asking whether one word finds anything
    by itself (as the suggestions do) costs nothing more. Results taken from it are shared: read-only."""
    if known is None:
        return _evaluate(query, searcher, segments, None)
    try:
        found = known.get(query)
    except TypeError:  # a query Whoosh cannot hash: evaluated every time
        return _evaluate(query, searcher, segments, None)
    if found is None:
        found = known[query] = _evaluate(query, searcher, segments, known)
    return found


def _evaluate(query: q.Query, searcher: Any, segments: LeafSegments,
              known: Evaluated | None) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(query, q.Every):
        return np.ones(segments.doc_count, dtype=bool), np.zeros(segments.doc_count, dtype=np.float32)
    if isinstance(query, q.Term):
        return _term(segments, query)
    if isinstance(query, q.AndNot):
        matched, scores = evaluate(query.a, searcher, segments, known)
        excluded, _ = evaluate(query.b, searcher, segments, known)
        matched = matched & ~excluded
        return matched, np.where(matched, scores, 0).astype(np.float32)
    if isinstance(query, q.Not):
        excluded, _ = evaluate(query.query, searcher, segments)
        return ~excluded, np.zeros(segments.doc_count, dtype=np.float32)
    if isinstance(query, (q.And, q.Or)) and not isinstance(query, (q.DisjunctionMax,)):
        # the direct parts are kept in ``known`` (their own parts are not: one field's term each)
        parts = [evaluate(child, searcher, segments, known) if known is not None and _is_group(child)
                 else evaluate(child, searcher, segments) for child in query.subqueries]
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
            words = [text for _, text in itertools.islice(query.expanded_terms(searcher.reader()), MAX_EXPANSION)]
        except Exception:  # an expansion Whoosh cannot make: let Whoosh match it whole
            return _by_whoosh(segments, searcher, query)
        expanded = q.Or([q.Term(query.fieldname, w, boost=getattr(query, "boost", 1.0)) for w in words])
        return evaluate(expanded, searcher, segments)
    if isinstance(query, q.Phrase):
        found = _phrase(segments, searcher, query)
        if found is not None:
            return found
    if query is q.NullQuery or isinstance(query, type(q.NullQuery)):
        return np.zeros(segments.doc_count, dtype=bool), np.zeros(segments.doc_count, dtype=np.float32)
    return _by_whoosh(segments, searcher, query)


def _is_group(query: q.Query) -> bool:
    """A query made of other queries (a word searched in every field, a phrase in every field): worth
    keeping for the rest of a search; a single field's term is not."""
    return isinstance(query, q.CompoundQuery)  # (And, Or, AndNot, …)
