"""The older import, kept only as a test oracle: read the whole collection, make every row of
every table, then make the tables equal them through the same ``RowWriter``.

The folder import (``archive/store/folder_import.py``) reads people files in worker processes
and writes while it reads; ``tests/store/test_folder_import.py`` checks that it stores the
same rows and gives the same report as this plain path.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy.engine import Engine

from archive.collection.loader import Collection
from archive.store import models
from archive.store.row_writer import ImportReport, RowWriter
from archive.store.rows import head_rows, person_rows, primary_key, values_of

Rows = dict[type, dict[tuple[Any, ...], dict[str, Any]]]


def collection_rows(collection: Collection) -> Iterator[tuple[type, dict[str, Any]]]:
    yield from head_rows(collection.info, collection.sources, collection.vocabulary_file)
    for p, person in enumerate(collection.people, start=1):
        yield from person_rows(person, p)


def rows_by_table(collection: Collection) -> Rows:
    """Every row by table and primary key; a key given twice keeps its first place and its last row."""
    result: Rows = {table: {} for table in models.TABLES_IN_ORDER}
    for table, row in collection_rows(collection):
        result[table][primary_key(table, row)] = row
    return result


def import_collection(collection: Collection, engine: Engine) -> ImportReport:
    """Make the tables equal the collection in one transaction; the report."""
    desired = rows_by_table(collection)
    with engine.begin() as conn:
        writer = RowWriter(conn)
        for table in models.TABLES_IN_ORDER:
            for key, row in desired[table].items():
                writer.add(table, values_of(table, row), key)
        return writer.finish()
