"""Several homes on one PostgreSQL database: what each node's search index holds and serves.

Each ``Archive`` here stands for one process with its own home (its own index folder) on one
shared database: two web nodes and a third process that imports. Real PostgreSQL
(``tests/postgres_server.py``), real Whoosh indexes on disk. The nodes' own processes are in
``test_nodes_processes.py``.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import make_url, update

from archive.cli.main import main
from archive.facade import Archive
from archive.search import node_sync
from archive.search.index_store import IndexMissing
from archive.search.request import SearchRequest
from archive.store import models
from archive.store.crashpoints import ENVIRONMENT_VARIABLE
from tests.postgres_server import PostgresServer
from tests.support import FIXTURES, ROOT, copy_home
from webapp import create_app
from webapp.i18n import compile_catalogues

pytestmark = pytest.mark.slow  # several archives on a PostgreSQL server, a killed process
MARKER = "Xylophonovka"  # the synthetic added person's own word, in no other record
BOTH = ["xenia-synthetic", "xenia-synthetic-quote"]  # the person and the quote that carry it


def synthetic_person(person_id: str, marker: str, restricted: bool = False) -> str:
    """A SYNTHETIC people file whose portrait and quote carry ``marker`` (restricted on demand)."""
    visibility = ("visibility:\n  status: restricted\n  reason: synthetic restriction for the node tests\n"
                  if restricted else "")
    return (f"# SYNTHETIC test person made by tests/store/test_nodes.py\n"
            f"id: {person_id}\nname: {marker} (synthetic)\nrole: interviewee\n"
            f"stance:\n  value: critic\n  basis: stated\n  rationale: Synthetic rationale.\n"
            f"  coded_by: test suite\n  source: synthetic-notes\n"
            f"portrait:\n  text:\n    en: A synthetic narrator from {marker}.\n  sources:\n"
            f"    - source: synthetic-notes\n{visibility}"
            f"quotes:\n  - id: {person_id}-quote\n    text:\n      en: A synthetic passage about {marker}.\n"
            f"    original_language: en\n    themes: [the-war]\n    stance: critic\n    source: synthetic-notes\n")


def write_collection(target: Path, added: str | None = None, person_id: str = "xenia-synthetic") -> Path:
    """The synthetic fixture collection at ``target``, with the people file ``added`` (YAML, of
    ``person_id``) when given."""
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(FIXTURES / "collection", target)
    if added is not None:
        (target / "people" / f"{person_id}.yaml").write_text(added, encoding="utf-8")
    return target


def without_versions(importer: Archive) -> None:
    """The change log as a release before data versions wrote it: its rows' stamps only."""
    changes = models.table_of(models.RecordChange)
    with importer.engine.begin() as conn:
        conn.execute(update(changes).where(changes.c.kind == "person").values(data_version=None))


def found(archive: Archive, word: str) -> list[str]:
    """The record ids an anonymous search for ``word`` shows."""
    return sorted(hit.id for hit in archive.search(SearchRequest(query=word)).hits)


def counted(archive: Archive, word: str) -> int:
    return archive.search(SearchRequest(query=word)).total


@pytest.fixture
def shared(tmp_path: Path, postgresql_url: str) -> Iterator[dict[str, Archive]]:
    """Two nodes and an importer, each its own home, on one new PostgreSQL database."""
    opened = {name: Archive.open(tmp_path / name, postgresql_url) for name in ("node-a", "node-b", "importer")}
    try:
        yield opened
    finally:
        for archive in opened.values():
            archive.close()


def test_without_following_an_import_reaches_only_the_importers_index(shared: dict[str, Archive],
                                                                      tmp_path: Path) -> None:
    """Today's behaviour on one shared database, with no node following it: the importing process
    writes the rows and its own index build, and names that build in the database. A node's own
    index is not touched: a node that never built one has none to search; a node that has one keeps
    serving it. Its answers are still checked against the database (a record withheld now is not
    shown), but what was added since its build is not found."""
    node_a, node_b, importer = shared["node-a"], shared["node-b"], shared["importer"]
    collection = write_collection(tmp_path / "collection", synthetic_person("xenia-synthetic", MARKER))
    importer.import_collection(collection)
    assert found(importer, MARKER) == BOTH
    with pytest.raises(IndexMissing):
        node_a.search(SearchRequest(query=MARKER))
    node_b.reindex()  # node B builds its own index (and names it in the database)
    assert found(node_b, MARKER) == BOTH

    write_collection(collection, synthetic_person("xenia-synthetic", MARKER, restricted=True))
    importer.import_collection(collection)
    assert found(importer, MARKER) == []
    assert found(node_b, MARKER) == []  # the hits are re-read from the database, which withholds them now
    assert counted(node_b, MARKER) == 2  # but node B's own build still counts the two documents
    assert not node_b.check_index().ok  # and `archive check` on node B finds its index out of date


def test_a_following_node_catches_up_incrementally_and_in_full(shared: dict[str, Archive], tmp_path: Path) -> None:
    """``node_sync.sync_once``: a node with no index builds one in full; after an import elsewhere it
    re-indexes only the changed people; while it is behind, the changed people are left out of its
    counts too; a removed person that was never public (no change-log row) leaves its index."""
    node_a, importer = shared["node-a"], shared["importer"]
    collection = write_collection(tmp_path / "collection", synthetic_person("xenia-synthetic", MARKER))
    importer.import_collection(collection)
    assert node_sync.node_status(node_a.index).status == "unavailable"
    assert node_sync.sync_once(node_a.index).action == "rebuilt"
    assert found(node_a, MARKER) == BOTH
    assert node_sync.node_status(node_a.index).status == "ok"
    assert node_sync.sync_once(node_a.index).action == "in step"
    assert node_a.check_index().ok

    write_collection(collection, synthetic_person("xenia-synthetic", MARKER, restricted=True))
    importer.import_collection(collection)
    status = node_sync.node_status(node_a.index)
    assert status.status == "behind" and status.database_version != status.index_version
    follower = node_sync.NodeSync(node_a.index, interval=3600)
    follower._note_pending()  # what the background thread does first at each look
    assert node_a.index.excluded_people is not None and "xenia-synthetic" in node_a.index.excluded_people[1]
    assert counted(node_a, MARKER) == 0  # behind: neither shown nor counted
    outcome = follower.step()
    assert outcome is not None and outcome.action == "updated"  # the changed people only, in a cloned build
    assert node_a.index.excluded_people is None
    assert found(node_a, MARKER) == [] and counted(node_a, MARKER) == 0
    assert node_sync.node_status(node_a.index).status == "ok" and node_a.check_index().ok

    write_collection(collection)  # the restricted person removed: its change-log row goes with it
    importer.import_collection(collection)
    assert node_sync.sync_once(node_a.index).action == "updated"
    assert node_a.check_index().ok

    importer.reindex()  # a new build elsewhere, the same data: no full rebuild here
    assert node_sync.sync_once(node_a.index).action in ("noted", "updated")
    assert node_a.check_index().ok
    assert node_sync.node_status(node_a.index).status == "ok"


def test_too_many_changed_people_rebuild_in_full(shared: dict[str, Archive], tmp_path: Path) -> None:
    node_a, importer = shared["node-a"], shared["importer"]
    collection = write_collection(tmp_path / "collection")
    importer.import_collection(collection)
    node_sync.sync_once(node_a.index)
    write_collection(collection, synthetic_person("xenia-synthetic", MARKER))
    importer.import_collection(collection)
    assert node_sync.sync_once(node_a.index, max_people=0).action == "rebuilt"
    assert found(node_a, MARKER) == BOTH
    assert node_a.check_index().ok


def test_archive_check_says_when_a_nodes_index_is_behind(shared: dict[str, Archive], tmp_path: Path,
                                                         postgresql_url: str) -> None:
    """A home whose index holds an earlier version of the shared database: ``archive check`` names
    it as behind and fails; once the node has caught up, it passes."""
    node_a, importer = shared["node-a"], shared["importer"]
    collection = write_collection(tmp_path / "collection")
    importer.import_collection(collection)
    node_sync.sync_once(node_a.index)
    write_collection(collection, synthetic_person("yuliya-synthetic", "Yodelinka"), "yuliya-synthetic")
    importer.import_collection(collection)
    check = ["--home", str(tmp_path / "node-a"), "--database-url", postgresql_url, "check", str(collection)]
    behind = CliRunner().invoke(main, check)
    assert behind.exit_code == 1 and "behind the database" in behind.output
    node_sync.sync_once(node_a.index)
    in_step = CliRunner().invoke(main, check)
    assert in_step.exit_code == 0, in_step.output


def _node_of_an_imported_database(tmp_path: Path, postgresql_url: str) -> Flask:
    """The synthetic collection imported into ``postgresql_url`` by one home, and the site of a
    second home (a node, with no index yet) on the same database."""
    importer = Archive.open(tmp_path / "importer", postgresql_url)
    try:
        importer.import_collection(write_collection(tmp_path / "collection"))
    finally:
        importer.close()
    return create_app({"ARCHIVE_HOME": str(tmp_path / "node"), "DATABASE_URL": postgresql_url, "TESTING": True,
                       "SECRET_KEY": "synthetic-node-test-key-0123456789", "RATELIMIT_ENABLED": False})


def test_healthz_says_unavailable_while_the_database_is_away_and_recovers(
        tmp_path: Path, postgresql_url: str, postgres_server: PostgresServer) -> None:
    """``/healthz`` of a node: 503 ``unavailable`` without an index of its own, 200 ``ok`` once it
    has caught up, 503 while its database refuses connections, and ``ok`` again after, without a restart."""
    app = _node_of_an_imported_database(tmp_path, postgresql_url)
    client = app.test_client()
    try:
        answer = client.get("/healthz")
        assert answer.status_code == 503 and answer.json["status"] == "unavailable" and answer.json["database"]
        node_sync.sync_once(app.extensions["archive"].index)
        answer = client.get("/healthz")
        assert answer.status_code == 200 and answer.json["status"] == "ok"
        assert answer.json["index_version"] == answer.json["database_version"] and answer.json["lag_seconds"] == 0
        assert answer.headers["Cache-Control"] == "no-store"
        database = make_url(postgresql_url).database
        postgres_server.admin(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
        postgres_server.admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'")
        try:
            answer = client.get("/healthz")
            assert answer.status_code == 503 and answer.json["status"] == "unavailable"
            assert answer.json["database"] is False
        finally:
            postgres_server.admin(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')
        answer = client.get("/healthz")
        assert answer.status_code == 200 and answer.json["status"] == "ok"
    finally:
        app.extensions["archive"].close()


# what a visitor asks a node for: a person's page, the search page, an API route
VISITED = ("/people/anna-synthetic", "/search?q=synthetic", "/api/people/anna-synthetic")


def test_pages_answer_503_while_the_database_server_is_stopped_and_recover(
        tmp_path: Path, postgresql_url: str, postgres_server: PostgresServer) -> None:
    """The database server stopped under a serving node (``pg_ctl stop``, every connection closed):
    its pages and API answer 503 with the clear page or problem document, never a 500 or a page
    served from before; started again, they answer 200 with no restart of the node."""
    compile_catalogues()
    app = _node_of_an_imported_database(tmp_path, postgresql_url)
    client = app.test_client()
    try:
        node_sync.sync_once(app.extensions["archive"].index)
        for path in VISITED:  # served, and kept by the page cache
            assert client.get(path).status_code == 200, path
        postgres_server.stop()
        try:
            for _ in range(2):  # the connections that were open, then new ones refused
                for path in VISITED:
                    answer = client.get(path)
                    assert answer.status_code == 503, (path, answer.status_code)
                    assert answer.headers["Retry-After"].isdigit() and answer.headers["Cache-Control"] == "no-store"
                    if path.startswith("/api/"):
                        document = answer.get_json(force=True)
                        assert answer.mimetype == "application/problem+json" and document["status"] == 503
                        assert "database" in document["detail"]
                    else:
                        assert b"database cannot be reached at the moment" in answer.data, path
                    assert b"Traceback" not in answer.data and b"psycopg" not in answer.data
            in_russian = client.get(VISITED[0], headers={"Accept-Language": "ru"})
            assert in_russian.status_code == 503 and "База данных архива сейчас недоступна" in in_russian.text
        finally:
            started = postgres_server.start()
            assert started.returncode == 0, started.stderr
        for path in VISITED:
            assert client.get(path).status_code == 200, path
    finally:
        app.extensions["archive"].close()


def test_a_commit_wakes_a_following_node_on_postgresql(shared: dict[str, Archive], tmp_path: Path) -> None:
    """A node that would look at the database only once an hour still catches up with an import:
    the import's commit notifies it (``LISTEN``/``NOTIFY``). Polled with a deadline."""
    node_a, importer = shared["node-a"], shared["importer"]
    collection = write_collection(tmp_path / "collection")
    importer.import_collection(collection)
    follower = node_sync.NodeSync(node_a.index, interval=3600).start()
    try:
        wait_for(lambda: node_sync.node_status(node_a.index).status == "ok", "the node never built its index")
        write_collection(collection, synthetic_person("xenia-synthetic", MARKER))
        importer.import_collection(collection)
        wait_for(lambda: found(node_a, MARKER) == BOTH, "the import's notice never woke the node")
    finally:
        follower.stop()


def wait_for(condition: Callable[[], bool], message: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, message
        time.sleep(0.2)


def test_a_bad_sync_interval_stops_the_start_in_one_line(imported_fixture_home: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    home = copy_home(imported_fixture_home, tmp_path / "home")
    monkeypatch.setenv("ARCHIVE_SECRET_KEY", "synthetic-node-test-key-0123456789")
    monkeypatch.setenv("ARCHIVE_SYNC_SECONDS", "soon")
    refused = CliRunner().invoke(main, ["--home", str(home), "serve"])
    assert refused.exit_code == 1
    assert "ARCHIVE_SYNC_SECONDS must be a number of seconds" in refused.output
    assert "Traceback" not in refused.output


def _inodes(folder: Path) -> set[int]:
    return {entry.stat().st_ino for entry in folder.iterdir() if entry.is_file()}


def test_an_import_through_a_node_starts_from_its_own_build(shared: dict[str, Archive], tmp_path: Path) -> None:
    """A node in step with the database imports: its new build is a clone of its own with the changed
    people re-indexed (the database names another node's build), and both nodes agree with the database after."""
    node_a, node_b, importer = shared["node-a"], shared["node-b"], shared["importer"]
    collection = write_collection(tmp_path / "collection")
    importer.import_collection(collection)
    for node in (node_a, node_b):
        node_sync.sync_once(node.index)
    before = node_a.index.store.current_name()
    write_collection(collection, synthetic_person("xenia-synthetic", MARKER))
    node_a.import_collection(collection)
    store = node_a.index.store
    after = store.current_name()
    assert after is not None and after != before and found(node_a, MARKER) == BOTH
    assert before is not None and _inodes(store.folder(before)) & _inodes(store.folder(after)), \
        "the import wrote every document anew instead of cloning the node's build"
    assert node_a.check_index().ok
    assert node_sync.sync_once(node_b.index).action == "updated"
    assert found(node_b, MARKER) == BOTH and node_b.check_index().ok


@pytest.mark.parametrize("point", ["index-building", "node-version-written"])
def test_a_node_killed_mid_update_is_consistent_after(shared: dict[str, Archive], tmp_path: Path,
                                                      postgresql_url: str, point: str) -> None:
    """A node's update killed (SIGKILL) while it writes its new build, or after it recorded the build's
    version but before it swapped the build in: the node still serves its previous build, and its next
    look brings it up to date, leaving only complete builds."""
    node_a, importer = shared["node-a"], shared["importer"]
    collection = write_collection(tmp_path / "collection")
    importer.import_collection(collection)
    node_sync.sync_once(node_a.index)
    write_collection(collection, synthetic_person("xenia-synthetic", MARKER))
    importer.import_collection(collection)
    script = ("import sys; from archive.facade import Archive; from archive.search.node_sync import sync_once; "
              "sync_once(Archive.open(sys.argv[1], sys.argv[2]).index)")
    killed = subprocess.run([sys.executable, "-c", script, str(tmp_path / "node-a"), postgresql_url],
                            env={**os.environ, ENVIRONMENT_VARIABLE: point, "PYTHONPATH": str(ROOT)},
                            capture_output=True, text=True, timeout=300)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert found(node_a, MARKER) == []  # the previous build, still whole
    reopened = Archive.open(tmp_path / "node-a", postgresql_url)
    try:
        assert node_sync.sync_once(reopened.index).action in ("updated", "rebuilt")
        assert found(reopened, MARKER) == BOTH and reopened.check_index().ok
        store = reopened.index.store
        assert all(store.is_complete(name) for name in store.builds())
    finally:
        reopened.close()
