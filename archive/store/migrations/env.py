"""The Alembic environment of the archive's database, run by ``archive/store/migrations/schema.py``.

The schema module hands over an open connection (``config.attributes["connection"]``) that is
already inside the transaction holding the database's write lock, so every revision of one
upgrade commits together or not at all; Alembic is never given a URL of its own.
``render_as_batch``: SQLite alters most of a table only by copying it, which Alembic's batch
mode does; on other databases the same batch operations are plain ``ALTER TABLE``.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy.engine import Connection

from archive.store import database  # noqa: F401  (registers every table on SQLModel.metadata)
from archive.store.crashpoints import crash_point
from archive.store.migrations.schema import UPGRADE_CRASH_POINT, render_item, target_metadata


def _after_each_revision(**_details: Any) -> None:
    crash_point(UPGRADE_CRASH_POINT)


connection: Connection | None = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("the archive's migrations run through archive/store/migrations/schema.py, "
                       "which passes them a connection (try: archive db upgrade)")
options: dict[str, Any] = {"render_as_batch": True, "render_item": render_item, "compare_type": True,
                           "on_version_apply": _after_each_revision}
context.configure(connection=connection, target_metadata=target_metadata(), **options)
with context.begin_transaction():  # inside the caller's transaction: a no-op; the caller commits
    context.run_migrations()
