"""Importing a collection folder while it is read: the rows of each people file are written
as soon as the file is read and checked, in the one transaction of the import.

``read_collection`` followed by ``import_collection`` reads every file, keeps every
validated person in memory, and only then writes. Here the worker processes that parse the
people files also validate them, check them against the collection and turn them into rows
(``archive.store.rows.keyed_person_rows``); this process takes those rows in the files' order
and hands them to the ``RowWriter``, which compares and writes them while the workers read
the next files. The problems found are the ones ``read_collection`` finds, in its order
(``archive.collection.loader.CollectionProblems``): once one is found nothing more is written,
the files are still all read so that every problem is reported, and ``InvalidCollection`` is
raised, which rolls the caller's transaction back. A collection is thus written all or
nothing, in about the time its reading takes, with only the rows being written in memory.
With no worker processes (``workers`` 0 or 1, or a small collection) this process does all
of it, file after file, with the same rows, problems and order.

The workers are forked while this process holds the import's write transaction. They never use
the database connection they inherit, and they end through ``os._exit`` (as multiprocessing's
workers do), so it is never closed or rolled back in them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Connection

from archive.collection.loader import (
    PARALLEL_FILES,
    CrossChecker,
    DuplicateIds,
    Progress,
    begin_reading,
    check_person,
    each_person,
    load_person_file,
    sendable,
)
from archive.collection.problems import InvalidCollection, Problem
from archive.collection.yaml_source import YamlDocument, YamlLimits
from archive.store import models
from archive.store.row_writer import ImportReport, RowWriter
from archive.store.rows import KeyedRows, head_rows, keyed_person_rows


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

    def __init__(self, checker: CrossChecker | None, positions: dict[Path, int]):
        self.checker = checker
        self.positions = positions

    def __call__(self, path: Path, display: str, limits: YamlLimits) -> _PersonRows:
        doc, problems = load_person_file(path, display, limits)
        result = check_person(path, doc, problems, self.checker)
        person = result.person
        if person is None or result.doc is None:
            return _PersonRows(None, result.problems, [], None, [], None)
        checks = result.checks or []
        rows = None
        if self.checker is not None and not result.problems and not checks:
            rows = keyed_person_rows(person, self.positions[path])
        result.doc.data = None
        return _PersonRows(sendable(result.doc, path), result.problems, checks, person.id,
                           [quote.id for quote in person.quotes], rows)


def import_folder(root: Path | str, conn: Connection, progress: Progress | None = None,
                  limits: YamlLimits | None = None, workers: int = 1,
                  parallel_from: int = PARALLEL_FILES) -> ImportReport:
    """Validate the collection at ``root`` and make the database equal it, inside ``conn``'s
    transaction (not committed here); raise InvalidCollection with every problem found, as
    ``read_collection`` would, after which the caller must roll back. ``workers`` processes
    read the people files from ``parallel_from`` files on (0 or 1: none)."""
    root, limits, head, problems, paths = begin_reading(root, limits)
    job = _RowsJob(head.checker, {path: n for n, path in enumerate(paths, start=1)})
    writer = None
    if not problems:
        assert head.collection_file is not None and head.vocabulary_file is not None
        writer = RowWriter(conn)
        for table, row in head_rows(head.collection_file.collection, head.collection_file.sources,
                                    head.vocabulary_file):
            writer.add_row(table, row)
    tables = models.TABLES_IN_ORDER
    duplicates = DuplicateIds()
    for result in each_person(paths, limits, job, progress, workers, parallel_from):
        problems.people.extend(result.problems)
        if result.person_id is not None and result.doc is not None and head.checker is not None:
            problems.checks.extend(result.checks)
            problems.checks.extend(duplicates.check(result.doc, result.person_id, result.quote_ids))
        if writer is not None and result.rows and not problems:
            for number, keys, values in result.rows:
                writer.add_rows(tables[number], keys, values)
    if problems:
        raise InvalidCollection(problems.all())
    assert writer is not None
    return writer.finish()
