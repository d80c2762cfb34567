"""Derived read-side data, computed once per version of the database's contents.

Pages ask the same questions of an unchanged database again and again: the counts of the
home page (a dozen aggregates over the whole collection), the names of every person for
the search facets, the vocabulary, the sources, the collection's record. The answers change
only when the data does, and the data changes only by an import (or a reindex), which
commits, in the same transaction, a new *data version* in the one-row table ``index_state``
(``archive/search/index_state.py``: the build's name and a counter bumped by every commit).

``cached(engine, name, key, compute)`` answers from a bounded LRU kept in this process,
keyed by the database, the data version, ``name`` and ``key``; it runs ``compute()`` on a
miss. The version is read with one tiny SELECT per call, or once per web request inside
``begin_request``/``end_request`` (the web app does this), so the next request after an
import sees the new data; an answer computed while an import committed is returned but not
kept (the version is read again after computing, and must not have moved).

What a viewer may see depends on their role and on the day (an embargo ends on a date), so
anything read through the visibility rule puts ``visibility_key(viewer)`` in its key: an
answer computed for a researcher is never served to an anonymous visitor. A database that
names no data version (nothing imported yet) is never cached.

Values are shared between requests and threads: callers treat them as read-only.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.engine import Engine

from archive.access.visibility import Viewer

T = TypeVar("T")

MAX_ENTRIES = 4096  # a person page's entries are small; a few hundred KB per entry at most (display names)

Version = tuple[str | None, int | None]


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    discarded: int = 0  # computed while the data version moved: returned, not kept


class ReadCache:
    """A thread-safe LRU of at most ``max_entries`` values."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int | None = None,
                 size: Callable[[Any], int] | None = None):
        """``max_bytes`` with ``size`` (a value's weight in bytes) also bounds the total weight:
        the least recently used entries go until the rest fits (the web app's page cache)."""
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._size = size or (lambda value: 0)
        self._bytes = 0
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._latest: dict[str, Version] = {}  # database -> the data version last read
        self._lock = threading.Lock()
        self.stats = CacheStats()

    def get(self, key: Hashable) -> tuple[bool, Any]:
        with self._lock:
            try:
                value = self._entries[key]
            except KeyError:
                self.stats.misses += 1
                return False, None
            self._entries.move_to_end(key)
            self.stats.hits += 1
            return True, value

    def put(self, key: Hashable, value: Any) -> None:
        weight = self._size(value)
        if self.max_bytes is not None and weight > self.max_bytes:
            return  # would push out everything else
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= self._size(old)
            self._entries[key] = value
            self._bytes += weight
            while len(self._entries) > self.max_entries or (
                    self.max_bytes is not None and self._bytes > self.max_bytes):
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= self._size(dropped)

    @property
    def bytes(self) -> int:
        """The total weight held (0 without a ``size``)."""
        return self._bytes

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._latest.clear()
            self._bytes = 0
            self.stats = CacheStats()

    def seen(self, database: str, version: Version) -> None:
        """Note the data version a database was read at: when it moved, the entries of any
        other version of that database are dropped (they could only be hit by a request that
        read the version just before an import committed), so old data does not linger."""
        with self._lock:
            if self._latest.get(database) == version:
                return
            self._latest[database] = version
            for key in [k for k in self._entries if k[0] == database and k[1] != version]:  # type: ignore[index]
                self._bytes -= self._size(self._entries.pop(key))

    def __len__(self) -> int:
        return len(self._entries)

    def items(self) -> list[tuple[Hashable, Any]]:
        with self._lock:
            return list(self._entries.items())


_CACHE = ReadCache()
_COMPUTING: dict[Hashable, threading.Event] = {}  # keys being computed now -> set when done
_COMPUTING_LOCK = threading.Lock()
FOLLOW_SECONDS = 10.0


_VERSION_SQL = "SELECT build, data_version FROM index_state WHERE id = 1"


def data_version(engine: Engine) -> Version:
    """The database's data version: (index build, commit counter); (None, None) before any import
    (or in a database without the table: then nothing is cached).

    Read on a pooled DBAPI connection with a plain cursor, not through SQLAlchemy's Core: it is
    asked on every request (``index_state.data_version`` reads the same in a transaction)."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        try:
            cursor.execute(_VERSION_SQL)
            row = cursor.fetchone()
        finally:
            cursor.close()
    except Exception:  # noqa: BLE001  (a DBAPI error of any driver: no table yet, say)
        return (None, None)
    finally:
        raw.close()  # back to the pool (rolled back there)
    return (row[0], row[1]) if row is not None else (None, None)


_REQUEST_VERSIONS: ContextVar[dict[str, Version] | None] = ContextVar("read_cache_versions", default=None)
_REQUEST_ANSWERS: ContextVar[dict[Hashable, Any] | None] = ContextVar("read_cache_request_answers", default=None)
RequestToken = tuple[Token[dict[str, Version] | None], Token[dict[Hashable, Any] | None]]


def begin_request() -> RequestToken:
    """From now until ``end_request``, in this thread (context), read each database's data
    version once: one SELECT per request however many cached answers a page uses, and one
    consistent version for all of them; ``for_this_request`` answers are kept until then."""
    return _REQUEST_VERSIONS.set({}), _REQUEST_ANSWERS.set({})


def end_request(token: RequestToken) -> None:
    versions, answers = token
    _REQUEST_ANSWERS.reset(answers)
    _REQUEST_VERSIONS.reset(versions)


def for_this_request(engine: Engine, name: str, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, or its answer given earlier in the same request (inside ``begin_request``;
    outside a request, ``compute()`` each time). For answers too large to keep between requests
    that one page asks for more than once (a person page's detail, read again for its metadata);
    an exception is not kept. Read-only, like ``cached`` answers."""
    answers = _REQUEST_ANSWERS.get()
    if answers is None:
        return compute()
    full_key = (engine.url.render_as_string(), name, key)
    try:
        return answers[full_key]  # type: ignore[no-any-return]
    except KeyError:
        pass
    value = answers[full_key] = compute()
    return value


def visibility_key(viewer: Viewer) -> tuple[Hashable, ...]:
    """What an answer read through the visibility rule depends on: the role, and the day for
    a viewer who sees embargoed records only once their embargo has ended."""
    return (viewer.role,) if viewer.sees_withheld else (viewer.role, viewer.today.isoformat())


def current_version(engine: Engine) -> tuple[str, Version]:
    """(the database, its data version): read once per request inside ``begin_request``."""
    database = engine.url.render_as_string()
    pinned = _REQUEST_VERSIONS.get()
    version = pinned.get(database) if pinned is not None else None
    if version is None:
        version = data_version(engine)
        if pinned is not None:
            pinned[database] = version
    return database, version


def cached(engine: Engine, name: str, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, or its answer for this database at its current data version."""
    database, version = current_version(engine)
    if version == (None, None):
        return compute()
    _CACHE.seen(database, version)
    full_key = (database, version, name, key)
    found, value = _CACHE.get(full_key)
    if found:
        return value  # type: ignore[no-any-return]
    # One thread computes, the others asking for the same answer wait for it: after an import,
    # every server thread's first request misses at once, and an aggregate is costly to compute
    with _COMPUTING_LOCK:
        running = _COMPUTING.get(full_key)
        if running is None:
            _COMPUTING[full_key] = threading.Event()
    if running is not None:
        running.wait(FOLLOW_SECONDS)  # bounded: a leader that waits on us in turn cannot hang us
        found, value = _CACHE.get(full_key)
        if found:
            return value  # type: ignore[no-any-return]
        return compute()  # the leader failed, or computed while an import committed
    try:
        value = compute()
        if data_version(engine) == version:  # else an import committed meanwhile: maybe a mix, keep nothing
            _CACHE.put(full_key, value)
        else:
            _CACHE.stats.discarded += 1
        return value
    finally:
        with _COMPUTING_LOCK:
            _COMPUTING.pop(full_key).set()


def clear() -> None:
    """Forget everything (tests, benchmarks of a cold cache)."""
    _CACHE.clear()


def stats() -> CacheStats:
    return _CACHE.stats


def entries() -> list[tuple[Hashable, Any]]:
    """(key, value) of every entry, least recently used first (tests look for leaks between roles).
    A key is (database, data version, name, key given to ``cached``)."""
    return _CACHE.items()
