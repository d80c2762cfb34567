"""A throw-away PostgreSQL server for the tests (a pytest plugin, registered in tests/conftest.py).

``postgres_server`` starts one cluster per test session, so one per xdist worker: ``initdb`` in a
new temporary folder, then ``pg_ctl start`` on a free port of 127.0.0.1, durability off (a test
cluster lives minutes and is thrown away), and ``pg_ctl stop`` with the folder removed at the end.
``postgresql_url`` gives a test a new, empty database on it: ``postgresql+psycopg://…``.

``database_url`` runs a test on both databases the archive supports: an SQLite file, then a
new PostgreSQL database. ``archive_database_url`` gives the URL of either for a folder, for a
fixture of wider scope (a module's imported archive that its tests only read).

Debian's ``postgresql`` package provides the server (``tests/setup-debian.sh`` installs it when it is
missing). Without it the tests that ask for PostgreSQL fail, saying to run that script: they never
skip, so a machine without the server cannot pass the suite by leaving PostgreSQL out.

The cluster itself (and why it runs as the ``postgres`` user under root) is ``tests/postgres_cluster.py``.
pytest-postgresql's process fixture does most of this, but it runs ``pg_ctl`` as the current user
and cannot run as root; this is the small part of it the tests need.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.postgres_cluster import (
    SERVER_USER,
    SETUP_HINT,
    ClusterUnavailable,
    PostgresServer,
    server_binaries,
    stop_server,
)
from tests.postgres_cluster import start_server as start_cluster

__all__ = ["SERVER_USER", "SETUP_HINT", "PostgresServer", "server_binaries", "start_server", "stop_server"]


def start_server() -> PostgresServer:
    """A new cluster (``tests/postgres_cluster.py``); one that cannot start fails the test, saying how
    to install the server: the tests never skip PostgreSQL."""
    try:
        return start_cluster()
    except ClusterUnavailable as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One throw-away PostgreSQL cluster for this session (each xdist worker has its own session)."""
    server = start_server()
    try:
        yield server
    finally:
        stop_server(server)


@pytest.fixture
def postgresql_url(postgres_server: PostgresServer) -> str:
    """A new empty database on the session's cluster: ``postgresql+psycopg://…``."""
    return postgres_server.new_database()


DATABASES = ("sqlite", "postgresql")


def archive_database_url(kind: str, home: Path, request: pytest.FixtureRequest) -> str:
    """An empty database of ``kind`` for the archive home ``home``: its SQLite file, or a new
    database on the session's PostgreSQL server (asked of ``request``, so a test that never runs
    on PostgreSQL never starts one)."""
    if kind == "sqlite":
        return f"sqlite:///{home / 'archive.sqlite3'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.new_database()


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each database in turn, empty, for the archive home ``tmp_path / "home"``."""
    return archive_database_url(request.param, tmp_path / "home", request)
