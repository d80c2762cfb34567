"""Opening the database and creating its tables."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel, create_engine

from archive import models  # noqa: F401  (registers the tables)
from archive.schema_upgrade import add_missing_columns
from archive.settings import Settings


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # SQLite enforces foreign keys only when asked; WAL lets readers (the web app)
    # go on while an import writes.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    engine = create_engine(url)
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
