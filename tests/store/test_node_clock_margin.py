"""A following node's clock margin (``archive/search/node_sync.py``) on one PostgreSQL database.

A node re-reads the people stamped within ``CLOCK_MARGIN`` before the newest change stamp it has
seen, for importers whose clocks differ. Of those, it re-indexes only the ones whose documents in
its build differ from the database's, so imports close together do not make it re-index the
earlier import's people again; a change stamped before the margin (an importer's clock behind by
more than it) is missed, and ``archive check`` and ``archive reindex`` on the node find and repair
it. An importer whose clock is behind is reproduced by moving its change-log stamp back, as that
importer would have written it. Real PostgreSQL, real Whoosh indexes, SYNTHETIC people.
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
from tests.store.test_nodes import found, synthetic_person, write_collection

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


def test_imports_close_together_re_index_only_the_later_ones_people(pair: tuple[Archive, Archive],
                                                                    tmp_path: Path) -> None:
    """The first person's stamp lies within the margin of the second import's: the node reads it
    again, finds its documents as the database has them, and re-indexes only the second person;
    its index is then what a full build from the database holds (every fingerprint agrees)."""
    node, importer = pair
    importer.import_collection(_with_second(tmp_path, synthetic_person("second-synthetic", SECOND)))
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


def test_a_change_stamped_before_the_margin_is_missed_until_check_and_reindex(
        pair: tuple[Archive, Archive], tmp_path: Path, postgresql_url: str) -> None:
    """An importer whose clock is behind by more than the margin: the node does not re-index its
    change and says it is in step, but ``archive check`` on the node names the documents it lacks
    and fails, and ``archive reindex`` there brings them in."""
    node, importer = pair
    newest = _newest_seen(node)
    importer.import_collection(_with_second(tmp_path, synthetic_person("second-synthetic", SECOND)))
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
