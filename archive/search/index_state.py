"""Keeping the database and the search index in step, across crashes.

The database names the index build that matches it (the table ``index_state``, one row).
Every change of the pair goes through the same steps:

1. In one database transaction that holds the write lock from its start (SQLite:
   ``BEGIN IMMEDIATE``; PostgreSQL: an advisory lock), write the rows (an import) or read a snapshot (a reindex).
2. Write a *new* index build from what that transaction sees, to the end, and fsync it
   (``IndexStore.write_build`` / ``write_update``; a build is never modified once complete).
3. In the same transaction, set ``index_state.build`` to the new build's name, and commit.
   **The commit is the commit point of the pair**: before it, the database and CURRENT still
   name the old build; after it, the database names a complete new build.
4. Point ``CURRENT`` at the new build (atomic rename), then collect the builds that nothing
   names any more.

Steps 3 and 4 run under ``SWAP.lock``, and ``recover`` (run by ``Archive.open``, and by a
long-running searcher when it notices) takes the same lock to read the database's build
name and point CURRENT at it when they differ: a process killed between 3 and 4 is rolled
forward. A kill before 3 leaves an unnamed build that the collector removes; the database
rolls back by itself. So after a crash anywhere the pair is old + old or new + new. A build
the database names but that is missing from disk (deleted by hand, a restore of the database
alone) cannot come from a crash; ``recover`` reports it and ``archive check`` names the repair.

A reindex does not hold the write lock while it builds (that could be minutes): it reads a
snapshot, builds, and then commits only if the database still names the build it saw,
otherwise an import got in between and it builds again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine

from archive.search import change_notice
from archive.store.connection import begin_snapshot, begin_writing
from archive.store.crashpoints import crash_point
from archive.store.reflected import INDEX_STATE_ROW, reflected_table

if TYPE_CHECKING:
    from sqlalchemy import Table

    from archive.search.index_store import IndexStore


def named_build(conn: Connection) -> str | None:
    state = reflected_table(conn, "index_state")  # read without building the table models (a search)
    return conn.scalar(select(state.c.build).where(state.c.id == INDEX_STATE_ROW))


def data_version(conn: Connection) -> tuple[str | None, int | None]:
    """(build, data_version): changes with every commit of the database's contents (one tiny SELECT)."""
    state = reflected_table(conn, "index_state")
    row = conn.execute(select(state.c.build, state.c.data_version).where(state.c.id == INDEX_STATE_ROW)).first()
    return (row[0], row[1]) if row is not None else (None, None)


def _written_table() -> Table:
    """The table as its model declares it: its time column is written as the model's time in UTC. Its
    writers (an import, a reindex) build the table models anyway."""
    from archive.store.models import IndexState, table_of

    return table_of(IndexState)


def _name_build(conn: Connection, name: str) -> None:
    state = _written_table()
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    updated = conn.execute(state.update().where(state.c.id == INDEX_STATE_ROW).values(build=name, changed_at=now))
    if updated.rowcount == 0:
        conn.execute(state.insert().values(id=INDEX_STATE_ROW, build=name, changed_at=now))


def _next_data_version(conn: Connection) -> None:
    state = _written_table()
    conn.execute(state.update().where(state.c.id == INDEX_STATE_ROW)
                 .values(data_version=func.coalesce(state.c.data_version, 0) + 1))


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that holds the database's write lock from its first statement.

    pysqlite would begin the transaction only at the first INSERT, so the rows an import
    compares against could change before it writes; the lock is taken first (SQLite's
    ``BEGIN IMMEDIATE``, PostgreSQL's advisory lock: ``archive.store.connection.begin_writing``),
    waiting up to the write wait (``ARCHIVE_WRITE_WAIT_SECONDS``) for another writer. The caller
    commits (``commit_build``); anything else rolls back.
    """
    with engine.connect() as conn:
        begin_writing(conn)
        try:
            yield conn
        finally:
            if conn.in_transaction():
                conn.rollback()


@contextmanager
def read_snapshot(engine: Engine) -> Iterator[Connection]:
    """A read transaction: every query sees the same committed state (SQLite WAL: a snapshot;
    PostgreSQL: REPEATABLE READ)."""
    with engine.connect() as conn:
        begin_snapshot(conn)
        try:
            yield conn
        finally:
            if conn.in_transaction():
                conn.rollback()


def commit_build(conn: Connection, store: IndexStore, name: str) -> None:
    """Steps 3 and 4: name the build in the open transaction, commit, point CURRENT at it, collect."""
    with store.swap_lock():
        if named_build(conn) != name:
            _name_build(conn, name)
        _next_data_version(conn)  # in the same transaction: the new data and its version commit together
        change_notice.announce(conn)  # the nodes following the database look at once (delivered on commit)
        crash_point("index-built")
        conn.commit()
        crash_point("db-committed")
        if store.current_name() != name:
            store.point_to(name)
        crash_point("swapped")
        store.collect_garbage([name])


@dataclass
class Recovery:
    named: str | None
    current: str | None
    rolled_forward: bool = False
    removed: list[str] = field(default_factory=list)
    problem: str | None = None


def recover(engine: Engine, store: IndexStore) -> Recovery:
    """Point CURRENT at the build the database names (a crash after commit), collect unnamed builds."""
    if not store.root.is_dir():
        return Recovery(None, None)
    with store.swap_lock():
        with engine.connect() as conn:
            named = named_build(conn)
        current = store.current_name()
        result = Recovery(named, current)
        if named and named != current:
            if store.is_complete(named):
                store.point_to(named)
                result.rolled_forward, result.current = True, named
            else:
                result.problem = (f"the database names the index build {named}, which is not in {store.root}"
                                  + (f" (CURRENT names {current})" if current else ""))
        result.removed = store.collect_garbage([named, result.current])
    return result


def disagreement(engine: Engine, store: IndexStore) -> str | None:
    """Why the database's build and CURRENT differ, or None when they agree (or the database names none)."""
    with engine.connect() as conn:
        named = named_build(conn)
    current = store.current_name()
    if named is None or named == current:
        return None
    if not store.is_complete(named):
        return f"the database names the index build {named}, which is missing from {store.root}"
    return f"the database names the index build {named}, but CURRENT names {current}"
