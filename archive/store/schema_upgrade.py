"""Bringing an existing database up to the current tables.

The database is derived from the YAML collection, so a new version of the archive only
ever *adds* nullable columns (a pseudonym's real name, private notes, …). ``create_all``
creates missing tables but never alters existing ones; this adds the missing columns, so
an archivist's existing ``instance/`` keeps working after an upgrade. A change that is
not additive must come with its own migration, and this refuses to guess it.
"""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlalchemy.schema import CreateColumn
from sqlmodel import SQLModel


class SchemaMismatch(RuntimeError):
    """The database has a column the code does not know how to add (not nullable, no default)."""


def add_missing_columns(engine: Engine) -> list[str]:
    """Add every nullable column the models define and the database lacks; return ``table.column`` names."""
    inspector = inspect(engine)
    existing_tables = set(inspector.get_table_names())
    added: list[str] = []
    with engine.begin() as conn:
        for table in SQLModel.metadata.sorted_tables:
            if table.name not in existing_tables:
                continue  # create_all makes it whole
            present = {column["name"] for column in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name in present:
                    continue
                if not column.nullable and column.server_default is None:
                    raise SchemaMismatch(
                        f"the database table {table.name!r} lacks the required column {column.name!r}; "
                        "rebuild the database: move it aside and run `archive import` again"
                    )
                ddl = CreateColumn(column).compile(dialect=engine.dialect)
                conn.exec_driver_sql(f'ALTER TABLE "{table.name}" ADD COLUMN {ddl}')
                added.append(f"{table.name}.{column.name}")
    return added
