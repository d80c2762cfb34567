"""Two ``archive serve`` nodes on one PostgreSQL database, each with its own home and index, and
imports through a third process (``archive import`` with a home of its own).

Real processes throughout: a throw-away PostgreSQL cluster (``tests/postgres_server.py``), the
nodes as the ``archive`` command serves them (waitress) on free ports, looking at the database
every half second (``ARCHIVE_SYNC_SECONDS``). Every wait polls with a deadline; nothing is
asserted about speed. One module-wide set of servers keeps the added time small.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from archive.access import accounts
from archive.search.index_store import IndexStore
from archive.store.database import make_engine
from tests.postgres_server import PostgresServer
from tests.store.test_nodes import MARKER, synthetic_person, write_collection

pytestmark = pytest.mark.slow  # real archive serve nodes on a PostgreSQL server
ROOT = Path(__file__).resolve().parents[2]
BOUND_SECONDS = 90  # the stated bound for a node to hold what was imported (the tests poll until it)
PERSON = "xenia-synthetic"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _environment(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("ARCHIVE_HOME", "DATABASE_URL")}
    env.update({"DATABASE_URL": database_url, "ARCHIVE_SYNC_SECONDS": "0.5", "PYTHONPATH": str(ROOT),
                "ARCHIVE_SECRET_KEY": "synthetic-node-test-key-0123456789abcdef"})
    return env


def archive_command(home: Path, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The ``archive`` command in its own process, with its own home, on the shared database."""
    return subprocess.run([sys.executable, "-m", "archive.cli.main", "--home", str(home), *args], cwd=ROOT,
                          env=_environment(database_url), capture_output=True, text=True, timeout=300)


@dataclass
class Node:
    home: Path
    port: int
    process: subprocess.Popen[bytes]

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def health(self) -> tuple[int, dict[str, Any]]:
        code, body = self.get("/healthz")
        return code, json.loads(body)

    def found(self, word: str) -> set[str]:
        """The ids of the records an anonymous API search for ``word`` shows on this node."""
        code, body = self.get(f"/api/search?q={word}")
        assert code in (200, 503), body[:300]
        return {hit["id"] for hit in json.loads(body).get("hits", [])} if code == 200 else set()

    def reports(self, status: str) -> bool:
        """Whether ``/healthz`` answers 200 with this status."""
        code, body = self.health()
        return code == 200 and body["status"] == status

    def log_in(self, name: str, password: str) -> int:
        """A visitor's login through the form (its CSRF token and cookie first): the answer's status,
        303 when it succeeded, 200 when the form came back with "wrong", 429 when refused."""
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())
        address = f"http://127.0.0.1:{self.port}/login"
        with opener.open(address, timeout=30) as form:
            token = re.search(rb'name="csrf_token" value="([^"]+)"', form.read())
        assert token is not None, "the login form carries no CSRF token"
        data = urllib.parse.urlencode({"csrf_token": token.group(1).decode(), "name": name,
                                       "password": password}).encode()
        try:
            with opener.open(address, data=data, timeout=30) as answer:
                return int(answer.status)
        except urllib.error.HTTPError as error:
            return error.code

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are answers to look at here (a login's 303), not to follow."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def start_node(home: Path, database_url: str) -> Node:
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "archive.cli.main", "--home", str(home), "serve",
                                "--port", str(port), "--threads", "2"], cwd=ROOT, env=_environment(database_url),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    node = Node(home, port, process)
    wait_until(lambda: _answers(node), f"the node on port {port} did not start")
    return node


def _answers(node: Node) -> bool:
    assert node.process.poll() is None, f"the node on port {node.port} exited ({node.process.returncode})"
    try:
        node.get("/healthz")
        return True
    except OSError:
        return False


def wait_until(condition: Callable[[], bool], message: str, seconds: float = BOUND_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, message
        time.sleep(0.2)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory,
               postgres_server: PostgresServer) -> Iterator[dict[str, Any]]:
    """One database holding the fixture collection (imported by a third process), and node A serving it."""
    root = tmp_path_factory.mktemp("nodes")
    url = postgres_server.new_database("nodes")
    collection = write_collection(root / "collection")
    imported = archive_command(root / "importer", url, "import", str(collection))
    assert imported.returncode == 0, imported.stderr
    nodes: dict[str, Node] = {}
    try:
        nodes["a"] = start_node(root / "node-a", url)
        yield {"root": root, "url": url, "collection": collection, "nodes": nodes}
    finally:
        for node in nodes.values():
            node.stop()


def test_two_nodes_follow_imports_through_a_third_process(deployment: dict[str, Any]) -> None:
    """An import through a third process becomes searchable on both nodes (the second started late,
    after the import: it builds its index from the database); ``/healthz`` reports behind while a
    node cannot swap its new build in, then ok; a person made restricted disappears from both
    nodes' search, API and pages as soon as the import returns and never reappears."""
    root, url, collection, nodes = (deployment[k] for k in ("root", "url", "collection", "nodes"))
    node_a = nodes["a"]
    wait_until(lambda: node_a.reports("ok"), "node A never reported ok")

    write_collection(collection, synthetic_person(PERSON, MARKER))
    with IndexStore(node_a.home / "index").swap_lock():  # node A may build, but not swap, while this is held
        imported = archive_command(root / "importer", url, "import", str(collection))
        assert imported.returncode == 0, imported.stderr
        wait_until(lambda: node_a.reports("behind"), "node A never reported behind")
        code, behind = node_a.health()
        assert code == 200 and behind["database"] is True
        assert behind["database_version"] != behind["index_version"] and behind["lag_seconds"] >= 0
    wait_until(lambda: node_a.reports("ok"), "node A never caught up")
    code, caught_up = node_a.health()
    assert code == 200 and caught_up["index_version"] == caught_up["database_version"]
    assert node_a.found(MARKER) == {PERSON, f"{PERSON}-quote"}

    nodes["b"] = node_b = start_node(root / "node-b", url)  # started late: no index of its own yet
    wait_until(lambda: node_b.found(MARKER) == {PERSON, f"{PERSON}-quote"}, "node B never caught up")
    wait_until(lambda: node_b.reports("ok"), "node B never reported ok")
    for node in (node_a, node_b):
        assert node.get(f"/people/{PERSON}")[0] == 200

    write_collection(collection, synthetic_person(PERSON, MARKER, restricted=True))
    imported = archive_command(root / "importer", url, "import", str(collection))
    assert imported.returncode == 0, imported.stderr

    def withheld_everywhere() -> None:
        for node in (node_a, node_b):
            assert node.found(MARKER) == set(), f"node on port {node.port} showed a withheld record"
            assert node.get(f"/people/{PERSON}")[0] == 404
            assert node.get(f"/api/people/{PERSON}")[0] == 404

    withheld_everywhere()  # at once: every answer is checked against the database it reads
    deadline = time.monotonic() + BOUND_SECONDS
    while not all(node.reports("ok") for node in (node_a, node_b)):
        assert time.monotonic() < deadline, "the nodes never caught up with the restriction"
        withheld_everywhere()
        time.sleep(0.2)
    withheld_everywhere()
    for node in (node_a, node_b):  # caught up: not even counted any more
        code, body = node.get(f"/api/search?q={MARKER}")
        assert code == 200 and json.loads(body)["total"] == 0



def test_failed_logins_at_one_node_lock_out_at_the_other(deployment: dict[str, Any]) -> None:
    """The login counts live in the shared database (``webapp/rate_limits.py``): five wrong passwords
    at node A lock that address out of the account at node B too, with the right password."""
    root, url, nodes = (deployment[k] for k in ("root", "url", "nodes"))
    if "b" not in nodes:  # started by the test above when it ran first
        nodes["b"] = start_node(root / "node-b", url)
    node_a, node_b = nodes["a"], nodes["b"]
    engine = make_engine(url)
    try:
        accounts.add_user(engine, "nadia-synthetic", "researcher", "synthetic password for nodes")
    finally:
        engine.dispose()
    assert node_b.log_in("nadia-synthetic", "synthetic password for nodes") == 303  # (gives its place back)
    for _ in range(5):
        assert node_a.log_in("nadia-synthetic", "not the password") == 200  # the form again: wrong
    assert node_b.log_in("nadia-synthetic", "synthetic password for nodes") == 429
    assert node_a.log_in("nadia-synthetic", "synthetic password for nodes") == 429
