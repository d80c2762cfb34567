"""Importing a collection folder while it is read: the rows of each people file are written
as soon as the file is read and checked, in the one transaction of the import.

``read_collection`` followed by ``import_collection`` reads every file, keeps every
validated person in memory, and only then writes. Here the worker processes that parse the
people files also validate them, check them against the collection and turn them into rows
(``collection_rows.keyed_person_rows``); this process takes those rows in the files' order
and hands them to the ``RowWriter``, which compares and writes them while the workers read
the next files. The problems found are the ones ``read_collection`` finds, in its order
(``collection_loader._Problems``): once one is found nothing more is written, the files are
still all read so that every problem is reported, and ``InvalidCollection`` is raised, which
rolls the caller's transaction back. A collection is thus written all or nothing, in about
the time its reading takes, with only the rows being written in memory.

The workers are forked while this process holds the import's write transaction. They never use
the database connection they inherit, and they end through ``os._exit`` (as multiprocessing's
workers do), so it is never closed or rolled back in them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Connection

from archive.store import models
from archive.collection.loader import (
    Progress, _begin, _check_person, _CrossChecker, _Duplicates, _each_person, _load_person_file, _sendable,
)
from archive.store.rows import KeyedRows, head_rows, keyed_person_rows
from archive.store.gc_pause import ObjectsKept
from archive.store.row_writer import ImportReport, RowWriter
from archive.collection.problems import InvalidCollection, Problem
from archive.collection.yaml_source import YamlDocument, YamlLimits


@dataclass
class _PersonRows:
    """A people file read, checked and made into rows (``rows`` is None when it has a problem)."""

    doc: YamlDocument | None  # without its data: for the line of a problem found here
    problems: list[Problem]
    checks: list[Problem]
    person_id: str | None
    quote_ids: list[str]
    rows: KeyedRows | None


class _RowsJob:
    """What a worker process does with one people file (forked: the checker is its own copy)."""

    def __init__(self, checker: _CrossChecker | None, positions: dict[Path, int]):
        self.checker = checker
        self.positions = positions

    def __call__(self, path: Path, display: str, limits: YamlLimits) -> _PersonRows:
        doc, problems = _load_person_file(path, display, limits)
        result = _check_person(path, doc, problems, self.checker)
        person = result.person
        if person is None or result.doc is None:
            return _PersonRows(None, result.problems, [], None, [], None)
        checks = result.checks or []
        rows = None
        if self.checker is not None and not result.problems and not checks:
            rows = keyed_person_rows(person, self.positions[path])
        result.doc.data = None
        return _PersonRows(_sendable(result.doc, path), result.problems, checks, person.id,
                           [quote.id for quote in person.quotes], rows)


def import_folder(root: Path | str, conn: Connection, progress: Progress | None = None,
                  limits: YamlLimits | None = None, workers: int | None = None) -> ImportReport:
    """Validate the collection at ``root`` and make the database equal it, inside ``conn``'s
    transaction (not committed here); raise InvalidCollection with every problem found, as
    ``read_collection`` would, after which the caller must roll back."""
    root, limits, head, problems, paths = _begin(root, limits)
    job = _RowsJob(head.checker, {path: n for n, path in enumerate(paths, start=1)})
    with ObjectsKept() as kept:  # the rows read from the database stay until the end
        writer = None
        if not problems:
            assert head.collection_file is not None and head.vocabulary_file is not None
            writer = RowWriter(conn)
            for table, row in head_rows(head.collection_file.collection, head.collection_file.sources,
                                        head.vocabulary_file):
                writer.add_row(table, row)
            kept.freeze_now()
        tables = models.TABLES_IN_ORDER
        duplicates = _Duplicates()
        for result in _each_person(paths, limits, job, progress, workers):
            problems.people.extend(result.problems)
            if result.person_id is not None and result.doc is not None and head.checker is not None:
                problems.checks.extend(result.checks)
                problems.checks.extend(duplicates.check(result.doc, result.person_id, result.quote_ids))
            if writer is not None and result.rows and not problems:
                for number, keys, values in result.rows:
                    writer.add_rows(tables[number], keys, values)
            # the rows waiting to be written, and the report, out of the collector's sight: it
            # spent a fifth of this process's time walking them
            kept.made()
        if problems:
            raise InvalidCollection(problems.all())
        assert writer is not None
        return writer.finish()
