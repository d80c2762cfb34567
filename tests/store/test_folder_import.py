"""The import that writes while it reads (``archive/store/folder_import.py``) gives what reading the
whole collection and then writing it gives: the same rows, the same report, the same problems
in the same order, and nothing written when a problem is found, even one met after rows were
written. Real SQLite files, real worker processes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from archive.collection.loader import PARALLEL_FILES, read_collection
from archive.collection.problems import InvalidCollection
from archive.facade import Archive
from archive.settings import resolve
from archive.store import row_writer as importer
from archive.store.database import open_database
from archive.store.folder_import import import_folder
from archive.store.row_writer import ImportReport
from tests.store.whole_import_oracle import import_collection
from tests.stored_rows import stored_rows
from tests.support import copy_home, import_into

pytestmark = pytest.mark.slow  # many imports with worker processes

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def synthetic_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small SYNTHETIC collection of the benchmark generator: 24 people files, enough for
    the worker processes to share them out."""
    out = tmp_path_factory.mktemp("synthetic") / "collection"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate_synthetic.py"), "--segments", "150",
                    "--people", "24", "--seed", "5", "--out", str(out)], check=True, capture_output=True)
    return out


@pytest.fixture(scope="module")
def synthetic_home(tmp_path_factory: pytest.TempPathFactory, synthetic_source: Path) -> Path:
    """An archive home holding the synthetic collection, imported once for the module's tests to copy."""
    return import_into(tmp_path_factory.mktemp("synthetic-home") / "home", synthetic_source)


@pytest.fixture
def synthetic(tmp_path: Path, synthetic_source: Path) -> Path:
    target = tmp_path / "synthetic"
    shutil.copytree(synthetic_source, target)
    return target


def tables(home: Path) -> dict[str, list[tuple[Any, ...]]]:
    return stored_rows(home, sort=False)  # in the order written: the rowids are the same too


def plain(report: ImportReport) -> dict[str, Any]:
    return {"added": {k: v for k, v in report.added.items() if v},
            "changed": {k: v for k, v in report.changed.items() if v},
            "removed": {k: v for k, v in report.removed.items() if v},
            "touched_people": report.touched_people, "touched_quotes": report.touched_quotes,
            "vocabulary_changed": report.vocabulary_changed}


def streamed(home: Path, collection: Path, workers: int) -> ImportReport:
    """``import_folder`` with ``workers`` processes however few the people files are."""
    engine = open_database(resolve(home, None))
    try:
        with engine.begin() as conn:
            return import_folder(collection, conn, workers=workers, parallel_from=1)
    finally:
        engine.dispose()


def two_step(home: Path, collection: Path) -> ImportReport:
    engine = open_database(resolve(home, None))
    try:
        return import_collection(read_collection(collection, workers=1), engine)
    finally:
        engine.dispose()


def edit(path: Path, old: str, new: str) -> None:
    content = path.read_text(encoding="utf-8")
    assert old in content, f"{old!r} not in {path}"
    path.write_text(content.replace(old, new, 1), encoding="utf-8")


@pytest.fixture(params=["fixture_collection", "shipped_collection", "synthetic"])
def collection(request: pytest.FixtureRequest) -> Path:
    return request.getfixturevalue(request.param)


@pytest.mark.parametrize("workers", [1, 2])
def test_same_rows_and_report_as_reading_then_writing(tmp_path: Path, collection: Path, workers: int,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A first import, then a re-import of the collection edited: a quote's text, a person file
    gone, a theme added. Rows are written every 7 (batches end inside a person's rows)."""
    monkeypatch.setattr(importer, "BATCH_ROWS", 7)
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    assert plain(streamed(ours, collection, workers)) == plain(two_step(theirs, collection))
    first = tables(ours)
    assert sum(len(rows) for rows in first.values()) > 40
    assert first == tables(theirs)

    people = sorted((collection / "people").glob("*.yaml"))
    people[-1].unlink()
    edited = next(path for path in people if "\nquotes:" in path.read_text(encoding="utf-8"))
    person = yaml.safe_load(edited.read_text(encoding="utf-8"))
    person["name"] += " (renamed)"
    theme = yaml.safe_load((collection / "vocabulary.yaml").read_text(encoding="utf-8"))["themes"][0]["id"]
    person["quotes"][0]["themes"] = [theme, *person["quotes"][0].get("themes", []), theme]  # twice: one row
    edited.write_text(yaml.safe_dump(person, allow_unicode=True, sort_keys=False), encoding="utf-8")
    again = streamed(ours, collection, workers)
    assert plain(again) == plain(two_step(theirs, collection))
    assert again.removed["people"] and again.changed["people"]
    assert tables(ours) == tables(theirs) != first
    assert plain(streamed(ours, collection, workers)) == plain(ImportReport())  # nothing changed: nothing written


@pytest.mark.parametrize("workers", [1, 2])
def test_a_collection_that_grew_is_imported_as_reading_then_writing_imports_it(
        tmp_path: Path, synthetic: Path, workers: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Half the people first, then all of them. Once the old rows are all given again, the rest
    are new and taken a table's run at a time (``RowWriter.add_rows``): the rows and the report,
    with the quotes to index again, must be those of the row-by-row import."""
    monkeypatch.setattr(importer, "BATCH_ROWS", 7)
    people = sorted((synthetic / "people").glob("*.yaml"))
    later = tmp_path / "later"
    later.mkdir()
    for path in people[len(people) // 2:]:
        path.rename(later / path.name)
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    assert plain(streamed(ours, synthetic, workers)) == plain(two_step(theirs, synthetic))
    for path in later.iterdir():
        path.rename(synthetic / "people" / path.name)
    grown = streamed(ours, synthetic, workers)
    assert plain(grown) == plain(two_step(theirs, synthetic))
    assert len(grown.added["people"]) == len(people) - len(people) // 2 and grown.touched_quotes
    assert not grown.changed["quotes"] and not grown.removed["quotes"]
    assert tables(ours) == tables(theirs)


BROKEN = [
    ("a value not in the vocabulary", "people", "stance: critic", "stance: tyrant-lover"),
    ("a field unknown", "people", "role: interviewee", "role: interviewee\nfavourite_colour: red"),
    ("a syntax error", "people", "role: interviewee", "role: [interviewee"),
    ("an unknown source", "people", "source: ", "source: no-such-"),
    ("a vocabulary without stances", "vocabulary.yaml", "stances:", "stances_old:"),
    ("a duplicate source", "collection.yaml", "sources:\n", "sources:\n- id: dup\n  title: d\n- id: dup\n  title: d\n"),
]


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("what, where, old, new", BROKEN, ids=[b[0] for b in BROKEN])
def test_same_problems_in_the_same_order_and_nothing_written(tmp_path: Path, synthetic: Path, synthetic_home: Path,
                                                              workers: int, what: str, where: str, old: str, new: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Broken in a file at the start and one at the end, after rows were written (every 7):
    the problems are those of ``read_collection`` in its order, and the database keeps what
    it held."""
    monkeypatch.setattr(importer, "BATCH_ROWS", 7)
    archive = Archive.open(copy_home(synthetic_home, tmp_path / "home"))
    try:
        before = tables(tmp_path / "home")
        people = sorted((synthetic / "people").glob("*.yaml"))
        targets = [people[0], people[-1]] if where == "people" else [synthetic / where]
        for path in targets:
            edit(path, old, new)
        edit(people[1], "name: ", "name: Renamed ")  # a change that would be written if nothing were wrong
        with pytest.raises(InvalidCollection) as expected:
            read_collection(synthetic, workers=1)
        inserted: list[str] = []
        real_insert = importer._insert
        monkeypatch.setattr(importer, "_insert", lambda conn, table, rows: (inserted.append(table.__name__),
                                                                             real_insert(conn, table, rows)))
        from archive.search import index_state
        with pytest.raises(InvalidCollection) as raised:
            with index_state.write_transaction(archive.engine) as conn:
                import_folder(synthetic, conn, workers=workers, parallel_from=1)
        assert [str(p) for p in raised.value.problems] == [str(p) for p in expected.value.problems]
        assert len(raised.value.problems) >= len(targets)
        assert tables(tmp_path / "home") == before
    finally:
        archive.close()


def test_rows_written_before_a_late_problem_are_rolled_back(tmp_path: Path, synthetic: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The first import into an empty archive writes most people before it meets the broken last
    file: nothing of it stays, and ``archive import`` says what is wrong."""
    monkeypatch.setattr(importer, "BATCH_ROWS", 7)
    inserted: list[str] = []
    real_insert = importer._insert
    monkeypatch.setattr(importer, "_insert", lambda conn, table, rows: (inserted.append(table.__name__),
                                                                         real_insert(conn, table, rows)))
    last = sorted((synthetic / "people").glob("*.yaml"))[-1]
    edit(last, "stance: ", "stance: nonsense-")
    archive = Archive.open(tmp_path / "home")
    try:
        with pytest.raises(InvalidCollection, match="is not in the stances"):
            archive.import_collection(synthetic)
        assert inserted.count("Quote") > 5  # rows had been written
        assert all(not rows for rows in tables(tmp_path / "home").values())
        assert archive.is_empty()
    finally:
        archive.close()


def test_a_worker_that_dies_leaves_the_rest_to_this_process(tmp_path: Path, synthetic: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker process killed half-way (out of memory, say): the files not done yet are read
    here, and the import is the same as without workers."""
    from archive.store import folder_import
    parent = os.getpid()
    victim = sorted((synthetic / "people").glob("*.yaml"))[12]
    real_call = folder_import._RowsJob.__call__

    def dying(self, path, display, limits):  # type: ignore[no-untyped-def]
        if os.getpid() != parent and path == victim:
            os._exit(9)
        return real_call(self, path, display, limits)

    monkeypatch.setattr(folder_import._RowsJob, "__call__", dying)
    report = streamed(tmp_path / "ours", synthetic, workers=2)
    assert plain(report) == plain(two_step(tmp_path / "theirs", synthetic))
    assert tables(tmp_path / "ours") == tables(tmp_path / "theirs")


@pytest.fixture(scope="module")
def many_people(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SYNTHETIC collection with as many people files as it takes for the import to use its
    worker processes."""
    out = tmp_path_factory.mktemp("many") / "collection"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate_synthetic.py"), "--segments",
                    str(3 * PARALLEL_FILES), "--people", str(PARALLEL_FILES), "--seed", "7", "--out", str(out)],
                   check=True, capture_output=True)
    return out


def test_the_import_workers_setting_gives_the_same_archive(tmp_path: Path, many_people: Path) -> None:
    """``ARCHIVE_IMPORT_WORKERS`` 0 reads the files in the importing process, 2 in two worker
    processes: the rows and the report are the same. Each import is the real command in a process
    of its own (a process that runs other threads, as a test worker may, reads its files itself)."""
    reports, rows = {}, {}
    for setting in ("0", "2"):
        home = tmp_path / f"home-{setting}"
        done = subprocess.run([sys.executable, "-m", "archive.cli.main", "--home", str(home), "import",
                               str(many_people)], env={**os.environ, "ARCHIVE_IMPORT_WORKERS": setting},
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        reports[setting] = done.stdout
        rows[setting] = tables(home)
    assert reports["0"] == reports["2"] and "quotes:" in reports["0"]
    assert rows["0"] == rows["2"]
