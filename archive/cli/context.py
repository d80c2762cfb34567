"""What every ``archive`` command shares: the archive it works on, the viewer option, and how an
invalid collection is reported.

Kept free of heavy imports (SQLAlchemy, Whoosh, Flask…) so that ``archive --help`` and a
command's ``--help`` answer at once; the archive opens when a command first asks for it.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from archive.facade import Archive


class Context:
    """The ``--home`` and ``--database-url`` of the command line, and the archive they name."""

    def __init__(self, home: str | None, database_url: str | None):
        self.home = home
        self.database_url = database_url
        self._archive: Archive | None = None

    @property
    def opened(self) -> bool:
        """Whether a command has opened the archive."""
        return self._archive is not None

    @property
    def archive(self) -> Archive:
        if self._archive is None:
            from archive.facade import Archive

            self._archive = Archive.open(self.home, self.database_url)
        return self._archive


pass_context = click.make_pass_decorator(Context)


@contextmanager
def reported_problems() -> Iterator[None]:
    """Every problem of an invalid collection on stderr, then exit status 1 (shared with the web commands)."""
    from archive.collection.problems import InvalidCollection

    try:
        yield
    except InvalidCollection as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(exc.problems)} problem(s) found; nothing was written.", err=True)
        sys.exit(1)


class LazyChoice(click.Choice):
    """A choice among the values of ``module.attribute``, read when an option is parsed or its help shown.

    The lists of roles live in modules that import SQLAlchemy; the command line names them
    here without importing them until a command that takes the option runs.
    """

    def __init__(self, module: str, attribute: str) -> None:
        self._source = (module, attribute)
        self._choices: tuple[str, ...] | None = None
        self.case_sensitive = True

    @property
    def choices(self) -> tuple[str, ...]:
        if self._choices is None:
            module, attribute = self._source
            self._choices = tuple(getattr(importlib.import_module(module), attribute))
        return self._choices

    @choices.setter
    def choices(self, values: Iterable[str]) -> None:
        self._choices = tuple(values)


viewer_option = click.option(
    "--viewer", "viewer_role", type=LazyChoice("archive.access.visibility", "ROLES"), default="anonymous",
    show_default=True,
    help="See the archive as this kind of viewer (restricted records are shown to researchers and archivists).",
)
