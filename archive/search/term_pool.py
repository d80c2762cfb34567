"""A build's postings kept per term, spilled in term order, and written a block at a time.

Whoosh's writer turns every posting into a tuple ``(field, term, docnum, weight, value)``,
sorts all of them (spilling sorted runs past its memory limit and merging them with a heap,
one posting at a time), and hands them one by one to the postings writer, which checks each
with four ``assert``s and buffers it (read in whoosh 2.7 ``writing.py``, ``externalsort.py``,
``codec/base.py`` and ``codec/whoosh3.py``): each posting of a large build is touched a dozen
times in Python.

A build adds documents in docnum order, so the postings of one term arrive already sorted:
``TermPool`` appends them to that term's list and sorts only the terms. Past its memory limit
it spills a run in term order; the final merge is by term (one heap step per term per run,
not per posting), and runs are concatenated in the order they were written, which keeps
docnums ascending. ``write_terms`` then gives each block of postings to the postings writer of
``BuildCodec`` (Whoosh's W3 codec with its field and postings writers subclassed), with the
block's statistics computed over slices: the same bytes as Whoosh writes, with Python work per
block rather than per posting.

The values are computed as Whoosh's formats compute them (``formats.Positions.encode``,
``formats.Frequency``), with the value of the common cases (a word said once, at a position
seen before) remembered rather than pickled again.
"""

from __future__ import annotations

import heapq
import pickle
import uuid
import zlib
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from operator import itemgetter, sub
from typing import Any

from whoosh import formats
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3Codec, W3FieldWriter, W3PostingsWriter
from whoosh.system import pack_uint
from whoosh.util.numeric import length_to_byte

from archive.search.whoosh_writing import pickled_chunks

Flat = list  # docnum, weight, value, docnum, weight, value, ... of one term (docnums ascending)
TermEntry = tuple[str, bytes, Flat]  # field name, term bytes, postings
_POSTING_BYTES = 40  # what one posting costs in the pool (3 list slots, its share of values)
_TERM_BYTES = 200  # what one term costs (its list, key and dict slot)
_RUN_CHUNK_POSTINGS = 200_000  # postings per pickle in a run: bounds what the merge holds per run
_BLOCK_WBITS, _BLOCK_MEMLEVEL = 12, 4  # zlib's window and state for a block (see _compress)
_CACHED_POSITION = 4096  # positions whose single-occurrence value is remembered
_CACHED_VALUE_CHARS = 300  # values up to this long are remembered per field, with their postings
_CACHED_VALUES = 20_000  # values remembered per field; then it starts afresh
_CACHE_TRIAL = 2_000  # values not met before, after which a field that hit fewer stops remembering


class _Values:
    """The encoded value of a posting, as Whoosh's formats encode it, remembered when common."""

    def __init__(self) -> None:
        self._single: dict[int, bytes] = {}
        self._freq: dict[int, bytes] = {}

    def single(self, pos: int) -> bytes:
        """``formats.Positions.encode([pos])``."""
        found = self._single.get(pos)
        if found is None:
            found = pack_uint(1) + pickle.dumps([pos], 2)
            if pos < _CACHED_POSITION:
                self._single[pos] = found
        return found

    def positions(self, poslist: list[int]) -> bytes:
        """``formats.Positions.encode``: the count, then the pickled deltas."""
        if len(poslist) == 1:
            return self.single(poslist[0])
        deltas = []
        base = 0
        for pos in poslist:
            deltas.append(pos - base)
            base = pos
        return pack_uint(len(deltas)) + pickle.dumps(deltas, 2)

    def frequency(self, freq: int) -> bytes:
        """``formats.Frequency``'s value: the count."""
        found = self._freq.get(freq)
        if found is None:
            found = self._freq[freq] = pack_uint(freq)
        return found


def _words(analyzer: Any) -> Callable[[str], list[str]] | None:
    """The analyser's words in order when it can give them without tokens (``WordTokenizer``)."""
    return getattr(analyzer, "words", None)


class TermPool:
    """Postings grouped by field and term, in memory up to ``limitmb``, then in runs on disk."""

    def __init__(self, tempstore: Any, limitmb: int = 256):
        self.tempstore = tempstore
        self.limit = limitmb * 1024 * 1024
        self.fieldnames: set[str] = set()
        self._fields: dict[str, dict[bytes, Flat]] = defaultdict(dict)
        self._postings = 0
        self._terms = 0
        self.runs: list[str] = []
        self._values = _Values()
        self._weights: dict[tuple[float, int], float] = {}
        self._analysed: dict[str, dict[tuple[str, float], tuple[list[tuple[bytes, float, bytes]], int]]] = \
            defaultdict(dict)
        self._hits: dict[str, int] = defaultdict(int)
        self._misses: dict[str, int] = defaultdict(int)
        self._uncached: set[str] = set()

    # --- adding ---------------------------------------------------------------------------

    def _weight(self, scale: float, freq: int) -> float:
        """``freq`` summed token boosts of 1.0, times the boosts, as Whoosh multiplies them."""
        key = (scale, freq)
        found = self._weights.get(key)
        if found is None:
            found = self._weights[key] = float(freq) * scale
        return found

    def add_field(self, fieldname: str, field: Any, docnum: int, value: Any, fieldboost: float) -> int:
        """Index ``value`` into this field for ``docnum``; returns the field's length in the document.

        The same postings as ``SegmentWriter.add_document`` makes from ``field.index(value)``.
        A short value met before in this field (a person's names on each of their quotes, a
        theme's labels, a facet) reuses the postings it gave then."""
        if isinstance(value, str) and len(value) <= _CACHED_VALUE_CHARS and fieldname not in self._uncached:
            cache = self._analysed[fieldname]
            found = cache.get((value, fieldboost))
            if found is None:
                found = self._analyse(field, value, fieldboost)
                if len(cache) >= _CACHED_VALUES:
                    cache.clear()
                cache[(value, fieldboost)] = found
                self._missed(fieldname)
            else:
                self._hits[fieldname] += 1
        else:
            found = self._analyse(field, value, fieldboost)
        postings, length = found
        terms = self._fields[fieldname]
        if not terms:
            self.fieldnames.add(fieldname)
        for word, weight, encoded in postings:
            flat = terms.get(word)
            if flat is None:
                terms[word] = [docnum, weight, encoded]
                self._terms += 1
            else:
                flat += (docnum, weight, encoded)
        self._grew(len(postings))
        return length if field.scorable else 0

    def _missed(self, fieldname: str) -> None:
        """A value not met before: past a trial, a field whose values rarely repeat (ids, the
        text of each quote) is no longer remembered, which would cost memory for nothing."""
        misses = self._misses[fieldname] = self._misses[fieldname] + 1
        if misses >= _CACHE_TRIAL and self._hits[fieldname] < misses:
            self._uncached.add(fieldname)
            del self._analysed[fieldname]

    def _analyse(self, field: Any, value: Any, fieldboost: float) -> tuple[list[tuple[bytes, float, bytes]], int]:
        """The (word, weight, value) postings of ``value`` in ``field``, and its length (frequencies summed)."""
        fmt = field.format
        kind = type(fmt)
        words = _words(field.analyzer) if isinstance(value, str) else None
        if words is None or kind not in (formats.Positions, formats.Frequency):
            postings = []
            length = 0
            for btext, freq, weight, vbytes in field.index(value):
                postings.append((btext, weight * fieldboost, vbytes))
                length += freq
            return postings, length
        scale = fmt.field_boost
        weight_of = self._weight
        found = words(value)
        firsts = dict(zip(reversed(found), range(len(found) - 1, -1, -1), strict=False))  # each word's first position
        one = weight_of(scale, 1) * fieldboost
        if kind is formats.Frequency:
            encode_freq = self._values.frequency
            if len(firsts) == len(found):  # every word once (the spelling field's words are unique)
                once = encode_freq(1)
                return [(word.encode(), one, once) for word in firsts], len(found)
            counts = Counter(found)
            return [(word.encode(), weight_of(scale, counts[word]) * fieldboost, encode_freq(counts[word]))
                    for word in firsts], len(found)
        single = self._values.single
        if len(firsts) == len(found):  # every word once: the common case
            return [(word.encode(), one, single(pos)) for word, pos in firsts.items()], len(found)
        counts = Counter(found)
        repeated: dict[str, list[int]] = {}
        for pos, word in enumerate(found):
            if counts[word] > 1:
                repeated.setdefault(word, []).append(pos)
        encode = self._values.positions
        postings = []
        for word, pos in firsts.items():
            poslist = repeated.get(word)
            if poslist is None:
                postings.append((word.encode(), one, single(pos)))
            else:
                postings.append((word.encode(), weight_of(scale, len(poslist)) * fieldboost, encode(poslist)))
        return postings, len(found)

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        """One posting as Whoosh's pool takes it (``add_reader``); docnums must ascend per term."""
        fieldname, btext, docnum, weight, vbytes = item
        terms = self._fields[fieldname]
        self.fieldnames.add(fieldname)
        flat = terms.get(btext)
        if flat is None:
            terms[btext] = [docnum, weight, vbytes or b""]
            self._terms += 1
        else:
            flat += (docnum, weight, vbytes or b"")
        self._grew(1)

    def _grew(self, postings: int) -> None:
        self._postings += postings
        if self._postings * _POSTING_BYTES + self._terms * _TERM_BYTES > self.limit:
            self.save()

    # --- runs -----------------------------------------------------------------------------

    def _sorted_current(self) -> Iterator[TermEntry]:
        """The postings in memory in (field, term bytes) order."""
        for fieldname in sorted(self._fields):
            terms = self._fields[fieldname]
            for word in sorted(terms):
                yield fieldname, word, terms[word]

    def save(self) -> None:
        """Spill what is in memory as a run, in term order, in pickled chunks."""
        if not self._postings and not self._terms:
            return
        name = f"{uuid.uuid4().hex}.terms"
        with self.tempstore.create_file(name).raw_file() as f:
            chunk: list[TermEntry] = []
            size = 0
            for entry in self._sorted_current():
                chunk.append(entry)
                size += len(entry[2])
                if size >= 3 * _RUN_CHUNK_POSTINGS:
                    pickle.dump(chunk, f, pickle.HIGHEST_PROTOCOL)
                    chunk, size = [], 0
            if chunk:
                pickle.dump(chunk, f, pickle.HIGHEST_PROTOCOL)
        self.runs.append(name)
        self._fields = defaultdict(dict)
        self._postings = self._terms = 0

    def _read_run(self, name: str) -> Iterator[TermEntry]:
        """A run's entries in order; the run file is removed once read."""
        f = self.tempstore.open_file(name).raw_file()
        try:
            yield from pickled_chunks(f)
        finally:
            f.close()
            self.tempstore.delete_file(name)

    def iter_terms(self) -> Iterator[TermEntry]:
        """Every term once, in (field, term) order, with all its postings in docnum order."""
        if not self.runs:
            yield from self._sorted_current()
            return
        sources: list[Iterable[TermEntry]] = [self._read_run(name) for name in self.runs]
        sources.append(self._sorted_current())  # the newest documents: last
        merged = heapq.merge(*sources, key=itemgetter(0, 1))  # ties keep the order of the runs
        pending: TermEntry | None = None
        for entry in merged:
            if pending is not None and pending[0] == entry[0] and pending[1] == entry[1]:
                pending[2].extend(entry[2])
            else:
                if pending is not None:
                    yield pending
                pending = entry
        if pending is not None:
            yield pending

    def iter_postings(self) -> Iterator[tuple[str, bytes, int, float, bytes]]:
        """The postings one by one, as Whoosh's pool gives them (for Whoosh's own code paths)."""
        for fieldname, word, flat in self.iter_terms():
            for i in range(0, len(flat), 3):
                yield fieldname, word, flat[i], flat[i + 1], flat[i + 2]

    def cleanup(self) -> None:
        for name in self.runs:
            if self.tempstore.file_exists(name):
                self.tempstore.delete_file(name)
        self.runs = []
        self._fields = defaultdict(dict)


class _Positioned:
    """A file written from start to end that knows its position without asking the system.

    Whoosh asks the postings and terms files for their position a few times a term, and a
    buffered file's ``tell`` is a system call each time."""

    def __init__(self, file: Any):
        self._file = file
        self._position = file.tell()

    def write(self, data: Any) -> int:
        written = self._file.write(data)
        self._position += written if isinstance(written, int) else len(data)
        return written

    def tell(self) -> int:
        return self._position

    def seek(self, *args: Any) -> int:
        found = self._file.seek(*args)
        self._position = self._file.tell()
        return found

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)


class BlockPostingsWriter(W3PostingsWriter):
    """Whoosh's W3 postings writer, given a whole block at a time and writing it with the
    per-posting loops done by C builtins: the same bytes from the same block.

    It fills and reads the block state that ``W3PostingsWriter.add_posting`` keeps (the block's
    ids, weights, values and bounds), which Whoosh keeps in private attributes with no public
    form; this subclass is the one place that touches them."""

    def __init__(self, postfile: Any, blocklimit: int, **kwargs: Any):
        super().__init__(postfile, blocklimit, **kwargs)
        self.blocklimit = blocklimit

    def fill_block(self, ids: list[int], weights: list[float], values: list[bytes],
                   doc_lengths: list[Any] | None) -> None:
        """Put one block's postings and statistics where ``add_posting`` would have put them."""
        self._ids = array("I", ids)
        self._weights = array("f", weights)
        self._values = values if all(values) else [v for v in values if v]
        top = max(weights)
        self._maxweight = top if top > 0 else 0
        if doc_lengths is None:
            self._minlength, self._maxlength = None, 0
            return
        present = list(map(doc_lengths.__getitem__, ids))
        if not all(present):  # a length of 0 or None counts as no length, as add_posting has it
            present = [n for n in present if n]
        if present:
            self._minlength, self._maxlength = min(present), max(present)
        else:
            self._minlength, self._maxlength = None, 0

    def _write_block(self, last: bool = False) -> None:
        """Whoosh's own step (``add_posting`` and ``finish_postings`` call it), done by ``write_block``."""
        self.write_block(last)

    def write_block(self, last: bool = False) -> None:
        """``W3PostingsWriter._write_block``: the ids delta-encoded, the weights as ``None`` (all 1),
        one number (all equal) or a tuple, the values as the format keeps them; a pickled header,
        the pickled and compressed data, and the length (negative for a term's last block)."""
        postfile = self._postfile
        if not self._blockcount:
            postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        ids = self._ids
        if self._byteids:
            mini_ids = tuple(ids)
        else:
            mini_ids = (ids[0],) + tuple(map(sub, ids[1:], ids)) if ids else ()
        weights = self._weights
        count = len(weights)
        mini_weights: float | tuple[float, ...] | None
        if weights.count(1.0) == count:
            mini_weights = None
        elif weights.count(weights[0]) == count:
            mini_weights = weights[0]
        else:
            mini_weights = tuple(weights)
        fixedsize = self._format.fixed_value_size()
        values = self._values
        mini_values: tuple[bytes, ...] | bytes | None
        if fixedsize is None or fixedsize < 0:
            mini_values = tuple(values)
        elif fixedsize == 0:
            mini_values = None
        else:
            mini_values = b"".join(values)
        databytes = pickle.dumps((mini_ids, mini_weights, mini_values), 2)
        comp = self._compression
        if comp:
            databytes = _compress(databytes, comp)
        infobytes = pickle.dumps((len(ids), ids[-1], self._maxweight, comp, length_to_byte(self._minlength),
                                  length_to_byte(self._maxlength)), 2)
        blocklength = len(infobytes) + len(databytes)
        postfile.write_int(-blocklength if last else blocklength)
        postfile.write(infobytes)
        postfile.write(databytes)
        self._blockcount += 1
        self._new_block()


class BuildFieldWriter(W3FieldWriter):
    """Whoosh's W3 field writer that takes a term's postings a block at a time (``add_term``)."""

    def _create_file(self, ext: str) -> Any:
        """The terms and postings files, knowing their position (``_Positioned``): the one
        method through which Whoosh's field writer makes its files."""
        created = super()._create_file(ext)
        created.file = _Positioned(created.file)
        return created

    def add_term(self, word: bytes, flat: Flat, doc_lengths: list[Any] | None) -> None:
        """A term of the current field with its postings (docnum, weight, value, … ascending)."""
        self.start_term(word)
        postings = self._postwriter  # the BlockPostingsWriter that start_field made for the field
        ids, weights, values = flat[0::3], flat[1::3], flat[2::3]
        count, limit = len(ids), postings.blocklimit
        for start in range(0, count, limit):
            end = start + limit
            postings.fill_block(ids[start:end], weights[start:end], values[start:end], doc_lengths)
            if end < count:
                postings.write_block()
        self.finish_term()


class BuildCodec(W3Codec):
    """Whoosh's W3 codec whose field and postings writers are the two above.

    The segments it starts name Whoosh's own ``W3Codec``: a segment's codec is pickled into the
    index's table of contents, and the readers of an index must not depend on this module."""

    def __init__(self, blocklimit: int = 128, compression: int = 3, inlinelimit: int = 1):
        super().__init__(blocklimit=blocklimit, compression=compression, inlinelimit=inlinelimit)
        self.settings = {"blocklimit": blocklimit, "compression": compression, "inlinelimit": inlinelimit}

    def new_segment(self, storage: Any, indexname: str) -> Any:
        return W3Codec(**self.settings).new_segment(storage, indexname)

    def field_writer(self, storage: Any, segment: Any) -> BuildFieldWriter:
        return BuildFieldWriter(self, storage, segment)

    def postings_writer(self, dbfile: Any, byteids: bool = False) -> BlockPostingsWriter:
        return BlockPostingsWriter(dbfile, byteids=byteids, **self.settings)


def write_terms(fieldwriter: BuildFieldWriter, schema: Any, lengths: Any, terms: Iterable[TermEntry]) -> None:
    """Write every term's postings through the field writer, a block at a time.

    ``lengths`` answers ``field_lengths`` (the quantised lengths of the length columns, as
    Whoosh's flush reads them), or is None for a codec that keeps no length statistics."""
    current: str | None = None
    doc_lengths: list[Any] | None = None
    for fieldname, word, flat in terms:
        if fieldname != current:
            if current is not None:
                fieldwriter.finish_field()
            fieldwriter.start_field(fieldname, schema[fieldname])
            current = fieldname
            doc_lengths = lengths.field_lengths(fieldname) if lengths is not None else None
        fieldwriter.add_term(word, flat, doc_lengths)
    if current is not None:
        fieldwriter.finish_field()


def _compress(data: bytes, level: int) -> bytes:
    """A zlib stream as ``zlib.compress(data, level)`` makes, with a window and state sized to a block.

    A block's pickle is at most a few kilobytes, and ``zlib.compress`` sets up its largest window
    and hash chains for each, most of a small block's write spent for nothing. A window sized to
    a block (``wbits`` 12, ``memLevel`` 4) makes blocks of the same size; ``zlib.decompress``
    reads any window size."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, _BLOCK_WBITS, _BLOCK_MEMLEVEL)
    return compressor.compress(data) + compressor.flush()
