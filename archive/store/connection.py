"""Opening the database; what differs between SQLite and PostgreSQL.

SQLite (a file in the archive's home, the default) and PostgreSQL (``DATABASE_URL=postgresql+psycopg://…``)
are both supported. Everything one of them needs and the other does not is here:

* SQLite: the pragmas every connection gets (foreign keys, WAL, the busy timeout, FULL sync);
  the busy timeout is how long a writer waits for another (``ARCHIVE_WRITE_WAIT_SECONDS``);
  a writer takes the database's write lock with ``BEGIN IMMEDIATE``.
* PostgreSQL: every session works in UTC (the timestamps the archive stores carry no zone, and
  the server's own zone must not shift them); a writer of the archive's contents (an import, a
  reindex's commit, the OAI-PMH records' refresh) takes one transaction-level advisory lock, so
  they run one at a time across every process and machine on the database, and a second one waits
  up to the same busy timeout as on SQLite and then fails with PostgreSQL's "lock not available"
  (``archive/cli/failures.py`` says the archive is busy). The lock goes with the transaction:
  a commit, a rollback, or a process that dies frees it.
* Snapshots for a reader of several queries: SQLite's deferred transaction in WAL mode, PostgreSQL's
  REPEATABLE READ.

The rest of the archive is written in SQLAlchemy's Core and runs on both as it is. The SQLite-only
tools (``PRAGMA integrity_check`` in ``archive/health.py``, the online backup API in
``archive/backup.py``) check the URL's dialect and say what they do on another database.

The tables are not defined here: ``archive/store/database.py`` registers every one of them (for
creating a new database and comparing schemas). Opening a database at the newest schema revision
needs none of them, so a command that only reads a few columns (``archive search``) builds no
table model: it reads the tables as the database declares them (``archive/store/reflected.py``).
"""

from __future__ import annotations

import zlib

import sqlalchemy
from sqlalchemy import create_engine, event, make_url
from sqlalchemy.engine import Engine

from archive.settings import DEFAULT_WRITE_WAIT_SECONDS, Settings
from archive.store.migrations.schema import prepare_schema

# the key under which each pooled connection's ``info`` holds its engine's wait for another writer
_WRITE_WAIT_MS = "archive_write_wait_ms"
# PostgreSQL's advisory lock of the archive's writers: one 64-bit number that names it in every
# process (a CRC of a fixed name, so that another application sharing the server is unlikely to pick it)
WRITE_LOCK_KEY = zlib.crc32(b"red-soul-archive: the archive's writer")


def _sqlite_pragmas(dbapi_connection, record) -> None:  # type: ignore[no-untyped-def]
    # SQLite enforces foreign keys only when asked; WAL lets readers (the web app)
    # go on while an import writes.
    # A writer waits up to the engine's write wait for another writer instead of failing at once
    # with "database is locked" (two imports, or an import and a user's last login).
    # synchronous=FULL: in WAL mode, NORMAL syncs only at checkpoints, so after a power cut
    # the last committed import could be lost while CURRENT already names its index build
    # (archive/search/index_state.py): the database and the index would disagree. FULL fsyncs the
    # WAL at every commit; imports are rare, so the one fsync each costs nothing that matters.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={int(record.info[_WRITE_WAIT_MS])}")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def dialect_of(url: str) -> str:
    """``sqlite``, ``postgresql``, …: the database a URL names (its driver left out)."""
    return make_url(url).get_backend_name()


def make_engine(url: str, write_wait_seconds: float = DEFAULT_WRITE_WAIT_SECONDS) -> Engine:
    """An engine on ``url`` whose writers wait up to ``write_wait_seconds`` for another writer."""
    backend = dialect_of(url)
    if backend == "sqlite":
        # pysqlite's own busy handler (``timeout``, seconds) matches the PRAGMA of _sqlite_pragmas
        engine = create_engine(url, connect_args={"timeout": write_wait_seconds})
    elif backend == "postgresql":
        # UTC in every session: a timestamp without zone is stored and read as it is given
        engine = create_engine(url, connect_args={"options": "-c timezone=UTC"})
    else:
        engine = create_engine(url)

    def remember_the_wait(_dbapi_connection, record) -> None:  # type: ignore[no-untyped-def]
        record.info[_WRITE_WAIT_MS] = round(write_wait_seconds * 1000)

    event.listen(engine, "connect", remember_the_wait)  # before the pragmas, which read it
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def begin_writing(conn: sqlalchemy.Connection) -> None:
    """Begin ``conn``'s transaction as the archive's one writer (see the module's docstring):
    SQLite's write lock, PostgreSQL's advisory lock, waiting up to the engine's write wait
    (``make_engine``) for another writer and then raising the database's own "busy" error."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif conn.dialect.name == "postgresql":
        if not conn.scalar(sqlalchemy.select(sqlalchemy.func.pg_try_advisory_xact_lock(WRITE_LOCK_KEY))):
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = {int(conn.info[_WRITE_WAIT_MS])}")
            conn.execute(sqlalchemy.select(sqlalchemy.func.pg_advisory_xact_lock(WRITE_LOCK_KEY)))
            conn.exec_driver_sql("SET LOCAL lock_timeout = 0")
    else:
        conn.begin()


def begin_snapshot(conn: sqlalchemy.Connection) -> None:
    """Begin a read-only view of one committed state for the several queries that follow."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN")  # deferred: the snapshot starts at the first read
    else:
        conn.execution_options(isolation_level="REPEATABLE READ")
        conn.begin()


def open_database(settings: Settings, upgrade_schema: bool = True) -> Engine:
    """An engine on a database at the newest schema revision (``archive/store/migrations/schema.py``);
    ``upgrade_schema=False`` refuses a database at an older revision instead of upgrading it (the
    site: web nodes never race to migrate; `archive db upgrade` and `archive import` do)."""
    settings.home.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url, settings.write_wait_seconds)
    prepare_schema(engine, upgrade=upgrade_schema)  # made when new, upgraded or refused when older
    return engine
