"""Failures of the machine rather than of the collection, a setting given a value it cannot take,
and a search before anything was imported, said in one line each.

Every ``archive`` command runs inside ``clear_failures``: a database another process holds
longer than the write wait (``ARCHIVE_WRITE_WAIT_SECONDS``), a full disk (or a file past the size
the system allows), a damaged database file and a setting given a value it cannot take end the
command with one line on stderr saying what happened and what to do, and exit status 1, instead
of a traceback. Nothing is lost in any of them: an import or
reindex that could not finish leaves the archive as it was (``archive/search/index_state.py``).

Kept free of heavy imports, like the rest of the command line: SQLAlchemy is imported only
once a failure has to be told apart.
"""

from __future__ import annotations

import errno
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

# errno values that mean "no room to write": no space left, quota exceeded, a file larger
# than the limit the system sets for this process
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
UNTOUCHED = "the archive is as it was before this command"
POSTGRESQL_LOCK_NOT_AVAILABLE = "55P03"  # the SQLSTATE of a lock not taken within lock_timeout


def database_failure(error: BaseException) -> str | None:
    """What a database error means to the person running the command, or None for another error."""
    from sqlalchemy.exc import DatabaseError

    if not isinstance(error, DatabaseError):  # OperationalError is one
        return None
    reason = str(error.orig).lower() if error.orig is not None else str(error).lower()
    # PostgreSQL: another writer held the archive's advisory lock past the write wait
    lock_not_available = getattr(error.orig, "sqlstate", None) == POSTGRESQL_LOCK_NOT_AVAILABLE
    if "database is locked" in reason or "database table is locked" in reason or lock_not_available:
        return ("the archive's database is busy: another import, reindex or restore is writing to it; "
                f"try again when it has finished ({UNTOUCHED})")
    if "disk is full" in reason or "disk i/o error" in reason:
        return (f"could not write to the archive's database: the disk is full, or failing ({reason}); "
                f"free some space and run the command again ({UNTOUCHED})")
    if "malformed" in reason or "not a database" in reason or "corrupt" in reason:
        return (f"the archive's database file is damaged ({reason}); run `archive check` to see what is damaged, "
                "and restore the last backup with `archive restore`")
    return None


def disk_failure(error: BaseException) -> str | None:
    """What a failed write means, for an error of the operating system that says the disk is full."""
    if isinstance(error, OSError) and error.errno in DISK_FULL_ERRNOS:
        where = f" {error.filename}" if error.filename else ""
        return (f"could not write{where}: {error.strerror or 'no space left'} (the disk is full, or the file is larger "
                f"than this system allows); free some space and run the command again ({UNTOUCHED})")
    return None


def missing_index(error: BaseException) -> str | None:
    """What a search before any import means (the archive has no index yet)."""
    from archive.search.index_store import IndexMissing

    return str(error) if isinstance(error, IndexMissing) else None


def schema_failure(error: BaseException) -> str | None:
    """A database whose schema revision this version cannot use (newer, unrecognised, or older
    where the opener does not upgrade): its own one-line message."""
    from archive.store.migrations.schema import SchemaError

    return str(error) if isinstance(error, SchemaError) else None


def setting_failure(error: BaseException) -> str | None:
    """An environment variable of ``archive/settings.py`` given a value it cannot take."""
    from archive.settings import SettingError

    return str(error) if isinstance(error, SettingError) else None


def failure_line(error: BaseException) -> str | None:
    """The one line that tells a failure of the machine, or None when ``error`` is not one (nor
    caused by one: a library may raise its own error from the operating system's)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        line = (database_failure(current) or disk_failure(current) or schema_failure(current)
                or missing_index(current) or setting_failure(current))
        if line is not None:
            return line
        current = current.__cause__ or current.__context__
    return None


def damaged_index_line(home: str | None, database_url: str | None) -> str | None:
    """After an error no rule above knows: the line that says the search index is damaged, if it is
    (a damaged index fails in many ways, EOFError among them, which click would report as "Aborted!")."""
    from archive.health import index_damage
    from archive.settings import resolve

    damage = index_damage(resolve(home, database_url).index_dir)
    return str(damage[0]) if damage else None


@contextmanager
def clear_failures(archive_context: Callable[[], Any] | None = None) -> Iterator[None]:
    """Run a command; a failure ``failure_line`` knows becomes ``error: …`` and exit status 1.

    ``archive_context`` gives the command line's ``Context`` (its ``home`` and ``database_url``),
    once the command has started: an error no rule knows is then checked against the index."""
    try:
        yield
    except Exception as error:  # told apart below; anything else goes on as it was
        line = failure_line(error)
        if line is None:
            context = archive_context() if archive_context is not None else None
            if context is not None and context.opened:
                line = damaged_index_line(context.home, context.database_url)
        if line is None:
            raise
        click.echo(f"error: {line}", err=True)
        sys.exit(1)
