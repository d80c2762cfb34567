"""A wake-up for the web nodes when the database's data changes (PostgreSQL ``LISTEN``/``NOTIFY``).

Every commit of an import or a reindex sends ``NOTIFY archive_data_version`` in its transaction
(``index_state.commit_build``), so PostgreSQL delivers it to every listening session only if
and when the commit succeeds. Each web node following the database (``archive/search/node_sync.py``)
listens on its own connection and looks at the database at once instead of at its next poll.
Polling stays the way a node learns of a change: a notice lost while a node reconnects, or a
database without ``NOTIFY`` (SQLite), only means the next poll finds it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Connection, Engine

log = logging.getLogger(__name__)
CHANNEL = "archive_data_version"
_WAIT_SECONDS = 1.0  # how long one wait for notices lasts before the stop flag is looked at


def announce(conn: Connection) -> None:
    """In the writer's transaction: tell the listening nodes, once it commits, that the data changed."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"NOTIFY {CHANNEL}")


def can_listen(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def listen(engine: Engine, on_notice: Callable[[], None], stop: threading.Event, retry_seconds: float) -> None:
    """Call ``on_notice`` for every notice until ``stop`` is set, on a connection of its own
    (made by the engine's driver from its URL, never one of its pool: the pool's connections do not
    listen); reconnect after ``retry_seconds`` when the connection fails."""
    while not stop.is_set():
        connection: Any = None
        try:
            cargs, cparams = engine.dialect.create_connect_args(engine.url)
            connection = engine.dialect.dbapi.connect(*cargs, **{**cparams, "autocommit": True})  # type: ignore[union-attr]
            connection.execute(f"LISTEN {CHANNEL}")
            on_notice()  # connected (again): a change made while no one listened is looked for now
            while not stop.is_set():
                for _notice in connection.notifies(timeout=_WAIT_SECONDS):
                    on_notice()
        except Exception as error:  # the database away: polling goes on; listen again later
            log.info("not listening for the database's changes (%s); polling goes on", type(error).__name__)
            stop.wait(retry_seconds)
        finally:
            if connection is not None:
                try:
                    connection.close()
                except Exception:  # noqa: BLE001 - closing a broken connection may fail too
                    pass
