"""Writing a Whoosh segment without a file read per posting.

When a segment is flushed, Whoosh writes each term's postings with the length of the field in
that document (the block's shortest and longest, for BM25F's bounds). It asks the
per-document reader for it once per posting, and that reader reads the length byte from the
column file each time: seek, read one byte, unpack (read in whoosh 2.7 ``codec/base.py``
``FieldWriter.add_postings`` and ``codec/whoosh3.py`` ``W3PerDocReader.doc_field_length``).
At 100k segments that is 150 postings a document, 16% of the writer's CPU.

``install()`` makes the flush read each field's length column once, into a list, and answer
from it: the same lengths, the same segment, byte for byte.
"""

from __future__ import annotations

import threading
from typing import Any

from whoosh.codec import whoosh3
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

_installed = False
_lock = threading.Lock()
ORIGINAL_FLUSH = SegmentWriter._flush_segment  # Whoosh's own, for the test that compares the two


class ColumnLengths:
    """The lengths of every document in each field, read from the segment's columns once."""

    def __init__(self, reader: Any):
        self._reader = reader
        self._doccount = reader.doc_count_all()
        self._fields: dict[str, list[int | None] | None] = {}

    def _load(self, fieldname: str) -> list[int | None] | None:
        column_name = whoosh3._lenfield(fieldname)
        if not self._reader.has_column(column_name):
            return None  # the field stores no lengths
        column = self._reader.column_reader(column_name, whoosh3.LENGTHS_COLUMN)
        # a length byte of 0 is "no length" (None), as W3PerDocReader answers
        return [byte_to_length(b) if b else None for b in column]

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int | None:
        try:
            lengths = self._fields[fieldname]
        except KeyError:
            lengths = self._fields[fieldname] = self._load(fieldname)
        if lengths is None:
            return default
        if docnum > self._doccount:
            raise IndexError(f"Asked for docnum {docnum!r} of {self._doccount}")
        return lengths[docnum] if docnum < len(lengths) else None


def _flush_segment(self: SegmentWriter) -> None:
    """``SegmentWriter._flush_segment`` with the lengths answered from memory."""
    self.perdocwriter.close()
    reader = self.per_document_reader() if self.codec.length_stats else None
    self.fieldwriter.add_postings(self.schema, ColumnLengths(reader) if reader else None,
                                  self.pool.iter_postings())
    self.fieldwriter.close()
    if reader:
        reader.close()


def install() -> None:
    """Patch ``SegmentWriter`` once per process (a writer's worker processes are forked after it)."""
    global _installed
    with _lock:
        if _installed:
            return
        if hasattr(SegmentWriter, "_flush_segment") and hasattr(SegmentWriter, "per_document_reader"):
            SegmentWriter._flush_segment = _flush_segment  # type: ignore[method-assign]
        _installed = True
