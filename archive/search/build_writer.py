"""Writing a whole new build: Whoosh's segment writer with the postings kept per term.

``BuildWriter`` is Whoosh's ``SegmentWriter`` for an index that starts empty, with a
``TermPool`` in place of the sorting pool and a flush that writes a block of postings at a
time (``term_pool.py`` says why). The stored fields, columns and lengths are still written
by Whoosh's per-document writer, and the segment is Whoosh's own format: a searcher, an
incremental update and ``archive check`` read it like any other.

``write_all`` writes the documents with one writer, or with ``procs`` writer processes, each
writing one segment of the documents it is sent (as Whoosh's ``MpWriter`` does with
``multisegment``, but with batches of documents sent through a pipe rather than temporary
files, and a worker that fails or a parent that dies stopping the others).
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import traceback
from collections.abc import Iterable
from typing import Any

from whoosh.writing import SegmentWriter

from archive.search.term_pool import BuildCodec, BuildFieldWriter, TermPool, write_terms
from archive.search.whoosh_writing import ColumnLengths

BATCH = 200  # documents per message to a writer process
_POLL_S = 0.5  # how often a blocked process looks whether the other side is still there


def writes(schema: Any) -> bool:
    """Whether ``BuildWriter`` writes every field of this schema (not term vectors, not separate
    spelling words: the archive's schema has neither)."""
    return not any(schema[name].vector or schema[name].separate_spelling() for name in schema.names())


class BuildWriter(SegmentWriter):
    """A ``SegmentWriter`` for documents added in docnum order to an index that starts empty."""

    def __init__(self, ix: Any, limitmb: int = 256, **kwargs: Any):
        if not writes(ix.schema):
            raise ValueError("BuildWriter writes no term vectors and no separate spelling fields: "
                             "use Whoosh's own writer for this schema")
        kwargs.setdefault("codec", BuildCodec())
        super().__init__(ix, limitmb=limitmb, **kwargs)
        self.pool = TermPool(self._tempstorage, limitmb)  # type: ignore[assignment]

    def add_document(self, **fields: Any) -> None:
        """``SegmentWriter.add_document``, with the postings given to the pool a field at a time.

        It follows Whoosh's own method step by step, so it uses that method's helpers
        (``_check_state``, ``_doc_boost``, ``_check_fields``, ``_field_boost``, ``_added``)."""
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        add_field = self.pool.add_field  # type: ignore[attr-defined]
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields[fieldname]
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if field.indexed:
                    length = add_field(fieldname, field, docnum, value, self._field_boost(fields, fieldname, docboost))
                customval = fields.get(f"_stored_{fieldname}", value)
                perdocwriter.add_field(fieldname, field, customval if field.stored else None, length)
                column = field.column_type
                if column and customval is not None:
                    perdocwriter.add_column_value(fieldname, column, field.to_column_value(customval))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        reader = self.per_document_reader() if self.codec.length_stats else None
        lengths = ColumnLengths(reader) if reader else None
        if isinstance(self.fieldwriter, BuildFieldWriter):
            write_terms(self.fieldwriter, self.schema, lengths, self.pool.iter_terms())  # type: ignore[attr-defined]
        else:  # another codec: its own writer, a posting at a time
            self.fieldwriter.add_postings(self.schema, lengths, self.pool.iter_postings())
        self.fieldwriter.close()
        if reader:
            reader.close()


def write_all(ix: Any, documents: Iterable[dict[str, Any]], procs: int = 1, limitmb: int = 256) -> None:
    """Every document into the empty index ``ix``, committed, by ``procs`` writer processes
    (one, written here, where processes cannot be forked or given queues: no ``fork`` on the
    platform, no semaphores in a sandbox)."""
    writer: SegmentWriter
    if not writes(ix.schema):  # Whoosh's own writer, in its own processes
        writer = ix.writer(procs=procs, limitmb=limitmb, multisegment=True) if procs > 1 else ix.writer(limitmb=limitmb)
    else:
        channels = _channels(procs) if procs > 1 else None
        if channels is not None:
            _write_parallel(ix, documents, procs, limitmb, *channels)
            return
        writer = BuildWriter(ix, limitmb=limitmb)
    try:
        for doc in documents:
            writer.add_document(**doc)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()


def _channels(procs: int) -> tuple[Any, Any, Any] | None:
    """A fork context with one job queue per writer process and a result queue, or None where
    there is none. Batches go to the writers in turn, so every writer gets a share whatever
    order the processes start in."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    try:
        context = multiprocessing.get_context("fork")
        return context, [context.Queue(4) for _ in range(procs)], context.Queue()
    except (OSError, ImportError, ValueError):
        return None


class WriterProcessFailed(RuntimeError):
    """A writer process stopped with an error (its traceback is in the message)."""


def _worker(ix: Any, jobs: Any, results: Any, limitmb: int, parent: int) -> None:
    """A writer process: add the batches it is sent, then finish its segment and send it back."""
    try:
        writer = BuildWriter(ix.storage.open_index(ix.indexname), limitmb=limitmb, _lk=False)
        while True:
            try:
                batch = jobs.get(timeout=_POLL_S)
            except queue.Empty:
                if os.getppid() != parent:
                    return  # the parent died: nobody will read the segment
                continue
            if batch is None:
                break
            for doc in batch:
                writer.add_document(**doc)
        # a writer's finished segment is handed to another writer's commit as Whoosh's MpWriter
        # does, through the writer's own steps: Whoosh has no public form of this
        if writer.docnum:
            results.put(("segment", writer._finalize_segment()))  # noqa: SLF001
        else:
            writer._close_segment()  # noqa: SLF001
            results.put(("segment", None))
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises it
        results.put(("error", traceback.format_exc()))


def _write_parallel(ix: Any, documents: Iterable[dict[str, Any]], procs: int, limitmb: int,
                    context: Any, job_queues: list[Any], results: Any) -> None:
    parent = SegmentWriter(ix)  # holds the index's write lock; writes no documents itself
    workers = [context.Process(target=_worker, args=(ix, jobs, results, limitmb, os.getpid()), daemon=True)
               for jobs in job_queues]
    for worker in workers:
        worker.start()
    segments: list[Any] = []
    finished = 0

    def take(result: tuple[str, Any]) -> None:
        nonlocal finished
        kind, value = result
        if kind == "error":
            raise WriterProcessFailed(value)
        finished += 1
        if value is not None:
            segments.append(value)

    def send(message: Any, jobs: Any) -> None:
        if not results.empty():  # a writer process failed: stop now, not after every document
            _check(results, workers, take)
        while True:
            try:
                jobs.put(message, timeout=_POLL_S)
                return
            except queue.Full:
                _check(results, workers, take)

    try:
        batch: list[dict[str, Any]] = []
        sent = 0
        for doc in documents:
            batch.append(doc)
            if len(batch) >= BATCH:
                send(batch, job_queues[sent % procs])
                sent += 1
                batch = []
        if batch:
            send(batch, job_queues[sent % procs])
        for jobs in job_queues:
            send(None, jobs)
        while finished < len(workers):
            try:
                take(results.get(timeout=_POLL_S))
            except queue.Empty:
                _check(results, workers, take)
        for worker in workers:
            worker.join()
    except BaseException:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
        for worker in workers:
            worker.join()
        parent.cancel()
        raise
    # commit the workers' segments as MpWriter commits its sub-writers' (no public form)
    parent._close_segment()  # noqa: SLF001
    parent._commit_toc(parent.segments + segments)  # noqa: SLF001
    parent._finish()  # noqa: SLF001


def _check(results: Any, workers: list[Any], take: Any) -> None:
    """Raise when a writer process reported an error or died without reporting."""
    while True:
        try:
            take(results.get_nowait())
        except queue.Empty:
            break
    for worker in workers:
        if worker.exitcode not in (None, 0):
            raise WriterProcessFailed(f"a writer process exited with code {worker.exitcode}")
