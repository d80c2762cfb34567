"""The versioned schema (``archive/store/migrations/``): the revisions build what the models define,
an archive of the oldest supported schema keeps every row through an upgrade, an upgrade killed
mid-way leaves the old revision, a database newer than the code is refused, and ``archive db``.

Every database here is a real SQLite file; the rows are synthetic, written the way the first
version wrote them (through SQLAlchemy, into the first revision's tables)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import MetaData, inspect, select
from sqlalchemy.engine import Engine

from archive.cli.main import main
from archive.facade import Archive
from archive.store.crashpoints import ENVIRONMENT_VARIABLE as CRASH_AT
from archive.store.database import make_engine
from archive.store.migrations.schema import (
    UPGRADE_CRASH_POINT,
    SchemaBehind,
    SchemaTooNew,
    SchemaUnrecognised,
    current_state,
    downgrade_schema,
    newest_revision,
    newest_revision_quickly,
    prepare_schema,
    recorded_revision_quickly,
    revisions,
    schema_differences,
    upgrade_schema,
)
from tests.support import ROOT

FIRST = "0001"

# One synthetic record of every kind, as the first version's import wrote them: its tables and columns only.
FIRST_SCHEMA_ROWS: dict[str, list[dict[str, Any]]] = {
    "collection": [{
        "id": "synthetic-collection", "title": "A synthetic collection", "title_native": "Синтетическое собрание",
        "kind": "film", "year": 2001, "runtime_minutes": 90, "languages": ["ru", "en"], "subtitle_languages": ["en"],
        "directors": ["Synthetic Director"], "organisations": [], "premiere": {"date": "2001-01-01"},
        "description": {"en": "Synthetic."}, "description_sources": ["synthetic-source"], "facts_sources": [],
        "rights": "synthetic rights"}],
    "source": [{
        "id": "synthetic-source", "position": 0, "title": "A synthetic transcript", "author": "Synthetic Author",
        "publisher": None, "date": "2001", "kind": "transcript", "url": None, "locator": None, "language": "ru",
        "text_file": "sources/synthetic-transcript.txt", "notes": "made up for the tests"}],
    "vocabulary_term": [{
        "kind": "stances", "id": "admirer", "position": 0, "label": {"en": "admirer", "ru": "поклонник"},
        "definition": {"en": "Synthetic definition."}, "synonyms": {"en": ["fan"]}, "repression": None}],
    "person": [{
        "id": "anna-synthetic", "position": 0, "name": "Anna Synthetic", "name_native": "Анна Синтетическая",
        "pseudonym": False, "is_group": False, "role": "interviewee", "ages": [80], "occupations": ["teacher"],
        "places": ["Synthetic Town"], "stance": "admirer", "stance_basis": "explicit",
        "stance_rationale": "Synthetic rationale.", "stance_supporting_quotes": ["anna-synthetic-q1"],
        "stance_coded_by": "synthetic coder", "stance_coded_on": dt.date(2020, 5, 1),
        "stance_source": "synthetic-source", "stance_locator": "p. 1", "portrait": {"en": "A synthetic portrait."},
        "portrait_sources": ["synthetic-source"], "visibility": "public", "embargo_until": None,
        "visibility_reason": None, "visibility_review": dt.date(2030, 1, 1)}],
    "interview": [{
        "id": "anna-synthetic/2001", "person_id": "anna-synthetic", "local_id": "2001", "position": 0,
        "date": "2001-03", "place": "Synthetic Town", "interviewer": "Synthetic Interviewer", "language": "ru",
        "media": "video", "duration_seconds": 3600.5, "source": "synthetic-source", "locator": "tape 1"}],
    "quote": [{
        "id": "anna-synthetic-q1", "person_id": "anna-synthetic", "position": 0, "original_language": "ru",
        "published_translations": ["en"], "recording": "tape 1", "timecode_in": 12.5, "timecode_out": 20.0,
        "stance": "admirer", "context": "Synthetic context.", "source": "synthetic-source", "locator": "00:12",
        "visibility": "public", "embargo_until": None, "visibility_reason": None, "visibility_review": None}],
    "relative": [{
        "id": "anna-synthetic/father", "person_id": "anna-synthetic", "position": 0, "relation": "father",
        "name": "Synthetic Father", "name_native": None, "external_records": [{"url": "https://example.org/1"}],
        "notes": "Synthetic note."}],
    "timeline_event": [{
        "id": "anna-synthetic/t0", "person_id": "anna-synthetic", "position": 0, "date": "1937",
        "date_start": dt.date(1937, 1, 1), "date_end": dt.date(1937, 12, 31),
        "description": {"en": "A synthetic event."}, "place": "Synthetic Town", "source": "synthetic-source",
        "locator": None}],
    "fate_event": [{
        "id": "anna-synthetic/father/f0", "relative_id": "anna-synthetic/father", "person_id": "anna-synthetic",
        "position": 0, "kind": "arrested", "date": "1937-08", "date_start": dt.date(1937, 8, 1),
        "date_end": dt.date(1937, 8, 31), "place": "Synthetic Town", "details": "Synthetic details.",
        "source": "synthetic-source", "locator": "p. 2"}],
    "quote_text": [
        {"quote_id": "anna-synthetic-q1", "lang": "ru", "text": "Синтетическая цитата.", "is_original": True,
         "is_published": True},
        {"quote_id": "anna-synthetic-q1", "lang": "en", "text": "A synthetic quote.", "is_original": False,
         "is_published": True}],
    "quote_theme": [{"quote_id": "anna-synthetic-q1", "theme": "synthetic-theme", "position": 0}],
}


def _sqlite(path: Path) -> str:
    return f"sqlite:///{path}"


def _home_database(home: Path, url: str) -> str:
    """``url``, and for SQLite the folder of its file made."""
    home.mkdir(parents=True, exist_ok=True)
    return url


def _database_at(url: str, revision: str, versioned: bool = True) -> Engine:
    """A database built by the revisions up to ``revision``; without its ``alembic_version`` table
    when not ``versioned``, as every database was before the schema had revisions."""
    engine = make_engine(url)
    upgrade_schema(engine, revision)
    if not versioned:
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE alembic_version")
    return engine


def _fill(engine: Engine, rows: dict[str, list[dict[str, Any]]]) -> None:
    tables = MetaData()
    tables.reflect(engine)
    with engine.begin() as conn:
        for name, table_rows in rows.items():
            conn.execute(tables.tables[name].insert(), table_rows)


def _read(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    tables = MetaData()
    tables.reflect(engine)
    with engine.connect() as conn:
        return {name: [dict(row._mapping) for row in conn.execute(select(table).order_by(*table.primary_key))]
                for name, table in tables.tables.items() if name != "alembic_version"}


def _revision(url: str) -> str | None:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return recorded_revision_quickly(conn)
    finally:
        engine.dispose()


@pytest.mark.slow
def test_the_revisions_build_exactly_the_tables_the_models_define(tmp_path: Path, database_url: str) -> None:
    home = tmp_path / "home"
    by_revisions = _database_at(_home_database(home, database_url), FIRST)
    assert upgrade_schema(by_revisions).after == newest_revision()
    with by_revisions.connect() as conn:
        assert schema_differences(conn) == []
    by_revisions.dispose()
    archive = Archive.open(tmp_path / "new", _sqlite(tmp_path / "new.sqlite3"))  # a new archive: from the models
    try:
        with archive.engine.connect() as conn:
            assert schema_differences(conn) == []
        assert current_state(archive.engine).revision == newest_revision()
    finally:
        archive.close()
    assert [revision.id for revision in revisions()][0] == FIRST


def test_the_quick_reading_of_revisions_agrees_with_alembic(tmp_path: Path, database_url: str) -> None:
    from alembic.runtime.migration import MigrationContext

    assert newest_revision_quickly() == newest_revision()
    engine = make_engine(_home_database(tmp_path / "home", database_url))
    for revision in (None, FIRST, newest_revision()):
        if revision is not None:
            upgrade_schema(engine, revision)
        with engine.connect() as conn:
            assert recorded_revision_quickly(conn) == MigrationContext.configure(conn).get_current_revision() \
                == revision
    engine.dispose()


@pytest.mark.slow
def test_a_change_to_the_models_without_a_revision_is_found(tmp_path: Path) -> None:
    engine = _database_at(_sqlite(tmp_path / "archive.sqlite3"), newest_revision())
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE person DROP COLUMN private_notes")
    with engine.connect() as conn:
        differences = schema_differences(conn)
    assert [(kind, table, column.name) for kind, _schema, table, column in differences] == [
        ("add_column", "person", "private_notes")]


@pytest.mark.slow
def test_the_revisions_go_down_and_up_again(tmp_path: Path, database_url: str) -> None:
    engine = _database_at(_home_database(tmp_path / "home", database_url), newest_revision())
    assert downgrade_schema(engine, FIRST).after == FIRST
    assert set(inspect(engine).get_table_names()) == set(FIRST_SCHEMA_ROWS) | {"alembic_version"}
    upgrade_schema(engine)
    with engine.connect() as conn:
        assert schema_differences(conn) == []
    engine.dispose()


@pytest.mark.parametrize("versioned", [True, False], ids=["versioned", "made-before-revisions"])
@pytest.mark.slow
def test_an_archive_of_the_first_schema_keeps_every_row_through_the_upgrade(
        tmp_path: Path, database_url: str, versioned: bool) -> None:
    home = tmp_path / "home"
    engine = _database_at(_home_database(home, database_url), FIRST, versioned=versioned)
    _fill(engine, FIRST_SCHEMA_ROWS)
    before = _read(engine)
    engine.dispose()

    archive = Archive.open(home, database_url)  # what `archive import` does first
    try:
        after = _read(archive.engine)
        stats = archive.stats()
    finally:
        archive.close()

    assert _revision(database_url) == newest_revision()
    for table, old_rows in before.items():
        assert len(after[table]) == len(old_rows), table
        for old, new in zip(old_rows, after[table], strict=True):
            assert {column: new[column] for column in old} == old, table
            added = {column: value for column, value in new.items() if column not in old}
            # new columns are empty, but for the visibility of a family record: public, as it was shown
            assert all(value is None for column, value in added.items() if column != "visibility"), (table, added)
            assert added.get("visibility", "public") == "public"
    assert {table for table, rows in after.items() if rows} == set(FIRST_SCHEMA_ROWS)
    assert (stats.people, stats.quotes, stats.relatives, stats.sources) == (1, 1, 1, 1)


@pytest.mark.slow
def test_an_instance_made_before_access_levels_imports_after_the_upgrade(
        tmp_path: Path, database_url: str, fixture_collection: Path) -> None:
    """An archivist's ``instance/`` from before the real-name and private-notes columns keeps working."""
    home = tmp_path / "home"
    _database_at(_home_database(home, database_url), "0002", versioned=False).dispose()
    reopened = Archive.open(home, database_url)
    try:
        reopened.import_collection(fixture_collection)
        assert reopened.stats().people >= 1
        columns = {(table, column["name"]) for table in ("person", "quote")
                   for column in inspect(reopened.engine).get_columns(table)}
    finally:
        reopened.close()
    assert {("person", "real_name"), ("quote", "private_notes")} <= columns


def _archive_command(home: Path, url: str, *arguments: str) -> list[str]:
    return [sys.executable, "-m", "archive.cli.main", "--home", str(home), "--database-url", url, *arguments]


@pytest.mark.slow
def test_an_upgrade_killed_mid_way_leaves_the_old_revision(tmp_path: Path, database_url: str) -> None:
    home = tmp_path / "home"
    engine = _database_at(_home_database(home, database_url), FIRST)
    _fill(engine, FIRST_SCHEMA_ROWS)
    before = _read(engine)
    engine.dispose()

    killed = subprocess.run(_archive_command(home, database_url, "db", "upgrade"),
                            env={**os.environ, CRASH_AT: UPGRADE_CRASH_POINT, "PYTHONPATH": str(ROOT)},
                            capture_output=True, text=True)
    assert killed.returncode == -9, killed.stderr  # SIGKILL after a revision ran, before the commit

    engine = make_engine(database_url)
    assert current_state(engine).revision == FIRST
    assert _read(engine) == before  # the first schema's tables, columns and rows, nothing more
    assert upgrade_schema(engine).after == newest_revision()
    with engine.connect() as conn:
        assert schema_differences(conn) == []
    engine.dispose()


@pytest.mark.slow
def test_two_processes_that_upgrade_at_once_upgrade_once(tmp_path: Path, database_url: str) -> None:
    home = tmp_path / "home"
    engine = _database_at(_home_database(home, database_url), FIRST)
    _fill(engine, FIRST_SCHEMA_ROWS)
    engine.dispose()
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    running = [subprocess.Popen(_archive_command(home, database_url, "db", "upgrade"), env=environment,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [process.communicate(timeout=120) for process in running]
    assert [process.returncode for process in running] == [0, 0], outputs
    said = [stdout for stdout, _stderr in outputs]
    assert sum(f"from revision {FIRST}" in line for line in said) == 1, said  # the other found it done
    assert _revision(database_url) == newest_revision()


def test_a_database_newer_than_the_code_is_refused_and_left_alone(tmp_path: Path, database_url: str) -> None:
    home = tmp_path / "home"
    Archive.open(home, database_url).close()
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = 'f00d'")  # as a later version would leave it
    engine.dispose()
    with pytest.raises(SchemaTooNew, match="f00d"):
        Archive.open(home, database_url)
    for command in (["db", "upgrade"], ["db", "current"]):
        result = CliRunner().invoke(main, ["--home", str(home), "--database-url", database_url, *command])
        assert result.exit_code == 1
        message = result.output.strip()
        assert "\n" not in message and "f00d" in message and newest_revision() in message
        assert "Traceback" not in message
    assert _revision(database_url) == "f00d"


def test_a_reader_refuses_an_older_revision_and_names_the_upgrade(tmp_path: Path) -> None:
    database = _sqlite(tmp_path / "archive.sqlite3")
    engine = _database_at(database, "0003")
    with pytest.raises(SchemaBehind, match="archive db upgrade") as refused:
        prepare_schema(engine, upgrade=False)
    assert "\n" not in str(refused.value)
    assert _revision(database) == "0003"
    # a database of today's tables with no revision yet is only stamped, even by a reader
    engine.dispose()
    today = _sqlite(tmp_path / "today.sqlite3")
    unversioned = _database_at(today, newest_revision(), versioned=False)
    change = prepare_schema(unversioned, upgrade=False)
    assert change is not None and change.recognised and not change.changed
    assert _revision(today) == newest_revision()


def test_tables_that_match_no_revision_are_refused(tmp_path: Path) -> None:
    engine = _database_at(_sqlite(tmp_path / "archive.sqlite3"), "0002", versioned=False)
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE person DROP COLUMN role")
    with pytest.raises(SchemaUnrecognised, match="archive import"):
        prepare_schema(engine)


def test_archive_db_upgrade_says_from_which_revision_to_which(tmp_path: Path) -> None:
    home = tmp_path / "home"
    database = _sqlite(home / "archive.sqlite3")
    _database_at(_home_database(home, database), "0003").dispose()
    runner = CliRunner()
    current = runner.invoke(main, ["--home", str(home), "db", "current"])
    assert current.exit_code == 0 and "0003" in current.output and "archive db upgrade" in current.output

    upgraded = runner.invoke(main, ["--home", str(home), "db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    line = upgraded.output.strip()
    assert line.index("0003") < line.index(newest_revision())
    assert _revision(database) == newest_revision()

    again = runner.invoke(main, ["--home", str(home), "db", "upgrade"])
    assert again.exit_code == 0 and "0003" not in again.output and newest_revision() in again.output
    history = runner.invoke(main, ["--home", str(home), "db", "history"]).output.splitlines()
    assert [line.split()[0] for line in history] == [revision.id for revision in revisions()]
    assert [line for line in history if "<-" in line] == [history[-1]]


def test_archive_db_on_a_home_without_a_database(tmp_path: Path) -> None:
    home = tmp_path / "home"
    runner = CliRunner()
    current = runner.invoke(main, ["--home", str(home), "db", "current"])
    assert current.exit_code == 0 and "archive import" in current.output
    assert not home.exists()  # looking creates nothing
    created = runner.invoke(main, ["--home", str(home), "db", "upgrade"])
    assert created.exit_code == 0 and newest_revision() in created.output
    assert _revision(_sqlite(home / "archive.sqlite3")) == newest_revision()


def test_the_developers_check_passes_on_the_shipped_revisions() -> None:
    from archive.store.migrations.__main__ import tool

    result = CliRunner().invoke(tool, ["check"])
    assert result.exit_code == 0, result.output
    assert newest_revision() in result.output


@pytest.mark.slow
def test_every_command_refuses_a_newer_database_in_one_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    database = _sqlite(home / "archive.sqlite3")
    Archive.open(home).close()
    engine = make_engine(database)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = 'f00d'")
    engine.dispose()
    for command in (["stats"], ["search", "camp"], ["export", "--format", "csv"]):
        # in this process: what the command prints and its exit status are what is tested, not a process's start
        done = CliRunner().invoke(main, ["--home", str(home), *command])
        assert isinstance(done.exception, SystemExit), (command, done.exception)  # not an uncaught error
        assert done.exit_code == 1, (command, done.stderr)
        assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, (command, done.stderr)
        assert "f00d" in done.stderr, command


@pytest.mark.slow
def test_the_site_refuses_an_older_database_and_a_command_upgrades_it(tmp_path: Path) -> None:
    from webapp import create_app

    home = tmp_path / "home"
    database = _sqlite(home / "archive.sqlite3")
    home.mkdir()
    _database_at(database, "0003").dispose()
    with pytest.raises(SchemaBehind, match="archive db upgrade"):
        create_app({"ARCHIVE_HOME": str(home), "TESTING": True})
    assert _revision(database) == "0003"  # the site changed nothing
    done = CliRunner().invoke(main, ["--home", str(home), "stats"])
    assert done.exit_code == 0, (done.output, done.exception)
    assert _revision(database) == newest_revision()
    assert create_app({"ARCHIVE_HOME": str(home), "TESTING": True}).test_client().get("/").status_code == 200
