"""A following node's update costs what the changed people cost, not what its index holds
(``archive/search/node_sync.py``): two homes on one SQLite database, a node and an importer (the
node's updates work the same on PostgreSQL: ``tests/store/test_nodes.py``). SYNTHETIC people."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from archive.facade import Archive
from archive.search import index_state, node_sync
from archive.search.index_store import COMPLETE_MARKER, IndexStore
from archive.search.node_version import NodeVersion, read_node_version
from archive.store import models
from tests.store.test_nodes import found, synthetic_person, without_versions, write_collection

FIRST, SECOND, HIDDEN = "Quokkanova", "Zebrinskaya", "Ocelotovna"  # each synthetic person's own word
ADDED = "Narwhalenko"


def _person_file(collection: Path, person_id: str, text: str) -> None:
    (collection / "people" / f"{person_id}.yaml").write_text(text, encoding="utf-8")


def _next_second(node: Archive) -> None:
    """Wait until the clock is past the newest change stamp the node has seen (stamps are whole
    seconds): the next import's stamp then falls after it, as an import a moment later does."""
    seen = read_node_version(node.index.store)
    assert seen is not None and seen.watermark is not None
    newest = seen.watermark if seen.watermark.tzinfo else seen.watermark.replace(tzinfo=dt.timezone.utc)
    while dt.datetime.now(dt.timezone.utc).replace(microsecond=0) <= newest:
        time.sleep(0.05)


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Archive, Archive, Path]]:
    """(a following node, an importer, the collection): the importer imported the fixture collection
    with three synthetic people added (one of them never public), and the node made its build."""
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    node, importer = Archive.open(tmp_path / "node", url), Archive.open(tmp_path / "importer", url)
    try:
        collection = write_collection(tmp_path / "collection", synthetic_person("first-synthetic", FIRST),
                                      "first-synthetic")
        _person_file(collection, "second-synthetic", synthetic_person("second-synthetic", SECOND))
        _person_file(collection, "hidden-synthetic", synthetic_person("hidden-synthetic", HIDDEN, restricted=True))
        importer.import_collection(collection)
        assert node_sync.sync_once(node.index).action == "rebuilt"
        _next_second(node)
        yield node, importer, collection
    finally:
        node.close()
        importer.close()


def _since(node: Archive) -> NodeVersion:
    since = read_node_version(node.index.store)
    assert since is not None
    return since


def test_a_one_person_update_compares_and_re_indexes_only_that_person(pair: tuple[Archive, Archive, Path]) -> None:
    """Rows with stamps only (as a release before data versions wrote them): every person of the
    import before is stamped within the margin before the newest stamp the node saw; the one commit
    since is the one later stamp: none of them is compared with the database or left out of searches
    while the node is behind, and only the changed person is re-indexed."""
    node, importer, collection = pair
    _person_file(collection, "first-synthetic", synthetic_person("first-synthetic", f"{FIRST} {ADDED}"))
    importer.import_collection(collection)
    without_versions(importer)
    follower = node_sync.NodeSync(node.index, interval=3600)
    follower._note_pending()  # what the background thread does first at each look
    assert node.index.excluded_people is not None and node.index.excluded_people[1] == {"first-synthetic"}
    assert found(node, SECOND) == ["second-synthetic", "second-synthetic-quote"]  # still found while behind
    assert found(node, ADDED) == []
    store = node.index.store
    with index_state.read_snapshot(node.engine) as conn:
        plain = node_sync.changed_people(conn, store, _since(node))
        assert plain is not None and {"first-synthetic", "second-synthetic", "anna-synthetic"} <= plain
        assert node_sync.pending_people(conn, store, _since(node)) == {"first-synthetic"}
    outcome = follower.step()
    assert outcome is not None and (outcome.action, outcome.people, outcome.compared) == ("updated", 1, 0)
    assert found(node, ADDED) == ["first-synthetic", "first-synthetic-quote"]
    assert node.check_index().ok


def test_a_commit_without_stamps_makes_the_node_compare_the_people_within_the_margin(
        pair: tuple[Archive, Archive, Path]) -> None:
    """Rows with stamps only: a reindex commits a new data version and stamps nobody: the stamps no
    longer account for every commit since the node's build, so the people stamped within the margin
    are compared with the database (the plain way), and still only the changed person is re-indexed."""
    node, importer, collection = pair
    without_versions(importer)
    with index_state.read_snapshot(node.engine) as conn:
        within = node_sync.changed_people(conn, node.index.store, _since(node))
    assert within
    importer.reindex()
    _person_file(collection, "first-synthetic", synthetic_person("first-synthetic", f"{FIRST} {ADDED}"))
    importer.import_collection(collection)
    without_versions(importer)
    with index_state.read_snapshot(node.engine) as conn:
        assert not node_sync.margin_untouched(conn, _since(node))
        assert node_sync.people_to_reindex(conn, node.index.store, _since(node)) == {"first-synthetic"}
    outcome = node_sync.sync_once(node.index)
    # (the changed person's own stamp is after the newest the node saw now)
    assert (outcome.action, outcome.people, outcome.compared) == ("updated", 1, len(within - {"first-synthetic"}))
    assert found(node, ADDED) == ["first-synthetic", "first-synthetic-quote"]
    assert node.check_index().ok


def _without_people_count(store: IndexStore, build: str) -> None:
    """The marker a build written before builds counted their people has (the documents' count alone)."""
    marker = store.folder(build) / COMPLETE_MARKER
    marker.write_text(marker.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")


@pytest.mark.parametrize("counted", [True, False], ids=["counted", "build-before-counts"])
def test_gone_people_are_the_ones_the_plain_scan_finds(pair: tuple[Archive, Archive, Path], counted: bool) -> None:
    """A person removed who was never public leaves no change-log row. The people the node finds
    gone (by counting the build's people against the database's) are those a read of every person
    in its build finds, with or without the build's own count; the updated build's count is the
    plain one; the removed person's documents leave the node."""
    node, importer, collection = pair
    store = node.index.store
    current = store.current_name()
    assert current is not None
    assert store.people_count(current) == len(store.people_in_build(current))
    if not counted:
        _without_people_count(store, current)
        assert store.people_count(current) is None
    (collection / "people" / "hidden-synthetic.yaml").unlink()
    _person_file(collection, "second-synthetic", synthetic_person("second-synthetic", f"{SECOND} {ADDED}"))
    importer.import_collection(collection)
    with index_state.read_snapshot(node.engine) as conn:
        in_database: set[str] = set(conn.scalars(select(models.table_of(models.Person).c.id)))
        plain = store.people_in_build(current) - in_database
        assert plain == {"hidden-synthetic"}
        assert node_sync.gone_people(conn, store, current, {"second-synthetic"}) == plain
        assert node_sync.gone_people(conn, store, current, set()) == plain
        assert node_sync.pending_people(conn, store, _since(node)) == {"second-synthetic", "hidden-synthetic"}
    outcome = node_sync.sync_once(node.index)
    assert (outcome.action, outcome.people) == ("updated", 2)
    updated = store.current_name()
    assert updated is not None and updated != current
    assert store.people_count(updated) == len(store.people_in_build(updated)) == len(in_database)
    assert node.check_index().ok



def test_more_than_half_the_people_changed_rebuild_in_full(pair: tuple[Archive, Archive, Path]) -> None:
    """Three of the build's five people changed: one full build rather than an update."""
    node, importer, collection = pair
    assert node.index.store.people_count(node.index.store.current_name() or "") == 5
    for person_id, word in (("first-synthetic", FIRST), ("second-synthetic", SECOND), ("hidden-synthetic", HIDDEN)):
        _person_file(collection, person_id, synthetic_person(person_id, f"{word} {ADDED}",
                                                             restricted=person_id == "hidden-synthetic"))
    importer.import_collection(collection)
    outcome = node_sync.sync_once(node.index)
    assert outcome.action == "rebuilt"
    assert found(node, ADDED) == ["first-synthetic", "first-synthetic-quote", "second-synthetic",
                                  "second-synthetic-quote"]
    assert node.check_index().ok


def test_rows_with_data_versions_name_the_changed_person_alone(pair: tuple[Archive, Archive, Path]) -> None:
    """Each change-log row carries its commit's data version: the node's change log names the one
    person changed since its build, compares nobody, and leaves only that person out while behind."""
    node, importer, collection = pair
    _person_file(collection, "first-synthetic", synthetic_person("first-synthetic", f"{FIRST} {ADDED}"))
    importer.import_collection(collection)
    with index_state.read_snapshot(node.engine) as conn:
        assert node_sync.by_version(conn, _since(node))
        assert node_sync.changed_people(conn, node.index.store, _since(node)) == {"first-synthetic"}
        assert node_sync.pending_people(conn, node.index.store, _since(node)) == {"first-synthetic"}
    outcome = node_sync.sync_once(node.index)
    assert (outcome.action, outcome.people, outcome.compared) == ("updated", 1, 0)
    assert found(node, ADDED) == ["first-synthetic", "first-synthetic-quote"]
    assert node.check_index().ok

