"""The import on SQLite and on PostgreSQL: the same rows and the same report, all or nothing,
idempotent, with its forked reader processes, and one import at a time across processes.

Real databases both: an SQLite file, and a throw-away PostgreSQL cluster (``tests/postgres_server.py``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from archive.collection.problems import InvalidCollection
from archive.facade import Archive
from archive.search.request import SearchRequest
from archive.settings import resolve
from archive.store import models
from archive.store import row_writer as importer
from archive.store.database import begin_writing, open_database
from archive.store.folder_import import import_folder
from archive.store.row_writer import ImportReport
from tests.support import DATA, FIXTURES, make_access_collection

pytestmark = pytest.mark.slow  # PostgreSQL clusters and real import processes

ROOT = Path(__file__).resolve().parents[2]


def rows_of(engine: Engine) -> dict[str, list[tuple[tuple[str, str], ...]]]:
    """Every row of the collection's tables, as (column, repr of value) pairs, sorted: the same on
    any database that stores the same values."""
    with engine.connect() as conn:
        return {table.__tablename__: sorted(tuple(sorted((k, repr(v)) for k, v in row._mapping.items()))
                                            for row in conn.execute(select(table.__table__)))  # type: ignore[attr-defined]
                for table in models.TABLES_IN_ORDER}


def plain(report: ImportReport) -> dict[str, Any]:
    return {"added": {k: v for k, v in report.added.items() if v},
            "changed": {k: v for k, v in report.changed.items() if v},
            "removed": {k: v for k, v in report.removed.items() if v},
            "touched_people": report.touched_people, "vocabulary_changed": report.vocabulary_changed}


def imported(home: Path, url: str, collection: Path, workers: int) -> tuple[ImportReport, dict[str, Any]]:
    """``import_folder`` in one transaction, with ``workers`` forked reader processes however few
    the files are; then the rows, read on a new connection of the same engine."""
    engine = open_database(resolve(home, url))
    try:
        with engine.begin() as conn:
            report = import_folder(collection, conn, workers=workers, parallel_from=1)
        return report, rows_of(engine)
    finally:
        engine.dispose()


def edit(path: Path, old: str, new: str) -> None:
    content = path.read_text(encoding="utf-8")
    assert old in content, f"{old!r} not in {path}"
    path.write_text(content.replace(old, new, 1), encoding="utf-8")


def run_archive(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "archive.cli.main", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})


def test_both_databases_store_the_same_rows_and_report_with_or_without_reader_processes(
        tmp_path: Path, postgres_server: Any) -> None:
    """The access collection (public, restricted, embargoed, pseudonymised records) on SQLite, and on
    PostgreSQL read in this process and by two forked reader processes. The readers inherit the
    open transaction's connection and never touch it: the import commits on it afterwards."""
    collection = make_access_collection(tmp_path / "collection")
    sqlite_report, sqlite_rows = imported(tmp_path / "sqlite", f"sqlite:///{tmp_path / 'sqlite' / 'a.sqlite3'}",
                                          collection, workers=1)
    assert sum(len(rows) for rows in sqlite_rows.values()) > 60
    for workers in (1, 2):
        report, rows = imported(tmp_path / f"pg-{workers}", postgres_server.new_database(), collection, workers)
        assert plain(report) == plain(sqlite_report)
        assert rows == sqlite_rows


def test_a_reimport_changes_nothing_and_an_edit_changes_one_record(tmp_path: Path, database_url: str,
                                                                   fixture_collection: Path) -> None:
    archive = Archive.open(tmp_path / "home", database_url)
    try:
        first = archive.import_collection(fixture_collection)
        assert first.counts()["people"] == (2, 0, 0)
        before = rows_of(archive.engine)
        again = archive.import_collection(fixture_collection)
        assert again.summary_lines() == ["nothing changed"]
        assert rows_of(archive.engine) == before
        edit(fixture_collection / "people" / "anna-synthetic.yaml", "stance: admirer", "stance: ambivalent")
        edited = archive.import_collection(fixture_collection)
        assert {kind: ids for kind, ids in edited.changed.items() if ids} == {"quotes": {"anna-victory"}}
        after = rows_of(archive.engine)
        assert [name for name in before if before[name] != after[name]] == ["quote"]
        assert archive.search(SearchRequest(query="", per_page=50)).total > 0
    finally:
        archive.close()


def test_a_problem_met_after_rows_were_written_leaves_the_database_as_it_was(
        tmp_path: Path, database_url: str, shipped_collection: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of 7 rows: the first people's changes are written before the broken file is met."""
    archive = Archive.open(tmp_path / "home", database_url)
    try:
        archive.import_collection(shipped_collection)
        before = rows_of(archive.engine)
        people = sorted((shipped_collection / "people").glob("*.yaml"))
        for path in people[:-1]:
            edit(path, "name: ", "name: Renamed ")
        with people[-1].open("a", encoding="utf-8") as last:
            last.write("\nfavourite_colour: red\n")
        monkeypatch.setattr(importer, "BATCH_ROWS", 7)
        with pytest.raises(InvalidCollection, match="favourite_colour"):
            archive.import_collection(shipped_collection)
        assert rows_of(archive.engine) == before
    finally:
        archive.close()


def test_a_database_error_half_way_leaves_postgresql_as_it_was(tmp_path: Path, postgresql_url: str,
                                                               fixture_collection: Path) -> None:
    """A real error of the server (a trigger refuses the second person's update) rolls back the first."""
    archive = Archive.open(tmp_path / "home", postgresql_url)
    try:
        archive.import_collection(fixture_collection)
        before = rows_of(archive.engine)
        with archive.engine.begin() as conn:
            conn.exec_driver_sql(
                "CREATE FUNCTION refuse_boris() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "IF NEW.id = 'boris-synthetic' THEN RAISE EXCEPTION 'injected constraint error'; END IF; "
                "RETURN NEW; END $$")
            conn.exec_driver_sql("CREATE TRIGGER refuse_boris BEFORE UPDATE ON person FOR EACH ROW "
                                 "EXECUTE FUNCTION refuse_boris()")
        edit(fixture_collection / "people" / "anna-synthetic.yaml", "name: Anna (synthetic)",
             "name: Anna Two (synthetic)")
        edit(fixture_collection / "people" / "boris-synthetic.yaml", "name: Boris (synthetic)",
             "name: Boris Two (synthetic)")
        with pytest.raises(Exception, match="injected constraint error"):
            archive.import_collection(fixture_collection)
        assert rows_of(archive.engine) == before
    finally:
        archive.close()


def test_an_import_killed_mid_way_leaves_postgresql_as_it_was(tmp_path: Path, postgresql_url: str) -> None:
    """``archive import`` on PostgreSQL, killed (SIGKILL) once its rows are written: nothing of it is
    in the database (its transaction and its lock went with its connection), and the next import
    adds the whole collection."""
    home = tmp_path / "home"
    killed = run_archive("--home", str(home), "--database-url", postgresql_url, "import", str(FIXTURES / "collection"),
                         env={"ARCHIVE_CRASH_AT": "db-written"})
    assert killed.returncode == -9, killed.stderr[-2000:]
    archive = Archive.open(home, postgresql_url)
    try:
        assert archive.is_empty()
        assert archive.import_collection(FIXTURES / "collection").counts()["people"] == (2, 0, 0)
    finally:
        archive.close()


def test_a_second_import_while_another_holds_the_lock_says_so_on_postgresql(tmp_path: Path,
                                                                            postgresql_url: str) -> None:
    """This process holds the archive's writer lock as a running import does; ``archive import`` in
    another process waits as long as ``ARCHIVE_WRITE_WAIT_SECONDS`` says, then says in one line that
    the archive is busy, as it does on SQLite. Readers are not held up meanwhile; once the lock is
    free the import runs."""
    home = tmp_path / "home"
    archive = Archive.open(home, postgresql_url)
    archive.import_collection(FIXTURES / "collection")
    before, seen = rows_of(archive.engine), archive.stats()
    try:
        with archive.engine.connect() as holder:
            begin_writing(holder)
            started = time.monotonic()
            done = run_archive("--home", str(home), "--database-url", postgresql_url, "import", str(DATA),
                               env={"ARCHIVE_WRITE_WAIT_SECONDS": "1.5"})
            waited = time.monotonic() - started
            assert archive.stats() == seen  # a reader goes on
            holder.rollback()
        assert done.returncode == 1
        assert "Traceback" not in done.stderr, done.stderr[-3000:]
        errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
        assert len(errors) == 1 and "busy" in errors[0], done.stderr
        assert waited >= 1.5
        assert rows_of(archive.engine) == before
        archive.import_collection(DATA)  # the lock is free again
        assert archive.stats().people > seen.people
    finally:
        archive.close()
