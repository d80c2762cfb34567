"""Opening the database and creating its tables."""

from __future__ import annotations

from sqlalchemy import event, make_url
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel, create_engine

from archive.access import accounts  # noqa: F401  (registers the tables)
from archive.settings import Settings
from archive.store import (
    models,  # noqa: F401  (registers the tables)
    published,  # noqa: F401  (registers the tables)
)
from archive.store.schema_upgrade import add_missing_columns

BUSY_TIMEOUT_MS = 10_000


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # SQLite enforces foreign keys only when asked; WAL lets readers (the web app)
    # go on while an import writes.
    # A writer waits up to BUSY_TIMEOUT_MS for another writer instead of failing at once
    # with "database is locked" (two imports, or an import and a user's last login).
    # synchronous=FULL: in WAL mode, NORMAL syncs only at checkpoints, so after a power cut
    # the last committed import could be lost while CURRENT already names its index build
    # (archive/search/index_state.py): the database and the index would disagree. FULL fsyncs the
    # WAL at every commit; imports are rare, so the one fsync each costs nothing that matters.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def make_engine(url: str) -> Engine:
    sqlite = make_url(url).get_backend_name() == "sqlite"
    # pysqlite's own busy handler (``timeout``, seconds) matches the PRAGMA above
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000} if sqlite else {})
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def open_database(settings: Settings) -> Engine:
    """An engine with every table created (creating tables is idempotent)."""
    settings.home.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    SQLModel.metadata.create_all(engine)
    add_missing_columns(engine)  # an archive made by an older version gains the new columns
    return engine
