"""A following node's change log by data version, and its clock margin for older rows
(``archive/search/node_sync.py``), on one PostgreSQL database.

Each change-log row an import writes carries the data version of its commit, and a node re-indexes
the people of the rows written after its build, whatever the importers' clocks say. Rows written
before the change log kept versions have only their stamps: for those the node re-reads the people
stamped within ``CLOCK_MARGIN`` before the newest stamp it has seen and re-indexes only the ones
whose documents in its build differ from the database's; a change stamped before the margin (an
importer's clock behind by more than it) is missed, and ``archive check`` and ``archive reindex``
on the node find and repair it. An importer whose clock is behind is reproduced by moving its
change-log stamp back, and a row of an earlier release by clearing its data version, as they
would have been written. Real PostgreSQL, real Whoosh indexes, SYNTHETIC people.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import update

from archive.cli.main import main
from archive.facade import Archive
from archive.search import node_sync
from archive.search.node_version import read_node_version
from archive.store import models
from tests.store.test_nodes import found, synthetic_person, without_versions, write_collection

pytestmark = pytest.mark.slow  # archives on a PostgreSQL server
FIRST, SECOND = "Quokkanova", "Zebrinskaya"  # each synthetic person's own word, in no other record
_CHANGES = models.table_of(models.RecordChange)


@pytest.fixture
def pair(tmp_path: Path, postgresql_url: str) -> Iterator[tuple[Archive, Archive]]:
    """(a following node, an importer), each its own home, on one new PostgreSQL database; the
    importer has imported the synthetic collection with one added person, and the node follows."""
    node, importer = (Archive.open(tmp_path / name, postgresql_url) for name in ("node", "importer"))
    try:
        first = synthetic_person("first-synthetic", FIRST)
        importer.import_collection(write_collection(tmp_path / "collection", first, "first-synthetic"))
        assert node_sync.sync_once(node.index).action == "rebuilt"
        yield node, importer
    finally:
        node.close()
        importer.close()


def _with_second(tmp_path: Path, second: str) -> Path:
    """The collection again, the first person kept, with the people file ``second`` added."""
    collection = tmp_path / "collection"
    (collection / "people" / "second-synthetic.yaml").write_text(second, encoding="utf-8")
    return collection


def _stamp_back(importer: Archive, person_id: str, stamp: dt.datetime) -> None:
    """The change-log stamp an importer whose clock is behind would have written."""
    with importer.engine.begin() as conn:
        conn.execute(update(_CHANGES).where(_CHANGES.c.kind == "person", _CHANGES.c.id == person_id)
                     .values(changed_at=stamp))


def _newest_seen(node: Archive) -> dt.datetime:
    seen = read_node_version(node.index.store)
    assert seen is not None and seen.watermark is not None
    return seen.watermark


def test_the_change_log_names_only_the_people_of_later_commits(pair: tuple[Archive, Archive],
                                                               tmp_path: Path) -> None:
    """The second import's row carries its commit's data version: the node's change log names the
    second person alone, though the first one's stamp lies within the margin, and compares nothing."""
    node, importer = pair
    importer.import_collection(_with_second(tmp_path, synthetic_person("second-synthetic", SECOND)))
    with node.engine.connect() as conn:
        since = read_node_version(node.index.store)
        assert since is not None
        assert node_sync.changed_people(conn, node.index.store, since) == {"second-synthetic"}
    outcome = node_sync.sync_once(node.index)
    assert (outcome.action, outcome.people, outcome.compared) == ("updated", 1, 0)
    assert found(node, SECOND) == ["second-synthetic", "second-synthetic-quote"]
    assert found(node, FIRST) == ["first-synthetic", "first-synthetic-quote"]
    assert node.check_index().ok


def test_imports_close_together_re_index_only_the_later_ones_people(pair: tuple[Archive, Archive],
                                                                    tmp_path: Path) -> None:
    """Rows with stamps only: the first person's stamp lies within the margin of the second
    import's: the node reads it again, finds its documents as the database has them, and re-indexes
    only the second person; its index is then what a full build from the database holds (every
    fingerprint agrees)."""
    node, importer = pair
    importer.import_collection(_with_second(tmp_path, synthetic_person("second-synthetic", SECOND)))
    without_versions(importer)
    with node.engine.connect() as conn:  # the plain change log names both: the first is within the margin
        since = read_node_version(node.index.store)
        assert since is not None
        assert {"first-synthetic", "second-synthetic"} <= (node_sync.changed_people(conn, node.index.store, since)
                                                           or set())
    outcome = node_sync.sync_once(node.index)
    assert (outcome.action, outcome.people) == ("updated", 1)
    assert found(node, SECOND) == ["second-synthetic", "second-synthetic-quote"]
    assert found(node, FIRST) == ["first-synthetic", "first-synthetic-quote"]
    assert node.check_index().ok


def test_a_change_stamped_within_the_margin_before_the_newest_seen_is_caught(pair: tuple[Archive, Archive],
                                                                          tmp_path: Path) -> None:
    """An importer whose clock is behind, by less than the margin: its change is stamped before
    the newest stamp the node has seen, and the node still re-indexes it."""
    node, importer = pair
    newest = _newest_seen(node)
    restricted = synthetic_person("first-synthetic", FIRST, restricted=True)
    (tmp_path / "collection" / "people" / "first-synthetic.yaml").write_text(restricted, encoding="utf-8")
    importer.import_collection(tmp_path / "collection")
    _stamp_back(importer, "first-synthetic", newest - node_sync.CLOCK_MARGIN / 2)
    outcome = node_sync.sync_once(node.index)
    assert (outcome.action, outcome.people) == ("updated", 1)
    assert found(node, FIRST) == []
    assert node.check_index().ok


def test_a_change_stamped_long_before_the_newest_seen_is_caught_by_its_data_version(
        pair: tuple[Archive, Archive], tmp_path: Path) -> None:
    """An importer whose clock is behind by more than the margin: the row's data version still
    names the change, and the node re-indexes it."""
    node, importer = pair
    newest = _newest_seen(node)
    importer.import_collection(_with_second(tmp_path, synthetic_person("second-synthetic", SECOND)))
    _stamp_back(importer, "second-synthetic", newest - node_sync.CLOCK_MARGIN - dt.timedelta(hours=1))
    outcome = node_sync.sync_once(node.index)
    assert (outcome.action, outcome.people) == ("updated", 1)
    assert found(node, SECOND) == ["second-synthetic", "second-synthetic-quote"]
    assert node.check_index().ok


def test_a_change_stamped_before_the_margin_is_missed_until_check_and_reindex(
        pair: tuple[Archive, Archive], tmp_path: Path, postgresql_url: str) -> None:
    """Rows with stamps only, an importer whose clock is behind by more than the margin: the node
    does not re-index its change and says it is in step, but ``archive check`` on the node names
    the documents it lacks and fails, and ``archive reindex`` there brings them in."""
    node, importer = pair
    newest = _newest_seen(node)
    importer.import_collection(_with_second(tmp_path, synthetic_person("second-synthetic", SECOND)))
    without_versions(importer)
    _stamp_back(importer, "second-synthetic", newest - node_sync.CLOCK_MARGIN - dt.timedelta(seconds=5))
    node_sync.sync_once(node.index)
    assert node_sync.node_status(node.index).status == "ok"
    assert found(node, SECOND) == []  # missed
    check = ["--home", str(tmp_path / "node"), "--database-url", postgresql_url, "check", str(tmp_path / "collection")]
    checked = CliRunner().invoke(main, check)
    assert checked.exit_code == 1
    assert "missing from the index" in checked.output and "second-synthetic" in checked.output
    assert "archive reindex" in checked.output
    repaired = CliRunner().invoke(main, ["--home", str(tmp_path / "node"), "--database-url", postgresql_url, "reindex"])
    assert repaired.exit_code == 0, repaired.output
    assert found(node, SECOND) == ["second-synthetic", "second-synthetic-quote"]
    assert CliRunner().invoke(main, check).exit_code == 0
