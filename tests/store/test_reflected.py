"""A table read as the database declares it (``archive/store/reflected.py``, how a search reads the
database without building the table models) gives what the table models give: every column but
the times, each value equal, on SQLite and on PostgreSQL; and a change of the schema is read at once.

The archives hold the synthetic test collection (people, quotes, relatives and their fates) and
the synthetic example interview (transcript segments and index points), imported once per database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import DateTime, Table, select
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeDecorator

from archive.facade import Archive
from archive.store.migrations.schema import VERSION_TABLE, downgrade_schema, target_metadata, upgrade_schema
from archive.store.reflected import reflected_table
from tests.postgres_server import DATABASES, archive_database_url
from tests.support import FIXTURES

pytestmark = pytest.mark.slow  # two imports per database, and a schema taken down and up

# what a search reads (archive/search/engine.py, index_state.py, archive/store/vocabulary_table.py)
SEARCHED = {"index_state", "person", "quote", "quote_text", "quote_theme", "relative", "fate_event",
            "transcript_segment", "index_point", "vocabulary_term"}


@pytest.fixture(scope="module", params=DATABASES)
def engines(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
            generated_example: Path) -> Iterator[list[Engine]]:
    """One database of each kind per collection, imported."""
    root = tmp_path_factory.mktemp(f"reflected-{request.param}")
    archives = []
    try:
        for name, collection in (("fixture", FIXTURES / "collection"), ("example", generated_example)):
            home = root / name
            archive = Archive.open(home, archive_database_url(request.param, home, request))
            archives.append(archive)
            archive.import_collection(collection)
        yield [archive.engine for archive in archives]
    finally:
        for archive in archives:
            archive.close()


def _is_time(column_type: object) -> bool:
    stored = column_type.impl_instance if isinstance(column_type, TypeDecorator) else column_type
    return isinstance(stored, DateTime)


def _model_tables() -> list[Table]:
    return [table for name, table in sorted(target_metadata().tables.items()) if name != VERSION_TABLE]


def test_each_table_has_the_models_columns_but_the_times(engines: list[Engine]) -> None:
    with engines[0].connect() as conn:
        for model in _model_tables():
            reflected = reflected_table(conn, model.name)
            assert [column.name for column in reflected.columns] == [
                column.name for column in model.columns if not _is_time(column.type)], model.name


def test_each_value_reads_as_the_models_read_it(engines: list[Engine]) -> None:
    """Every column (JSON, dates, booleans, numbers, texts) of every row of every table."""
    tables_with_rows = set()
    for engine in engines:
        with engine.connect() as conn:
            for model in _model_tables():
                reflected = reflected_table(conn, model.name)
                key = [column.name for column in model.primary_key.columns]
                names = [column.name for column in reflected.columns]
                through_models = conn.execute(select(*(model.c[name] for name in names))
                                              .order_by(*(model.c[name] for name in key))).all()
                through_database = conn.execute(select(reflected).order_by(*(reflected.c[name] for name in key))).all()
                assert [tuple(row) for row in through_database] == [tuple(row) for row in through_models], model.name
                assert [[type(value) for value in row] for row in through_database] == [
                    [type(value) for value in row] for row in through_models], model.name
                if through_models:
                    tables_with_rows.add(model.name)
    assert SEARCHED <= tables_with_rows, SEARCHED - tables_with_rows  # else the comparison proves little


def test_a_schema_change_is_read_at_once(tmp_path: Path) -> None:
    """A process that changes the schema (``archive db upgrade``) and then searches reads the new columns."""
    archive = Archive.open(tmp_path / "home")
    try:
        with archive.engine.connect() as conn:
            assert "pseudonym" in reflected_table(conn, "relative").c
        downgrade_schema(archive.engine, "0009")  # before relatives had pseudonyms
        with archive.engine.connect() as conn:
            assert "pseudonym" not in reflected_table(conn, "relative").c
        upgrade_schema(archive.engine)
        with archive.engine.connect() as conn:
            assert "pseudonym" in reflected_table(conn, "relative").c
    finally:
        archive.close()
