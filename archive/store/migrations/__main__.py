"""The developers' migration tool (docs/development.md):

    python -m archive.store.migrations revision "what changes"   # write the next revision
    python -m archive.store.migrations check                     # the revisions equal the models?

``revision`` runs Alembic's autogenerate against a scratch SQLite database built by the existing
revisions, so it needs no database of the developer's; the new file is numbered after the newest
(``0009_what_changes.py``) and is to be read and completed by hand before it is committed.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import click
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from archive.store.migrations.schema import (
    MIGRATIONS_FOLDER,
    alembic_config,
    newest_revision,
    schema_differences,
    upgrade_schema,
)


def _scratch_database(folder: str) -> Engine:
    """An SQLite database in ``folder`` built by every existing revision."""
    engine = create_engine(f"sqlite:///{Path(folder) / 'scratch.sqlite3'}")
    upgrade_schema(engine, newest_revision())  # by the revisions (an id, not "head")
    return engine


@click.group()
def tool() -> None:
    """Write and check the revisions of the archive's database schema."""


@tool.command("revision")
@click.argument("message")
def revision_command(message: str) -> None:
    """Write the next revision: what the models define and the revisions do not build yet."""
    from alembic import command

    with tempfile.TemporaryDirectory() as folder:
        engine = _scratch_database(folder)
        try:
            with engine.connect() as conn:
                if not schema_differences(conn):
                    click.echo("the revisions already build what the models define; writing an empty revision "
                               "(for a change of data rather than of tables)", err=True)
                next_id = f"{int(newest_revision()) + 1:04d}"
                script = command.revision(alembic_config(conn), message=message, autogenerate=True, rev_id=next_id)
        finally:
            engine.dispose()
    scripts = script if isinstance(script, list) else [script]
    for written in scripts:
        if written is not None:
            click.echo(f"wrote {Path(written.path).relative_to(MIGRATIONS_FOLDER.parents[2])}: read it, complete it, "
                       "then run: python -m archive.store.migrations check")


@tool.command("check")
def check_command() -> None:
    """Exit 1, listing them, when the revisions build tables that differ from the models."""
    with tempfile.TemporaryDirectory() as folder:
        engine = _scratch_database(folder)
        try:
            with engine.connect() as conn:
                differences = schema_differences(conn)
        finally:
            engine.dispose()
    for difference in differences:
        click.echo(f"not built by any revision: {difference}", err=True)
    if differences:
        click.echo('write a revision: python -m archive.store.migrations revision "what changes"', err=True)
        sys.exit(1)
    click.echo(f"the revisions, up to {newest_revision()}, build exactly the tables the models define")


if __name__ == "__main__":
    tool()
