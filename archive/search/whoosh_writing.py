"""Whoosh's segment writer for incremental updates, without a file read or a pickle per posting.

A whole new build is written by ``build_writer.BuildWriter``, which keeps postings per term
and needs neither of these. An incremental update (``IndexStore.write_update``) adds to a copy
of a build with ``UpdateWriter``: Whoosh's ``SegmentWriter`` (which may merge segments) with
two parts replaced, each producing what Whoosh's own would.

When a segment is flushed, Whoosh writes each term's postings with the length of the field in
that document (the block's shortest and longest, for BM25F's bounds), and asks the per-document
reader for it once per posting, a seek and a one-byte read of the length column each time.
``UpdateWriter`` reads each field's length column once into a list (``ColumnLengths``) and
answers from it: the same lengths, so the same terms, postings and block statistics.

The postings of a segment are sorted in a pool that spills to temporary "runs" on disk past the
writer's memory limit, then merged (``whoosh/externalsort.py``); Whoosh pickles and unpickles
each posting on its own there. ``ChunkedPostingPool`` writes a run as a sequence of pickled
lists of ``RUN_CHUNK`` postings: the same postings in the same order, with one pickle call per
chunk; merging holds one chunk per run in memory.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO

from whoosh.codec import whoosh3
from whoosh.util.numeric import byte_to_length
from whoosh.writing import PostingPool, SegmentWriter

RUN_CHUNK = 10_000  # postings per pickle in a run


class ColumnLengths:
    """The lengths of every document in each field, read from the segment's columns once."""

    def __init__(self, reader: Any):
        self._reader = reader
        self._doccount = reader.doc_count_all()
        self._fields: dict[str, list[int | None] | None] = {}

    def _load(self, fieldname: str) -> list[int | None] | None:
        # Whoosh names a field's length column with this private helper; no public name exists
        column_name = whoosh3._lenfield(fieldname)  # noqa: SLF001
        if not self._reader.has_column(column_name):
            return None  # the field stores no lengths
        column = self._reader.column_reader(column_name, whoosh3.LENGTHS_COLUMN)
        # a length byte of 0 is "no length" (None), as W3PerDocReader answers
        return [byte_to_length(b) if b else None for b in column]

    def field_lengths(self, fieldname: str) -> list[int | None] | None:
        """Every document's length in this field (None: the field keeps no lengths)."""
        try:
            return self._fields[fieldname]
        except KeyError:
            lengths = self._fields[fieldname] = self._load(fieldname)
            return lengths

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int | None:
        lengths = self.field_lengths(fieldname)
        if lengths is None:
            return default
        if docnum > self._doccount:
            raise IndexError(f"Asked for docnum {docnum!r} of {self._doccount}")
        return lengths[docnum] if docnum < len(lengths) else None


def pickled_chunks(f: BinaryIO) -> Iterator[Any]:
    """The items of a file of pickled lists, in order, one list in memory at a time."""
    while True:
        try:
            chunk = pickle.load(f)
        except EOFError:
            return
        yield from chunk


class ChunkedPostingPool(PostingPool):
    """Whoosh's posting pool whose spilled runs are pickled lists of postings, not one pickle each.

    ``_write_run`` and ``_read_run`` are the pool's documented extension points in
    ``whoosh.externalsort.SortingPool`` (a run's format is the pool's own business)."""

    def _write_run(self, f: BinaryIO, items: Iterable[Any]) -> None:
        """A sorted run (a list, or the merge of other runs) as pickled lists of postings."""
        if isinstance(items, list):
            for start in range(0, len(items), RUN_CHUNK):
                pickle.dump(items[start:start + RUN_CHUNK], f, pickle.HIGHEST_PROTOCOL)
        else:
            chunk: list[Any] = []
            for item in items:
                chunk.append(item)
                if len(chunk) >= RUN_CHUNK:
                    pickle.dump(chunk, f, pickle.HIGHEST_PROTOCOL)
                    chunk = []
            if chunk:
                pickle.dump(chunk, f, pickle.HIGHEST_PROTOCOL)
        f.close()

    def _read_run(self, path: str) -> Iterator[Any]:
        """The postings of a run, in order; the run file is removed once read (as Whoosh does)."""
        f = self._open_run(path)
        try:
            yield from pickled_chunks(f)
        finally:
            f.close()
            self._remove_run(path)


class UpdateWriter(SegmentWriter):
    """``SegmentWriter`` with the chunked pool and a flush answering lengths from memory."""

    def __init__(self, ix: Any, limitmb: int = 128, **kwargs: Any):
        super().__init__(ix, limitmb=limitmb, **kwargs)
        self.pool: ChunkedPostingPool = ChunkedPostingPool(self.pool.tempstore, self.pool.segment, limitmb=limitmb)

    def _flush_segment(self) -> None:
        """``SegmentWriter._flush_segment`` (the step Whoosh's writers override) with ``ColumnLengths``."""
        self.perdocwriter.close()
        reader = self.per_document_reader() if self.codec.length_stats else None
        self.fieldwriter.add_postings(self.schema, ColumnLengths(reader) if reader else None,
                                      self.pool.iter_postings())
        self.fieldwriter.close()
        if reader:
            reader.close()
