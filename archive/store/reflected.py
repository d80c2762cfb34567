"""The archive's tables as the database itself declares them, for readers that name a few columns.

The schema is declared once: the table models (``archive/store/models.py``), from which a new
database is created, and the revisions (``archive/store/migrations/``) that bring an older one to
them. Building the models means importing SQLModel, pydantic and SQLAlchemy's ORM, which is most
of the start-up of a command that reads a few columns of a few tables (``archive search``: the
index state, the records behind a page of hits, the vocabulary's labels). Such a reader takes
each table from the database's own catalogue instead, with the column types the database declares
(JSON, DATE, BOOLEAN…), so that its values are read as the models read them.

A time column is left out: the models read it as a time in UTC, which the catalogue of a database
that stores times without their zone (SQLite) cannot say; a reader of times uses the models.
``tests/store/test_reflected.py`` holds every other column of every table, read both ways, equal.

Each table's columns are read once per engine (one query of the catalogue) and forgotten when the
schema changes (``archive/store/migrations/schema.py`` calls ``forget_tables``).
"""

from __future__ import annotations

import threading
from weakref import WeakKeyDictionary

from sqlalchemy import DateTime, column, inspect, table
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.expression import TableClause

INDEX_STATE_ROW = 1  # the index_state table holds one row, with this id (read here, written by the models)

_tables: WeakKeyDictionary[Engine, dict[str, TableClause]] = WeakKeyDictionary()
_lock = threading.Lock()


def reflected_table(conn: Connection, name: str) -> TableClause:
    """The table ``name`` of the database ``conn`` is on, with its columns (but its times) and their types."""
    with _lock:
        known = _tables.setdefault(conn.engine, {})
        found = known.get(name)
    if found is None:
        columns = [column(declared["name"], declared["type"]) for declared in inspect(conn).get_columns(name)
                   if not isinstance(declared["type"], DateTime)]
        found = table(name, *columns)
        with _lock:
            found = known.setdefault(name, found)
    return found


def forget_tables(engine: Engine) -> None:
    """Read the tables of ``engine``'s database again when next asked: its schema has changed."""
    with _lock:
        _tables.pop(engine, None)
