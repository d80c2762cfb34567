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

PostgreSQL refuses to run as root (``initdb`` and ``postgres`` both exit: "cannot be run as root"),
and the tests run as root in CI containers. Then the cluster belongs to the ``postgres`` user the
Debian package creates: its folder is made outside pytest's own temporary folder (which is private
to root) and given to that user, and ``initdb`` and ``pg_ctl`` run through ``runuser -u postgres``.
The server only listens on 127.0.0.1 and trusts every local connection: it is a test fixture.

pytest-postgresql's process fixture does most of this, but it runs ``pg_ctl`` as the current user
and cannot run as root; this is the small part of it the tests need.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SETUP_HINT = "run tests/setup-debian.sh (it installs Debian's postgresql package)"
SERVER_USER = "postgres"  # the cluster's superuser, and its OS owner when the tests run as root
_BIN_GLOB = "/usr/lib/postgresql/*/bin"


def server_binaries() -> Path:
    """The folder of ``initdb`` and ``pg_ctl``: Debian's newest installed version, else the PATH's."""
    versions = sorted((Path(p) for p in glob.glob(_BIN_GLOB) if (Path(p) / "initdb").exists()),
                      key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    if versions:
        return versions[-1]
    found = shutil.which("initdb")
    if found is None or shutil.which("pg_ctl") is None:
        pytest.fail(f"PostgreSQL's server programs (initdb, pg_ctl) are not installed: {SETUP_HINT}", pytrace=False)
    return Path(found).parent


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PostgresServer:
    """A running throw-away cluster; ``new_database`` makes an empty database and gives its URL."""

    folder: Path
    port: int
    binaries: Path
    as_user: list[str]  # the command prefix that runs a program as the cluster's owner
    _numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{SERVER_USER}@127.0.0.1:{self.port}/{database}"

    def admin(self, statement: str) -> None:
        """One statement on the ``postgres`` database, outside a transaction (CREATE DATABASE)."""
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user=SERVER_USER, dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(statement)

    def new_database(self, prefix: str = "test") -> str:
        name = f"{prefix}_{os.getpid()}_{next(self._numbers)}"
        self.admin(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def pg_ctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*self.as_user, str(self.binaries / "pg_ctl"), "-D", str(self.folder / "data"), *args],
                              capture_output=True, text=True, timeout=120)


def start_server() -> PostgresServer:
    """initdb and start a cluster in a new temporary folder (see the module's docstring for root)."""
    binaries = server_binaries()
    as_user: list[str] = []
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam(SERVER_USER)
        except KeyError:
            pytest.fail(f"the tests run as root and there is no {SERVER_USER!r} user to run PostgreSQL: {SETUP_HINT}",
                        pytrace=False)
        as_user = ["runuser", "-u", SERVER_USER, "--"]
    folder = Path(tempfile.mkdtemp(prefix="archive-tests-pg-"))
    if as_user:
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    done = subprocess.run([*as_user, str(binaries / "initdb"), "-D", str(folder / "data"), "-U", SERVER_USER,
                           "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"],
                          capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.fail(f"initdb failed ({done.stderr.strip() or done.stdout.strip()}); {SETUP_HINT}", pytrace=False)
    # durability off: the cluster is thrown away at the end of the session; a server time zone
    # far from UTC, so that a timestamp shifted by the session's zone shows
    options = ("-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off "
               f"-c unix_socket_directories={folder} -c max_connections=60 "
               "-c timezone=Asia/Kathmandu")
    for _attempt in range(5):  # another process may take the free port before the server binds it
        server = PostgresServer(folder, _free_port(), binaries, as_user)
        started = server.pg_ctl("start", "-w", "-l", str(folder / "server.log"), "-o", f"{options} -p {server.port}")
        if started.returncode == 0:
            return server
    log = (folder / "server.log").read_text(errors="replace")[-2000:] if (folder / "server.log").exists() else ""
    shutil.rmtree(folder, ignore_errors=True)
    pytest.fail(f"PostgreSQL did not start ({started.stderr.strip()} {log.strip()}); {SETUP_HINT}", pytrace=False)


def stop_server(server: PostgresServer) -> None:
    server.pg_ctl("stop", "-m", "immediate")
    shutil.rmtree(server.folder, ignore_errors=True)


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
