"""The schema revision of the archive's database, and the one way it changes.

Every database the archive opens goes through ``prepare_schema`` (``archive/store/database.py``):

- a database with none of the archive's tables is created at the newest revision (from the
  models, which a test proves equal to what the revisions build) and stamped with it;
- a database at the newest revision is used as it is;
- a database at an older revision is upgraded when its opener may change it, and otherwise
  refused with ``SchemaBehind``, which names ``archive db upgrade``;
- a database made before the schema had revisions (the archive's tables, no ``alembic_version``)
  is recognised by its tables and columns as the revision it matches, stamped with it, and then
  treated as a database at that revision;
- a database at a revision this code does not know was upgraded by a newer version of the
  archive, and is refused with ``SchemaTooNew``: it is never changed by older code.

A change runs in one transaction that holds the archive's write lock (``begin_writing`` of
``archive/store/database.py``: the one an import takes), and reads the revision again once it
holds it: two processes that open an old database at once upgrade it once, and a process
killed mid-way leaves the database at its old revision (SQLite and PostgreSQL change tables
transactionally).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import MetaData, create_engine, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator

from archive.store.reflected import forget_tables

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext
    from alembic.config import Config
    from alembic.script import ScriptDirectory

MIGRATIONS_FOLDER = Path(__file__).resolve().parent
VERSION_TABLE = "alembic_version"  # Alembic's own name for the table that holds the revision
# ``archive/store/crashpoints.py``: the tests kill an upgrade here, after a revision ran and before the commit
UPGRADE_CRASH_POINT = "schema-revision-applied"

StateKind = Literal["empty", "newest", "behind", "unversioned"]


class SchemaError(RuntimeError):
    """A database this version of the archive does not use as it stands; the message is one line
    that says what to do."""


class SchemaBehind(SchemaError):
    """An older revision, opened by a process that does not change the schema."""


class SchemaTooNew(SchemaError):
    """A revision this code does not know: a newer version of the archive upgraded the database."""


class SchemaUnrecognised(SchemaError):
    """The archive's tables without a revision, matching none of the revisions."""


@dataclass(frozen=True)
class Revision:
    id: str
    title: str  # the first line of the revision's docstring

    def __str__(self) -> str:
        return f"{self.id} ({self.title})"


@dataclass(frozen=True)
class SchemaState:
    kind: StateKind
    revision: str | None  # as recorded; for an unversioned database, the revision its tables match


@dataclass(frozen=True)
class SchemaChange:
    """What ``upgrade_schema`` did: ``before`` is None for a database it created."""

    before: str | None
    after: str
    recognised: bool = False  # the database had no revision: ``before`` is the one its tables matched

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def summary(self) -> str:
        after = describe(self.after)
        if self.before is None:
            return f"created the database at revision {after}"
        if self.recognised and not self.changed:
            return f"recorded revision {after} in the database, which had no revision but the tables of that one"
        if not self.changed:
            return f"the database is at revision {after}, the newest this version knows"
        note = " (recognised by its tables: no revision was recorded)" if self.recognised else ""
        return f"upgraded the database from revision {describe(self.before)}{note} to {after}"


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, made in code: the scripts are found inside the installed package,
    and no ``alembic.ini`` is needed. ``env.py`` runs on ``connection``."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_FOLDER))
    config.set_main_option("path_separator", "os")
    config.attributes["connection"] = connection
    return config


@functools.lru_cache(maxsize=1)
def _scripts() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


@functools.lru_cache(maxsize=1)
def revisions() -> tuple[Revision, ...]:
    """Every revision, oldest first."""
    found = []
    for script in _scripts().walk_revisions():  # newest first
        title = " ".join((script.module.__doc__ or "").strip().split("\n\n")[0].split()).rstrip(".")
        found.append(Revision(script.revision, title))
    return tuple(reversed(found))


def newest_revision() -> str:
    return revisions()[-1].id


def describe(revision: str | None) -> str:
    known = {known.id: known for known in revisions()}
    return str(known[revision]) if revision in known else repr(revision)


def target_metadata() -> MetaData:
    """Every table of the archive, as the models define them."""
    from sqlmodel import SQLModel

    from archive.store import database  # noqa: F401  (registers every table)

    return SQLModel.metadata


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """A revision names plain SQLAlchemy types, so that it never depends on SQLModel's: a column of
    SQLModel's own type (a string, a UTC datetime) is written as the SQLAlchemy type it stores as."""
    if type_ == "type" and isinstance(obj, TypeDecorator) and type(obj).__module__.startswith("sqlmodel"):
        return f"sa.{obj.impl_instance!r}"
    return False


# Opening a database at the newest revision is the common case, and needs no Alembic (whose import
# costs more than the rest of the open): the two functions below answer it from the version table
# and the names of the revision files; tests/store/test_migrations.py holds them equal to Alembic's answers.

def newest_revision_quickly() -> str:
    """The newest revision's id, from the file names alone: a revision file is named ``<id>_<slug>.py``
    with ids that sort in the order of the revisions (``python -m archive.store.migrations revision``
    names them so)."""
    return max(path.name.split("_", 1)[0] for path in (MIGRATIONS_FOLDER / "versions").glob("[0-9]*_*.py"))


def recorded_revision_quickly(conn: Connection) -> str | None:
    """The revision the database records, read from Alembic's version table with plain SQL."""
    if not inspect(conn).has_table(VERSION_TABLE):
        return None
    recorded: list[str] = list(conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars())
    return recorded[0] if len(recorded) == 1 else None


def _recorded_revision(conn: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def _columns(conn: Connection, tables: frozenset[str] | None = None) -> frozenset[tuple[str, str]]:
    """(table, column) for each table of the database (of ``tables`` only, when given)."""
    inspector = inspect(conn)
    names = [name for name in inspector.get_table_names()
             if name != VERSION_TABLE and (tables is None or name in tables)]
    return frozenset((name, column["name"]) for name in names for column in inspector.get_columns(name))


@functools.lru_cache(maxsize=1)
def _columns_by_revision() -> dict[str, frozenset[tuple[str, str]]]:
    """The tables and columns each revision has, found by running the revisions on an empty
    database in memory (only ever asked for an unversioned database)."""
    engine = create_engine("sqlite://", poolclass=StaticPool)
    found: dict[str, frozenset[tuple[str, str]]] = {}
    try:
        for revision in revisions():
            with engine.begin() as conn:
                _run(conn, "upgrade", revision.id)
            with engine.connect() as conn:
                found[revision.id] = _columns(conn)
    finally:
        engine.dispose()
    return found


def _archive_tables() -> frozenset[str]:
    """Every table any revision has had."""
    return frozenset({name for columns in _columns_by_revision().values() for name, _ in columns}
                     | set(target_metadata().tables))


def schema_state(conn: Connection) -> SchemaState:
    """Where the database stands against this version's revisions. Raises ``SchemaTooNew`` for a
    revision this code does not know, and ``SchemaUnrecognised`` for a database with the archive's
    tables, no revision, and tables that match no revision."""
    revision = _recorded_revision(conn)
    if revision is not None:
        if revision == newest_revision():
            return SchemaState("newest", revision)
        if revision in {known.id for known in revisions()}:
            return SchemaState("behind", revision)
        raise SchemaTooNew(
            f"the database {_name(conn)} has schema revision {revision!r}, which this version of the archive does "
            f"not know (its newest is {newest_revision()}): a newer version upgraded it; run that version, or "
            "restore the backup made before the upgrade")
    present = set(inspect(conn).get_table_names())
    if not present & set(target_metadata().tables):
        return SchemaState("empty", None)
    columns = _columns(conn, _archive_tables())
    matches = [revision for revision, expected in _columns_by_revision().items() if expected == columns]
    if not matches:
        raise SchemaUnrecognised(
            f"the database {_name(conn)} has the archive's tables but no schema revision, and its tables match "
            "none of this version's revisions; move it aside and run `archive import` again (then add the "
            "accounts again with `archive user add`)")
    return SchemaState("unversioned", matches[-1])


def _name(conn: Connection) -> str:
    return conn.engine.url.render_as_string(hide_password=True)


def prepare_schema(engine: Engine, upgrade: bool = True) -> SchemaChange | None:
    """Make ``engine``'s database usable by this version (the rules at the top of this module).

    ``upgrade=False``: a database at an older revision is refused (``SchemaBehind``) rather than
    upgraded. A new, empty database is created whichever is asked: there is nothing to race for.
    Returns what changed, or None when the database was at the newest revision already."""
    with engine.connect() as conn:  # a plain read: no write lock while the schema is as it should be
        if recorded_revision_quickly(conn) == newest_revision_quickly():
            return None
        state = schema_state(conn)
        if state.kind == "newest":
            return None
        # empty: nothing to race for; unversioned at the newest revision: only the revision is written
        recording_only = state.kind == "unversioned" and state.revision == newest_revision()
        if state.kind != "empty" and not recording_only and not upgrade:
            raise SchemaBehind(
                f"the database {_name(conn)} has schema revision {describe(state.revision)}, older than this "
                f"version's {newest_revision()}: back it up, then run `archive db upgrade`")
    return upgrade_schema(engine)


def upgrade_schema(engine: Engine, target: str = "head") -> SchemaChange:
    """Bring the database to ``target`` (default: the newest revision), creating it when it is empty.

    A new database bound for ``"head"`` is made from the models in one step; for a target named by
    its id, and for every existing database, the revisions run one after another. All of it is one
    transaction under the database's write lock."""
    revisions()  # Alembic loaded and the revisions read before the lock is taken, not while others wait for it
    with schema_transaction(engine) as conn:
        state = schema_state(conn)  # again: another process may have changed it before the lock was ours
        if state.kind == "empty" and target == "head":
            target_metadata().create_all(conn)
            _run(conn, "stamp", "head")
            return SchemaChange(None, newest_revision())
        if state.kind == "unversioned" and state.revision is not None:
            _run(conn, "stamp", state.revision)
        _run(conn, "upgrade", target)
        after = _recorded_revision(conn)
        if after is None:
            raise SchemaError(f"the upgrade of {_name(conn)} recorded no revision")
        return SchemaChange(state.revision, after, recognised=state.kind == "unversioned")


def _run(conn: Connection, command_name: Literal["upgrade", "downgrade", "stamp"], revision: str) -> None:
    """An Alembic command on ``conn``, inside the transaction the caller holds."""
    from alembic import command

    getattr(command, command_name)(alembic_config(conn), revision)


def downgrade_schema(engine: Engine, target: str) -> SchemaChange:
    """Take the database back to ``target`` (for developers: the revisions' ``downgrade`` functions).
    An archive's database is derived from its collection; users upgrade, or restore a backup."""
    with schema_transaction(engine) as conn:
        before = _recorded_revision(conn)
        _run(conn, "downgrade", target)
        after = _recorded_revision(conn)
        return SchemaChange(before, after or "base")


def current_state(engine: Engine) -> SchemaState:
    with engine.connect() as conn:
        return schema_state(conn)


@contextmanager
def schema_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction holding the archive's write lock from its first statement (so an upgrade and an
    import never run at once); committed when the block ends without an error, rolled back otherwise.

    SQLite: foreign keys are off for its duration and checked before the commit, as SQLite's way
    of changing a table by copying it requires (https://www.sqlite.org/lang_altertable.html#otheralter):
    with them on, dropping the old copy of a table that others refer to would fail or cascade."""
    from archive.store.database import begin_writing  # (that module imports this one)

    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        if sqlite:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # only outside a transaction does it take effect
        begin_writing(conn)
        try:
            yield conn
            if sqlite:
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise SchemaError(f"the schema change of {_name(conn)} would leave {len(broken)} row(s) "
                                      f"referring to rows that do not exist (first: {tuple(broken[0])}); "
                                      "nothing was changed")
            conn.commit()
        finally:
            if conn.in_transaction():
                conn.rollback()
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()
            forget_tables(engine)  # the tables read from the database's catalogue may have changed


def schema_differences(conn: Connection) -> list[Any]:
    """What Alembic's autogenerate finds between the database on ``conn`` and the models: empty when
    the revisions build exactly the tables the models define."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
    return list(compare_metadata(context, target_metadata()))
