"""``archive db …``: the schema revision of the archive's database (``archive/store/migrations/``).

The database module and Alembic are imported by each command when it runs, so that the help of
the command line does not load them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from archive.cli.context import Context, pass_context

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


@click.group("db")
def db() -> None:
    """The schema revision of the archive's database, and its upgrade to this version's.

    Back the archive up before an upgrade (`archive backup`, or your database's own tools).

    \b
    Example:
      archive db current
      archive db upgrade
    """


def _sqlite_file(url: str) -> Path | None:
    """The file of an SQLite database URL (None for another database, or SQLite in memory)."""
    from sqlalchemy import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


@contextmanager
def _database(ctx: Context, create: bool = False) -> Iterator[Engine | None]:
    """An engine on the archive's database without opening the archive (so no schema rule applies
    first), or None for an SQLite file that does not exist and is not to be ``create``d."""
    from archive.settings import resolve
    from archive.store.database import make_engine
    from archive.store.migrations.schema import SchemaError

    settings = resolve(ctx.home, ctx.database_url)
    sqlite_file = _sqlite_file(settings.database_url)
    if sqlite_file is not None and not sqlite_file.exists():
        if not create:
            yield None
            return
        sqlite_file.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url, settings.write_wait_seconds)
    try:
        yield engine
    except SchemaError as error:
        raise click.ClickException(str(error)) from None
    finally:
        engine.dispose()


def _no_database(ctx: Context) -> str:
    from archive.settings import resolve

    return f"no database yet at {resolve(ctx.home, ctx.database_url).database_url}: `archive import` creates it"


@db.command("upgrade")
@pass_context
def upgrade_command(ctx: Context) -> None:
    """Bring the database to this version's schema revision (creating it when there is none).

    Every revision runs in one transaction: if it is interrupted, the database stays at the
    revision it had. Run it once per deployment, before the web nodes of a new version start.

    \b
    Example:
      archive backup -o before-upgrade.tar && archive db upgrade
    """
    from archive.store.migrations.schema import upgrade_schema

    with _database(ctx, create=True) as engine:
        assert engine is not None  # created when missing
        click.echo(upgrade_schema(engine).summary())


@db.command("current")
@pass_context
def current_command(ctx: Context) -> None:
    """The database's schema revision, and whether it needs `archive db upgrade`.

    \b
    Example:
      archive db current
    """
    from archive.store.migrations.schema import current_state, describe, newest_revision

    with _database(ctx) as engine:
        if engine is None:
            click.echo(_no_database(ctx))
            return
        state = current_state(engine)
        newest = describe(newest_revision())
        if state.kind == "empty":
            click.echo(f"the database has no tables yet: `archive import` creates them at revision {newest}")
        elif state.kind == "newest":
            click.echo(f"revision {newest}: the newest this version knows")
        elif state.kind == "behind":
            click.echo(f"revision {describe(state.revision)}: older than this version's {newest}; "
                       "run `archive db upgrade`")
        else:
            upgrades = "" if state.revision == newest_revision() else f" and upgrades it to {newest}"
            click.echo(f"no revision recorded; the tables are those of revision {describe(state.revision)}: "
                       f"`archive db upgrade` records it{upgrades}")


@db.command("history")
@pass_context
def history_command(ctx: Context) -> None:
    """The schema revisions this version knows, oldest first; the database's is marked.

    \b
    Example:
      archive db history
    """
    from archive.store.migrations.schema import SchemaError, current_state, revisions

    current: str | None = None
    with _database(ctx) as engine:
        if engine is not None:
            try:
                state = current_state(engine)
            except SchemaError:
                state = None
            if state is not None and state.kind != "unversioned":
                current = state.revision
    for revision in revisions():
        mark = "  <- the database" if revision.id == current else ""
        click.echo(f"{revision.id}  {revision.title}{mark}")
