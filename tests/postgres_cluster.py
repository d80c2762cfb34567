"""A throw-away PostgreSQL cluster: ``initdb`` in a new temporary folder, ``pg_ctl start`` on a free
port of 127.0.0.1, durability off, and ``pg_ctl stop`` with the folder removed at the end.

Plain code with no pytest in it, so that a benchmark (``benchmarks/postgres_benchmark.py``) starts its
cluster the way the tests do; the tests' fixtures are in ``tests/postgres_server.py``, which turns
``ClusterUnavailable`` into a failure that says how to install the server.

Debian's ``postgresql`` package provides the server (``tests/setup-debian.sh`` installs it).
PostgreSQL refuses to run as root (``initdb`` and ``postgres`` both exit: "cannot be run as root"),
and the tests run as root in CI containers. Then the cluster belongs to the ``postgres`` user the
Debian package creates: its folder is made outside pytest's own temporary folder (which is private
to root) and given to that user, and ``initdb`` and ``pg_ctl`` run through ``runuser -u postgres``.
The server only listens on 127.0.0.1 and trusts every local connection: it is a test fixture.
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

SETUP_HINT = "run tests/setup-debian.sh (it installs Debian's postgresql package)"
SERVER_USER = "postgres"  # the cluster's superuser, and its OS owner when the tests run as root
_BIN_GLOB = "/usr/lib/postgresql/*/bin"


class ClusterUnavailable(RuntimeError):
    """The cluster could not be made or started; the message says why and how to install the server."""


def server_binaries() -> Path:
    """The folder of ``initdb`` and ``pg_ctl``: Debian's newest installed version, else the PATH's."""
    versions = sorted((Path(p) for p in glob.glob(_BIN_GLOB) if (Path(p) / "initdb").exists()),
                      key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    if versions:
        return versions[-1]
    found = shutil.which("initdb")
    if found is None or shutil.which("pg_ctl") is None:
        raise ClusterUnavailable(f"PostgreSQL's server programs (initdb, pg_ctl) are not installed: {SETUP_HINT}")
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
    options: str = ""  # the server's settings (``postgres`` options), given again at each start
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

    def start(self) -> subprocess.CompletedProcess[str]:
        """Start the server on its port, waiting until it accepts connections."""
        return self.pg_ctl("start", "-w", "-l", str(self.folder / "server.log"), "-o", f"{self.options} -p {self.port}")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server, keeping its data (``start`` brings it back on the same port)."""
        stopped = self.pg_ctl("stop", "-w", "-m", mode)
        if stopped.returncode != 0:
            raise ClusterUnavailable(f"pg_ctl stop failed: {stopped.stderr.strip() or stopped.stdout.strip()}")


def start_server(options: str = "") -> PostgresServer:
    """initdb and start a cluster in a new temporary folder (see the module's docstring for root);
    ``options`` adds server settings (``-c name=value …``) to the test ones."""
    binaries = server_binaries()
    as_user: list[str] = []
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam(SERVER_USER)
        except KeyError:
            raise ClusterUnavailable(f"running as root and there is no {SERVER_USER!r} user to run PostgreSQL: "
                                     f"{SETUP_HINT}") from None
        as_user = ["runuser", "-u", SERVER_USER, "--"]
    folder = Path(tempfile.mkdtemp(prefix="archive-tests-pg-"))
    if as_user:
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    done = subprocess.run([*as_user, str(binaries / "initdb"), "-D", str(folder / "data"), "-U", SERVER_USER,
                           "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"],
                          capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        raise ClusterUnavailable(f"initdb failed ({done.stderr.strip() or done.stdout.strip()}); {SETUP_HINT}")
    # durability off: the cluster is thrown away at the end of the session; a server time zone
    # far from UTC, so that a timestamp shifted by the session's zone shows
    settings = ("-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                f"-c unix_socket_directories={folder} -c max_connections=60 "
                f"-c timezone=Asia/Kathmandu {options}").strip()
    for _attempt in range(5):  # another process may take the free port before the server binds it
        server = PostgresServer(folder, _free_port(), binaries, as_user, settings)
        started = server.start()
        if started.returncode == 0:
            return server
    log = (folder / "server.log").read_text(errors="replace")[-2000:] if (folder / "server.log").exists() else ""
    shutil.rmtree(folder, ignore_errors=True)
    raise ClusterUnavailable(f"PostgreSQL did not start ({started.stderr.strip()} {log.strip()}); {SETUP_HINT}")


def stop_server(server: PostgresServer) -> None:
    """Stop the cluster and remove its folder."""
    server.pg_ctl("stop", "-m", "immediate")
    shutil.rmtree(server.folder, ignore_errors=True)
