"""Finding damage to the archive's files before it is met by a crash.

Two things can be damaged under a running archive: the SQLite file (a disk error, a copy taken
while it was written, a truncated file) and the search index (a truncated or missing segment).
``archive check`` asks ``archive_damage`` and names each damaged part on one line; the web
site asks ``index_damage`` when it starts and ``archive_damage`` again while it answers 503
(``webapp/views/errors.py``), and takes an error that only damage raises (``is_damage_error``)
as the sign that the archive is damaged.

* the database, SQLite: SQLite's own ``PRAGMA integrity_check`` on the file, opened read-only;
  each damaged table is named when SQLite can still list the tables (its check per table);
* the database, PostgreSQL (or another server): that it can be reached and that its schema is
  current (every table and column the archive uses is there). A server checks its own storage;
  SQLite's integrity checks have no counterpart to run here;
* the index: the current build opened and a searcher made on it, as a search would.

``database_description`` says which database a check looks at, without its password.

A database server that cannot be reached (stopped, restarting, its connections closed) is not
damage: nothing is wrong with the archive's files, and the next connection may succeed.
``is_database_away`` names the errors that mean it, so that the site answers 503 for the
requests that meet them and goes on answering as usual once the server is back.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import make_url

MAX_LINES = 20  # damage lines reported for one part: enough to see how far it goes

_DAMAGE_WORDS = ("malformed", "not a database", "corrupt")


@dataclass(frozen=True)
class Damage:
    """One damaged part of the archive, said in one line."""

    part: str  # "database" or "search index"
    detail: str

    def __str__(self) -> str:
        return f"{self.part}: {self.detail}"


def _one_line(text: object) -> str:
    """SQLite's report on one line, without the name of the schema (always ``main`` here)."""
    return " ".join(str(text).replace("*** in database main ***", "").split())


def sqlite_path(database_url: str) -> Path | None:
    """The file of an SQLite database URL (None for another database or an in-memory one)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def database_description(database_url: str) -> str:
    """Which database a URL names, for people: ``SQLite file /srv/archive/archive.sqlite3``,
    ``PostgreSQL database archive on db.example.org:5432`` (never the user or password)."""
    url = make_url(database_url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        path = sqlite_path(database_url)
        return f"SQLite file {path}" if path is not None else "SQLite database in memory"
    name = {"postgresql": "PostgreSQL"}.get(backend, backend)
    where = f"{url.host or 'localhost'}:{url.port or 5432}" if backend == "postgresql" else (url.host or "localhost")
    return f"{name} database {url.database} on {where}"


def server_damage(database_url: str) -> list[Damage]:
    """A database server's check: it answers, and the archive's tables and columns are all there."""
    from sqlalchemy import inspect
    from sqlalchemy.exc import SQLAlchemyError
    from sqlmodel import SQLModel

    from archive.store.database import make_engine

    described = database_description(database_url)
    engine = make_engine(database_url)
    try:
        try:
            with engine.connect() as conn:
                inspector = inspect(conn)
                tables = set(inspector.get_table_names())
                missing = []
                for table in SQLModel.metadata.sorted_tables:
                    if table.name not in tables:
                        missing.append(f"table {table.name}")
                        continue
                    present = {column["name"] for column in inspector.get_columns(table.name)}
                    missing += [f"column {table.name}.{column.name}" for column in table.columns
                                if column.name not in present]
        except SQLAlchemyError as error:
            cause = getattr(error, "orig", None)  # the driver's own error, when there is one
            reason = _one_line(cause if cause is not None else error)
            return [Damage("database", f"the {described} cannot be reached ({reason[:300]}); start it, or check "
                                       "DATABASE_URL")]
    finally:
        engine.dispose()
    if not tables & {table.name for table in SQLModel.metadata.sorted_tables}:
        return []  # an empty database: the first import creates the tables
    if missing:
        shown = ", ".join(missing[:MAX_LINES]) + (f" and {len(missing) - MAX_LINES} more" if len(missing) > MAX_LINES
                                                  else "")
        return [Damage("database", f"the schema of the {described} is not current ({shown} missing); bring it up "
                                   "to date with: archive db upgrade")]
    return []


def database_damage(database_url: str) -> list[Damage]:
    """What ``PRAGMA integrity_check`` finds wrong with the archive's SQLite file (nothing for a
    file that does not exist yet); for a database server, ``server_damage``."""
    if make_url(database_url).get_backend_name() != "sqlite":
        return server_damage(database_url)
    path = sqlite_path(database_url)
    if path is None or not path.exists():
        return []
    try:
        connection = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as error:
        return [Damage("database", f"{path} cannot be opened ({_one_line(error)})")]
    try:
        rows = [row[0] for row in connection.execute(f"PRAGMA integrity_check({MAX_LINES})")]
        if rows == ["ok"]:
            return []
        return _damaged_tables(connection, path) or [Damage("database", f"{path}: {_one_line(row)}")
                                                     for row in rows[:MAX_LINES]]
    except sqlite3.DatabaseError as error:
        return [Damage("database", f"{path} is damaged ({_one_line(error)}); it is not an SQLite database "
                                   "SQLite can read")]
    finally:
        connection.close()


def _damaged_tables(connection: sqlite3.Connection, path: Path) -> list[Damage]:
    """Each table whose own check fails, named with SQLite's first complaint about it."""
    found = []
    tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    for table in tables:
        try:
            rows = [row[0] for row in connection.execute(f'PRAGMA integrity_check("{table}")')]
        except sqlite3.DatabaseError as error:
            rows = [str(error)]
        if rows != ["ok"]:
            found.append(Damage("database", f"{path}: table {table} is damaged ({_one_line(rows[0])})"))
    return found[:MAX_LINES]


def index_damage(index_dir: Path) -> list[Damage]:
    """Whether the current index build opens for searching (no index yet is not damage: the
    index check of ``archive check`` says how to make one)."""
    from archive.search.index_store import IndexMissing, IndexStore

    try:
        _, index = IndexStore(index_dir).open(for_search=True)
        try:
            index.searcher().close()
        finally:
            index.close()
    except IndexMissing:
        return []
    except Exception as error:  # a damaged index fails in many ways (EOFError, struct.error, OSError…)
        return [Damage("search index", f"{index_dir} cannot be read ({type(error).__name__}: {_one_line(error)}); "
                                       "rebuild it with: archive reindex")]
    return []


def archive_damage(database_url: str, index_dir: Path) -> list[Damage]:
    """Every damaged part: the database first, then the index."""
    return database_damage(database_url) + index_damage(index_dir)


def is_database_away(error: BaseException) -> bool:
    """An error that says a database server did not answer (here or in what caused it): an
    operational or interface error of a driver other than SQLite's (refused or lost connections, a
    server shutting down or starting up), through SQLAlchemy or straight from psycopg (a raw
    connection of the pool), or an error on a connection SQLAlchemy found dead. SQLite's own
    operational errors (a locked file) are not this: they stay as they are."""
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

    away: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)
    try:
        import psycopg
    except ImportError:  # no PostgreSQL driver installed: only SQLAlchemy's wrapped errors can say it
        pass
    else:
        away += (psycopg.OperationalError, psycopg.InterfaceError)
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, DBAPIError):
            if not isinstance(current.orig, sqlite3.Error) and (current.connection_invalidated
                                                                 or isinstance(current, away)):
                return True
        elif isinstance(current, away):
            return True
        current = current.__cause__ or current.__context__
    return False


def is_damage_error(error: BaseException) -> bool:
    """An error SQLite raises only for a damaged file (through SQLAlchemy or not), here or in what caused it."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, sqlite3.DatabaseError) and not isinstance(current, sqlite3.OperationalError):
            if any(word in str(current).lower() for word in _DAMAGE_WORDS):
                return True
        current = current.__cause__ or current.__context__
    return False
