"""The ``archive-postgresql`` storage of the login counts (``webapp/rate_limits.py``), against a
real PostgreSQL server (``tests/postgres_server.py``): what every web node of a deployment counts in.

Several storages on one database stand for several nodes (each has its own connection pool, as
each process does). The two ``archive serve`` nodes sharing a lockout are in
``tests/store/test_nodes_processes.py``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from limits import parse
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

from archive.store.database import make_engine
from archive.store.migrations.schema import prepare_schema
from tests.postgres_server import PostgresServer
from webapp import create_app, rate_limits


@pytest.fixture(scope="module")
def counts_url(postgres_server: PostgresServer) -> str:
    """One database at the archive's schema (which has the ``rate_limit`` table) for the module."""
    url = postgres_server.new_database("counts")
    engine = make_engine(url)
    try:
        prepare_schema(engine)
    finally:
        engine.dispose()
    return url


def _storage(url: str, tmp_path: Path) -> rate_limits.PostgreSQLStorage:
    store = storage_from_string(rate_limits.storage_uri(tmp_path, url))
    assert isinstance(store, rate_limits.PostgreSQLStorage)
    return store


@pytest.fixture
def nodes(counts_url: str, tmp_path: Path) -> Iterator[list[rate_limits.PostgreSQLStorage]]:
    """Two storages on the database, as two nodes have; emptied first."""
    made = [_storage(counts_url, tmp_path) for _ in range(2)]
    made[0].reset()
    yield made
    for store in made:
        store.engine.dispose()


@pytest.mark.slow
def test_the_default_on_a_postgresql_archive_is_its_database(counts_url: str, tmp_path: Path) -> None:
    """A site on a PostgreSQL database keeps its counts there without being told; on SQLite, in the home's file."""
    app = create_app({"ARCHIVE_HOME": str(tmp_path / "home"), "DATABASE_URL": counts_url, "TESTING": True})
    try:
        store = app.extensions["archive_limiter"].storage
        assert isinstance(store, rate_limits.PostgreSQLStorage) and store.check()
        store.engine.dispose()
    finally:
        app.extensions["archive"].close()
    assert rate_limits.storage_uri(tmp_path).startswith(f"{rate_limits.SCHEME}://")


def test_concurrent_increments_from_several_nodes_lose_none(nodes: list[Storage]) -> None:
    """Eight threads on each of two storages bump one counter at once: the count is every bump."""
    threads_per_node, bumps = 8, 25
    start = threading.Barrier(threads_per_node * len(nodes))
    seen: list[int] = []
    lock = threading.Lock()

    def bump(store: Storage) -> None:
        start.wait()
        for _ in range(bumps):
            count = store.incr("login-address/203.0.113.7", 600)
            with lock:
                seen.append(count)

    workers = [threading.Thread(target=bump, args=(store,)) for store in nodes for _ in range(threads_per_node)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    total = threads_per_node * len(nodes) * bumps
    assert sorted(seen) == list(range(1, total + 1))  # each bump saw its own count: none lost, none twice
    assert all(store.get("login-address/203.0.113.7") == total for store in nodes)


def test_a_window_ends_for_every_node_and_a_clear_clears_it_everywhere(nodes: list[Storage]) -> None:
    one, other = nodes
    assert one.incr("short", 1) == 1 and other.incr("short", 1) == 2
    ends = one.get_expiry("short")
    assert abs(ends - other.get_expiry("short")) < 0.01 and ends > time.time() - 5  # one window, one clock
    time.sleep(1.2)
    assert one.get("short") == 0 and other.get("short") == 0  # the window ended
    assert other.incr("short", 60) == 1  # a new window starts from the bump that finds the old one ended
    one.incr("kept", 60)
    other.clear("short")
    assert one.get("short") == 0 and one.get("kept") == 1
    assert other.reset() == 1 and one.get("kept") == 0


def test_the_login_rule_over_the_shared_table(nodes: list[Storage]) -> None:
    """Five failed attempts at one node lock the address out of that account name at the other."""
    at_a, at_b = (rate_limits.LoginThrottle(store, parse("5 per minute"), lockout_failures=5) for store in nodes)
    for _ in range(5):
        assert at_a.before_attempt("198.51.100.9", "vera") is None
        at_a.failed("198.51.100.9", "vera")
    wait = at_b.before_attempt("198.51.100.9", "vera")
    assert wait is not None and 1 <= wait <= 60
    assert at_b.before_attempt("192.0.2.44", "vera") is None  # the owner, elsewhere, is not locked out
    limiter = FixedWindowRateLimiter(nodes[1])
    assert not limiter.test(parse("5 per minute"), "login-address", "198.51.100.9")


def test_the_storage_is_read_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``RATELIMIT_STORAGE_URI`` in the environment wins over the default; an unknown one stops the
    start with one line naming the setting."""
    from limits.storage import MemoryStorage

    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "memory://")
    app = create_app({"ARCHIVE_HOME": str(tmp_path / "home"), "TESTING": True})
    try:
        assert isinstance(app.extensions["archive_limiter"].storage, MemoryStorage)
    finally:
        app.extensions["archive"].close()
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "nowhere://counts")
    with pytest.raises(RuntimeError, match="RATELIMIT_STORAGE_URI is not a storage") as refused:
        create_app({"ARCHIVE_HOME": str(tmp_path / "home"), "TESTING": True})
    assert "\n" not in str(refused.value)
