"""Importing a validated collection into the database, all or nothing.

The database is made to equal the collection: rows that are new are added, rows that
differ are updated, rows that are gone are deleted, and unchanged rows are not touched.
It all happens in one transaction: if anything fails, the database keeps its previous
contents. The report counts records as an archivist sees them (a quote with its texts
and themes is one record; a relative with their fate events is one).
"""

from __future__ import annotations

import operator
import weakref
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import BindParameter, Boolean, and_, bindparam, select
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from archive.store import models
from archive.store.dependents import people_citing, people_using
from archive.store.rows import Values, column_names, primary_key, values_of

# How each table is reported: (record kind, the columns of the owning record's id).
_OWNERS: dict[type, tuple[str, tuple[str, ...]]] = {
    models.CollectionRecord: ("collection", ("id",)),
    models.Source: ("sources", ("id",)),
    models.VocabularyTerm: ("vocabulary terms", ("kind", "id")),  # kind:id
    models.Person: ("people", ("id",)),
    models.Relative: ("relatives", ("id",)),
    models.FateEvent: ("relatives", ("relative_id",)),
    models.Interview: ("interviews", ("id",)),
    models.Recording: ("recordings", ("id",)),
    models.TranscriptSegment: ("transcript segments", ("id",)),
    models.IndexPoint: ("index points", ("id",)),
    models.Quote: ("quotes", ("id",)),
    models.QuoteText: ("quotes", ("quote_id",)),
    models.QuoteTheme: ("quotes", ("quote_id",)),
    models.TimelineEvent: ("timeline events", ("id",)),
}
# The kinds of record an import reports, in the order of their tables.
RECORD_KINDS: tuple[str, ...] = tuple(dict.fromkeys(kind for kind, _owner in _OWNERS.values()))


@dataclass
class ImportReport:
    """What an import did, per kind of record."""

    added: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    changed: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    removed: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    touched_people: set[str] = field(default_factory=set)
    touched_quotes: set[str] = field(default_factory=set)
    vocabulary_changed: bool = False

    @property
    def unchanged(self) -> bool:
        return not any(self.added.values()) and not any(self.changed.values()) and not any(self.removed.values())

    def counts(self) -> dict[str, tuple[int, int, int]]:
        return {
            kind: (len(self.added.get(kind, ())), len(self.changed.get(kind, ())), len(self.removed.get(kind, ())))
            for kind in RECORD_KINDS
        }

    def summary_lines(self) -> list[str]:
        if self.unchanged:
            return ["nothing changed"]
        lines = []
        for kind, (added, changed, removed) in self.counts().items():
            if added or changed or removed:
                lines.append(f"{kind}: {added} added, {changed} changed, {removed} removed")
        return lines


class _Layout:
    """Where a table's columns are in its rows' value tuples."""

    def __init__(self, table: type[SQLModel]):
        self.table = table
        sa_table = models.table_of(table)
        self.names = column_names(table)
        at = {name: i for i, name in enumerate(self.names)}
        self.key_at = [at[column.name] for column in sa_table.primary_key.columns]
        self.kind, owner = _OWNERS[table]
        # a row's record id, and the person and the quote it touches (the search index is
        # updated for those people): C getters, called for every row an import writes
        owner_at = [at[name] for name in owner]
        self.owner: Callable[[Values], str] = (
            operator.itemgetter(owner_at[0]) if len(owner_at) == 1
            else lambda values: ":".join(values[i] for i in owner_at))
        person = "id" if table is models.Person else "person_id"
        self.person = operator.itemgetter(at[person]) if person in at else None
        quote = "id" if table is models.Quote else "quote_id"
        self.quote = operator.itemgetter(at[quote]) if quote in at else None
        self.is_vocabulary = table is models.VocabularyTerm

    def row(self, values: Values) -> dict[str, Any]:
        return dict(zip(self.names, values, strict=False))


LAYOUTS: dict[type, _Layout] = {table: _Layout(table) for table in models.TABLES_IN_ORDER}


def _existing(conn: Connection, table: type[SQLModel]) -> dict[tuple[Any, ...], Values]:
    """Every row of the table by its primary key (as ``primary_key`` gives it), each as the
    tuple of its columns' values: plain tuples, not ``row._mapping``, which would be most of
    an unchanged re-import's time."""
    sa_table = models.table_of(table)
    key_at = LAYOUTS[table].key_at
    existing = {}
    for row in conn.execute(select(*sa_table.columns)):
        values = tuple(row)
        existing[tuple(values[i] for i in key_at)] = values
    return existing


@dataclass(frozen=True)
class _InsertPlan:
    """How a table's rows go to the driver: the SQL, and the columns whose values a bind
    processor converts (JSON to text, dates to SQLite's format, booleans to 0 and 1)."""

    sql: str | None  # None: not plain ``?`` parameters in column order; the Core inserts
    converted: tuple[tuple[int, Callable[[Any], Any], dict[Any, Any] | None], ...]


# per dialect (an engine's own: its JSON serializer is part of it), per table
_PLANS: weakref.WeakKeyDictionary[Any, dict[type, _InsertPlan]] = weakref.WeakKeyDictionary()


def _plan(conn: Connection, table: type[SQLModel]) -> _InsertPlan:
    dialect = conn.dialect
    plans = _PLANS.get(dialect)
    if plans is None:
        plans = _PLANS[dialect] = {}
    found = plans.get(table)
    if found is not None:
        return found
    sa_table = models.table_of(table)
    columns = list(sa_table.columns)
    names = [column.name for column in columns]
    compiled = sa_table.insert().compile(dialect=dialect, column_keys=names)
    if dialect.paramstyle != "qmark" or list(compiled.positiontup or ()) != names:
        plan = _InsertPlan(None, ())
    else:
        converted = []
        for i, column in enumerate(columns):
            processor = column.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                # a boolean has three values: their conversions, looked up in C for each row
                known = ({value: processor(value) for value in (True, False, None)}
                         if isinstance(column.type, Boolean) else None)
                converted.append((i, processor, known))
        plan = _InsertPlan(str(compiled), tuple(converted))
    plans[table] = plan
    return plan


def _insert(conn: Connection, table: type[SQLModel], rows: list[Values]) -> None:
    """Insert the rows with one ``executemany`` of the driver.

    Each value goes through its column type's bind processor for this dialect (JSON to text,
    dates to SQLite's format: what ``conn.execute(insert, rows)`` applies), but without the
    Core's per-row parameter handling. The values are converted a column at a time, by C loops
    over the column (``map``), and the rows put together again by ``zip``, rather than by a
    row-by-row loop of Python. ``tests/store/test_import.py`` compares what it stores with what
    the Core's insert stores."""
    plan = _plan(conn, table)
    if plan.sql is None:  # the Core knows its ways
        names = LAYOUTS[table].names
        conn.execute(models.table_of(table).insert(), [dict(zip(names, values, strict=False)) for values in rows])
        return
    if not plan.converted:
        conn.exec_driver_sql(plan.sql, rows)
        return
    columns = list(zip(*rows, strict=False))
    for i, processor, known in plan.converted:
        column = columns[i]
        if known is not None:
            try:
                columns[i] = tuple(map(known.__getitem__, column))
                continue
            except (KeyError, TypeError):  # a value other than True, False, None: the processor judges it
                pass
        columns[i] = tuple(map(processor, column))
    conn.exec_driver_sql(plan.sql, list(zip(*columns, strict=False)))


def _update(conn: Connection, table: type[SQLModel], rows: list[Values]) -> None:
    sa_table = models.table_of(table)
    keys = [c.name for c in sa_table.primary_key.columns]
    values: dict[str, BindParameter[Any]] = {c.name: bindparam(f"v_{c.name}") for c in sa_table.columns
                                             if c.name not in keys}
    statement = (
        sa_table.update()
        .where(and_(*(sa_table.c[k] == bindparam(f"k_{k}") for k in keys)))
        .values(values)
    )
    layout = LAYOUTS[table]
    params = []
    for row in map(layout.row, rows):
        params.append({**{f"k_{k}": row[k] for k in keys}, **{f"v_{n}": row[n] for n in values}})
    conn.execute(statement, params)


def _delete(conn: Connection, table: type[SQLModel], keys: Iterable[tuple[Any, ...]]) -> None:
    sa_table = models.table_of(table)
    names = [c.name for c in sa_table.primary_key.columns]
    statement = sa_table.delete().where(and_(*(sa_table.c[n] == bindparam(f"k_{n}") for n in names)))
    params = [{f"k_{n}": value for n, value in zip(names, key, strict=False)} for key in keys]
    if params:
        conn.execute(statement, params)


def _record(kinds: dict[str, set[str]], report: ImportReport, layout: _Layout, values: Values) -> None:
    """A row added, changed or removed (``kinds``: ``report.added``, ...): its record, the
    person and quote it touches."""
    kinds[layout.kind].add(layout.owner(values))
    if layout.person is not None:
        report.touched_people.add(layout.person(values))
    if layout.quote is not None:
        report.touched_quotes.add(layout.quote(values))
    if layout.is_vocabulary:
        report.vocabulary_changed = True


# Rows written together, a table's rows in one run. While a batch is written, the worker
# processes reading the next files run ahead only as far as ``_CHUNKS_AHEAD`` lets them
# (``archive/store/folder_import.py``): a batch much larger makes them stop and wait while it
# is written, leaving cores idle.
BATCH_ROWS = 10_000


class RowWriter:
    """Makes the tables equal the rows it is given, writing while they are still coming.

    Rows come a record at a time (a person file's rows together, parents before children).
    Each is compared with the row of the same key read at the start: a new row is inserted
    and a different one updated, in batches of ``batch_rows`` written in the order of the
    tables, so a child's parent is always written first; the rows never given are deleted by
    ``finish``, children first. All of it happens in the caller's transaction, so an import
    that fails half-way (an invalid file met late, a constraint) leaves nothing behind.
    """

    def __init__(self, conn: Connection, batch_rows: int | None = None):
        self.conn = conn
        self.batch_rows = batch_rows or BATCH_ROWS
        self.current = {table: _existing(conn, table) for table in models.TABLES_IN_ORDER}
        self.added: dict[type, list[Values]] = {table: [] for table in models.TABLES_IN_ORDER}
        self.changed: dict[type, list[Values]] = {table: [] for table in models.TABLES_IN_ORDER}
        self.pending = 0
        self.report = ImportReport()
        self.people: list[str] = []  # every person given, for the change log
        # sources whose fields that search documents read changed (archive/search/documents.py): their
        # citers are re-indexed
        self.indexed_sources: set[str] = set()
        self.quote_people: dict[str, str] = {}  # a quote's texts and themes name only the quote

    def add(self, table: type[SQLModel], values: Values, key: tuple[Any, ...]) -> None:
        """One wanted row: its values in the order of the table's columns (``values_of``),
        and its primary key."""
        existing = self.current[table].pop(key, _MISSING)
        if existing is _MISSING:
            self.added[table].append(values)
            self.pending += 1
            _record(self.report.added, self.report, LAYOUTS[table], values)
        elif existing != values:
            self.changed[table].append(values)
            self.pending += 1
            _record(self.report.changed, self.report, LAYOUTS[table], values)
            if table is models.Source and any(existing[i] != values[i] for i in _SOURCE_INDEXED):
                self.indexed_sources.add(values[_SOURCE_ID])
        if table is models.Quote:
            self.quote_people[values[_QUOTE_ID]] = values[_QUOTE_PERSON]
        elif table is models.Person:
            self.people.append(values[_PERSON_ID])
        if self.pending >= self.batch_rows:
            self.flush()

    def add_rows(self, table: type[SQLModel], keys: list[tuple[Any, ...]], rows: list[Values]) -> None:
        """A run of one table's wanted rows (``values_of``) and their primary keys.

        While none of the table's rows read at the start is left to compare with (a first
        import, or a table whose old rows have all been given already), every row is new: they
        are taken together, by C loops, rather than a row at a time (``add`` and its report
        would be a large part of a first import's work)."""
        if self.current[table]:
            for key, values in zip(keys, rows, strict=False):
                self.add(table, values, key)
            return
        if not rows:
            return
        self.added[table].extend(rows)
        self.pending += len(rows)
        layout, report = LAYOUTS[table], self.report
        report.added[layout.kind].update(map(layout.owner, rows))
        if layout.person is not None:
            report.touched_people.update(map(layout.person, rows))
        if layout.quote is not None:
            report.touched_quotes.update(map(layout.quote, rows))
        if layout.is_vocabulary:
            report.vocabulary_changed = True
        if table is models.Quote:
            self.quote_people.update(zip(map(_quote_id, rows), map(_quote_person, rows), strict=False))
        elif table is models.Person:
            self.people.extend(map(_person_id, rows))
        if self.pending >= self.batch_rows:
            self.flush()

    def add_row(self, table: type[SQLModel], row: dict[str, Any]) -> None:
        """One wanted row as a dict naming every column."""
        self.add(table, values_of(table, row), primary_key(table, row))

    def flush(self) -> None:
        """Write the rows added and changed so far, parents' tables first."""
        for table in models.TABLES_IN_ORDER:
            added, changed = self.added[table], self.changed[table]
            if added:
                _insert(self.conn, table, added)
                self.added[table] = []
            if changed:
                _update(self.conn, table, changed)
                self.changed[table] = []
        self.pending = 0

    def finish(self) -> ImportReport:
        """Write what is left, delete the rows not given, log the changed people; the report."""
        self.flush()
        report = self.report
        removed = self.current  # what is left of the rows read at the start
        for table in models.TABLES_IN_ORDER:
            for values in removed[table].values():
                _record(report.removed, report, LAYOUTS[table], values)
        for key, values in removed[models.Quote].items():
            self.quote_people.setdefault(key[0], values[_QUOTE_PERSON])
        report.touched_people |= {self.quote_people[q] for q in report.touched_quotes if q in self.quote_people}
        for table in reversed(models.TABLES_IN_ORDER):
            _delete(self.conn, table, removed[table].keys())
        # whether a document may name a source, and a passage's date, come from the source's row
        report.touched_people |= people_citing(self.conn, self.indexed_sources)
        # A child row that changed inside a record that was itself added or removed is not a change of its own.
        for kind in RECORD_KINDS:
            report.changed[kind] -= report.added[kind] | report.removed[kind]
        removed_people = [LAYOUTS[models.Person].row(values) for values in removed[models.Person].values()]
        _log_changes(self.conn, self._stamped(report) - {row["id"] for row in removed_people},
                     [row["id"] for row in removed_people if row["visibility"] == "public"],
                     [row["id"] for row in removed_people if row["visibility"] != "public"])
        self.current = {table: {} for table in models.TABLES_IN_ORDER}
        return report

    def _stamped(self, report: ImportReport) -> set[str]:
        """The people whose records this import changed: those whose own rows changed; everyone when
        the collection's record changed (its title and rights are in every record); those who cite a
        source that changed, or use a vocabulary term that changed (its title or label is in their
        record), read from the rows just written."""
        stamped = set(report.touched_people)
        if report.added["collection"] or report.changed["collection"] or report.removed["collection"]:
            return stamped | set(self.people)
        sources = report.added["sources"] | report.changed["sources"] | report.removed["sources"]
        terms = report.added["vocabulary terms"] | report.changed["vocabulary terms"] | \
            report.removed["vocabulary terms"]
        stamped |= people_citing(self.conn, sources)
        stamped |= people_using(self.conn, (_term_key(term) for term in terms))
        return stamped


def _term_key(owner: str) -> tuple[str, str]:
    """(kind, id) of a vocabulary term from its record id in the report (``kind:id``)."""
    kind, _, term = owner.partition(":")
    return kind, term



_MISSING: Any = object()
_QUOTE_ID = LAYOUTS[models.Quote].names.index("id")
_QUOTE_PERSON = LAYOUTS[models.Quote].names.index("person_id")
_PERSON_ID = LAYOUTS[models.Person].names.index("id")
_SOURCE_ID = LAYOUTS[models.Source].names.index("id")
# the source's columns that search documents read: its visibility, and its date (a passage's date)
_SOURCE_INDEXED = tuple(LAYOUTS[models.Source].names.index(name) for name in ("date", "visibility", "embargo_until"))
_quote_id, _quote_person = operator.itemgetter(_QUOTE_ID), operator.itemgetter(_QUOTE_PERSON)
_person_id = operator.itemgetter(_PERSON_ID)


def _log_changes(conn: Connection, changed: Iterable[str], deleted: Iterable[str], forgotten: Iterable[str]) -> None:
    """Stamp the people this import changed or deleted (for OAI-PMH harvesters).

    A deleted person who was public is kept as a deletion, so harvesters drop their copy;
    one who was never public is forgotten, so a deletion does not reveal that it existed.
    """
    now = datetime.now(timezone.utc).replace(microsecond=0)
    table = models.table_of(models.RecordChange)
    version = _committing_version(conn)
    rows = [{"kind": "person", "id": i, "changed_at": now, "deleted": False, "data_version": version}
            for i in sorted(changed)]
    rows += [{"kind": "person", "id": i, "changed_at": now, "deleted": True, "data_version": version}
             for i in sorted(deleted)]
    stale = [row["id"] for row in rows] + list(forgotten)
    if stale:
        conn.execute(table.delete().where(table.c.kind == "person", table.c.id.in_(stale)))
    if rows:
        conn.execute(table.insert(), rows)


def _committing_version(conn: Connection) -> int:
    """The data version the import's commit gives the database: one more than the committed one.

    Every commit of an import moves ``index_state.data_version`` by one in its own transaction
    (``archive/search/index_state.commit_build``), and this transaction holds the write lock, so
    no other commit comes between."""
    state = models.table_of(models.IndexState)
    committed = conn.scalar(select(state.c.data_version).where(state.c.id == models.INDEX_STATE_ROW))
    return (committed or 0) + 1
