"""The archive's database: every table registered on ``SQLModel.metadata``, and how it is opened.

Importing this module registers every table of the archive (the collection's records, the
accounts, the published records, the rate-limit counters): creating a new database, Alembic's
revisions (``archive/store/migrations/``) and the schema checks of ``archive/health.py`` need them
all. Opening the database, its writer's lock and a reader's snapshot live in
``archive/store/connection.py`` and are named here too; code that only opens and reads the
database imports them from there, without the table models.
"""

from __future__ import annotations

from archive.access import accounts  # noqa: F401  (registers the tables)
from archive.store import (
    models,  # noqa: F401  (registers the tables)
    published,  # noqa: F401  (registers the tables)
    rate_limit_table,  # noqa: F401  (registers the table)
)
from archive.store.connection import (
    WRITE_LOCK_KEY,
    begin_snapshot,
    begin_writing,
    dialect_of,
    make_engine,
    open_database,
)

__all__ = ["WRITE_LOCK_KEY", "begin_snapshot", "begin_writing", "dialect_of", "make_engine",
           "open_database"]
