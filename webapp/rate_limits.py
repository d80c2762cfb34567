"""Failed-login counts shared by every server process of one archive, in the database they share
or in an SQLite file beside it.

Flask-Limiter keeps its counts in a ``limits`` storage. Its in-memory one is per process: a
site served by two ``archive serve`` processes (one per core, or one per machine) would let a
password guesser make twice the attempts, and a restart would forget them. So this module
registers two storages with ``limits`` (its way of adding one: a ``Storage`` subclass naming its
URI scheme), and ``storage_uri`` chooses the default from the archive's database:

* **PostgreSQL** (``DATABASE_URL=postgresql+psycopg://…``), scheme ``archive-postgresql``: the
  counts live in the ``rate_limit`` table of the archive's own database, so every web node of a
  deployment counts in one place, and a lockout earned at one node holds at all of them::

      RATELIMIT_STORAGE_URI = "archive-postgresql://archive:secret@db.internal:5432/archive"

  The table is part of the archive's schema (``archive/store/rate_limit_table.py``, made by
  ``archive db upgrade``): web nodes never change the schema. A counter is bumped in one
  statement (``INSERT … ON CONFLICT … DO UPDATE … RETURNING``), which PostgreSQL carries out
  atomically whatever the number of nodes; its window is timed by the database server's clock,
  the one clock every node shares. An import does not hold these rows, so a login never waits for it.
* **SQLite** (the default archive), scheme ``archive-sqlite``: a file of its own beside the
  archive, not the archive's database, because an import holds that database's write lock for its
  whole transaction and a login must not wait for it::

      RATELIMIT_STORAGE_URI = "archive-sqlite:////srv/archive/instance/rate-limits.sqlite3"

  A counter is bumped in one ``BEGIN IMMEDIATE`` transaction, so two processes never lose an
  attempt between them.

Each count is a fixed window (Flask-Limiter's default strategy): a row with the count and the
moment the window ends. ``LoginThrottle`` below is the login rule, over whichever storage the
limiter uses.
"""

from __future__ import annotations

import math
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

import sqlalchemy
from limits import RateLimitItem
from limits.storage import Storage
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import text

from archive.store.database import dialect_of, make_engine
from archive.store.rate_limit_table import TABLE_NAME

SCHEME = "archive-sqlite"
POSTGRESQL_SCHEME = "archive-postgresql"
POSTGRESQL_DRIVER = "postgresql+psycopg"
FILE_NAME = "rate-limits.sqlite3"
SWEEP_SECONDS = 60.0  # how often, at most, a process deletes the windows that have ended

_SCHEMA = """CREATE TABLE IF NOT EXISTS rate_limit (
    key TEXT PRIMARY KEY,
    count INTEGER NOT NULL,
    expires_at REAL NOT NULL
)"""


def storage_uri(home: Path, database_url: str | None = None) -> str:
    """The default store of the counts: the ``rate_limit`` table of a PostgreSQL ``database_url``,
    else the archive home's SQLite file (an absolute path: four slashes)."""
    if database_url and dialect_of(database_url) == "postgresql":
        address = sqlalchemy.make_url(database_url).render_as_string(hide_password=False).split("://", 1)[1]
        return f"{POSTGRESQL_SCHEME}://{address}"
    return f"{SCHEME}://{(Path(home).resolve() / FILE_NAME).as_posix()}"


class SQLiteStorage(Storage):
    """A ``limits`` storage in one SQLite file, safe across threads and processes."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options: float | str | bool) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        path = unquote(urlparse(uri).path)
        if not path:
            raise ValueError(f"{uri!r}: give the file, e.g. {SCHEME}:///srv/archive/instance/{FILE_NAME}")
        self.path = Path(path)
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # created readable by its owner only: it holds the addresses that tried to log in (SQLite
        # gives its -wal and -shm files the database file's mode)
        os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
        self._local = threading.local()
        with self._transaction() as conn:
            conn.execute(_SCHEMA)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")  # a lost last count after a power cut is acceptable
            self._local.conn = conn
        return conn

    def _transaction(self) -> _Transaction:
        return _Transaction(self._connection())

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        with self._transaction() as conn:
            conn.execute("DELETE FROM rate_limit WHERE key = ? AND expires_at <= ?", (key, now))
            conn.execute("INSERT INTO rate_limit (key, count, expires_at) VALUES (?, ?, ?) "
                         "ON CONFLICT(key) DO UPDATE SET count = count + excluded.count",
                         (key, amount, now + expiry))
            return int(conn.execute("SELECT count FROM rate_limit WHERE key = ?", (key,)).fetchone()[0])

    def get(self, key: str) -> int:
        row = self._connection().execute("SELECT count FROM rate_limit WHERE key = ? AND expires_at > ?",
                                         (key, time.time())).fetchone()
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._connection().execute("SELECT expires_at FROM rate_limit WHERE key = ? AND expires_at > ?",
                                         (key, time.time())).fetchone()
        return float(row[0]) if row else time.time()

    def check(self) -> bool:
        try:
            self._connection().execute("SELECT 1 FROM rate_limit LIMIT 1").fetchall()
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        with self._transaction() as conn:
            return conn.execute("DELETE FROM rate_limit").rowcount

    def clear(self, key: str) -> None:
        with self._transaction() as conn:
            conn.execute("DELETE FROM rate_limit WHERE key = ?", (key,))


class _Transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` (``ROLLBACK`` on an error): the write lock is taken first."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        self.conn.execute("COMMIT" if kind is None else "ROLLBACK")


# the database server's clock, in seconds since the epoch, as of the start of the statement
_NOW = "extract(epoch FROM statement_timestamp())::double precision"
_INCREMENT = text(
    f"INSERT INTO {TABLE_NAME} AS counted (key, count, expires_at) VALUES (:key, :amount, {_NOW} + :expiry) "
    "ON CONFLICT (key) DO UPDATE SET "
    f"count = CASE WHEN counted.expires_at <= {_NOW} THEN excluded.count ELSE counted.count + excluded.count END, "
    f"expires_at = CASE WHEN counted.expires_at <= {_NOW} THEN excluded.expires_at ELSE counted.expires_at END "
    "RETURNING count")
_COUNT = text(f"SELECT count FROM {TABLE_NAME} WHERE key = :key AND expires_at > {_NOW}")
_EXPIRY = text(f"SELECT coalesce((SELECT expires_at FROM {TABLE_NAME} WHERE key = :key AND expires_at > {_NOW}), "
               f"{_NOW})")
_SWEEP = text(f"DELETE FROM {TABLE_NAME} WHERE expires_at <= {_NOW}")


class PostgreSQLStorage(Storage):
    """A ``limits`` storage in the ``rate_limit`` table of a PostgreSQL database (the archive's):
    every process on every machine that names the database counts together.

    The URI is the database's SQLAlchemy URL with the scheme ``archive-postgresql`` in place of
    ``postgresql+psycopg``. Each operation is one statement in a transaction of its own; the
    connection pool is this storage's own (``archive.store.database.make_engine``), beside the archive's."""

    STORAGE_SCHEME = [POSTGRESQL_SCHEME]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options: float | str | bool) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        address = uri.split("://", 1)[1] if "://" in uri else ""
        if not address.strip("/"):
            raise ValueError(f"{uri!r}: give the database, e.g. {POSTGRESQL_SCHEME}://USER:PASSWORD@HOST:5432/NAME")
        self.engine = make_engine(f"{POSTGRESQL_DRIVER}://{address}")
        self._swept_at = 0.0
        self._sweep_lock = threading.Lock()

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return sqlalchemy.exc.SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        with self.engine.begin() as conn:
            count = int(conn.execute(_INCREMENT, {"key": key, "amount": amount, "expiry": float(expiry)}).scalar_one())
        self._sweep()
        return count

    def _sweep(self) -> None:
        """Delete the windows that have ended (their keys are not asked again), once a ``SWEEP_SECONDS``."""
        now = time.monotonic()
        if now - self._swept_at < SWEEP_SECONDS or not self._sweep_lock.acquire(blocking=False):
            return
        try:
            self._swept_at = now
            with self.engine.begin() as conn:
                conn.execute(_SWEEP)
        finally:
            self._sweep_lock.release()

    def get(self, key: str) -> int:
        with self.engine.connect() as conn:
            count = conn.execute(_COUNT, {"key": key}).scalar()
        return int(count) if count is not None else 0

    def get_expiry(self, key: str) -> float:
        with self.engine.connect() as conn:
            return float(conn.execute(_EXPIRY, {"key": key}).scalar_one())

    def check(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(text(f"SELECT 1 FROM {TABLE_NAME} LIMIT 1")).fetchall()
        except sqlalchemy.exc.SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with self.engine.begin() as conn:
            return conn.execute(text(f"DELETE FROM {TABLE_NAME}")).rowcount

    def clear(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(text(f"DELETE FROM {TABLE_NAME} WHERE key = :key"), {"key": key})


@dataclass(frozen=True)
class LoginThrottle:
    """The rule for login attempts (the login view asks it before and after checking a password).

    * **Per client address**, at most ``per_address`` attempts are evaluated (e.g. 5 per minute).
      An attempt takes its place in the count *before* its password is checked, in one atomic
      increment of the shared store, and is refused when that makes the count pass the limit:
      concurrent requests cannot all slip in between a check and a count. A successful login
      gives its place back, so researchers behind one address are not held up by each other;
      a failed one keeps it.
    * **Per address and account name together**, failures are remembered for ``memory_seconds``
      from the first one. From the ``lockout_failures``-th on, each failure locks that address
      out of that account name for ``lockout_seconds``, doubled with each further failure, at
      most ``lockout_max_seconds``. A success clears the failures of the pair.

    So a guesser is slowed down and then locked out, and the owner of the account, logging in
    from another address, is not: there is no lock on an account name alone, which would let
    anyone lock any researcher out. The price: a guesser with many addresses gets the
    per-address allowance at each of them; the password rules (``archive.access.accounts``)
    and argon2 hashing are the defence there.
    """

    storage: Storage
    per_address: RateLimitItem
    lockout_failures: int = 5
    lockout_seconds: int = 60
    lockout_max_seconds: int = 3600
    memory_seconds: int = 86400

    def before_attempt(self, address: str, name: str) -> int | None:
        """None when the attempt may be evaluated (it is then counted), else the seconds to wait."""
        lock = self._key("lock", address, name)
        if self.storage.get(lock) > 0:
            return self._wait(self.storage.get_expiry(lock))
        limiter = FixedWindowRateLimiter(self.storage)
        if not limiter.hit(self.per_address, "login-address", address):
            return self._wait(limiter.get_window_stats(self.per_address, "login-address", address).reset_time)
        return None

    def failed(self, address: str, name: str) -> None:
        failures = self.storage.incr(self._key("failures", address, name), self.memory_seconds)
        if failures >= self.lockout_failures:
            doublings = min(failures - self.lockout_failures, 32)
            seconds = min(self.lockout_seconds * 2 ** doublings, self.lockout_max_seconds)
            self.storage.incr(self._key("lock", address, name), max(1, int(seconds)))

    def succeeded(self, address: str, name: str) -> None:
        self.storage.clear(self._key("failures", address, name))
        counted = self.per_address.key_for("login-address", address)
        if self.storage.get(counted) > 0:  # give the place back (not into a window that has ended)
            self.storage.incr(counted, self.per_address.get_expiry(), amount=-1)

    @staticmethod
    def _key(kind: str, address: str, name: str) -> str:
        return f"login-{kind}/{address}/{name.strip().casefold()[:64]}"

    @staticmethod
    def _wait(until: float) -> int:
        return max(1, math.ceil(until - time.time()))
