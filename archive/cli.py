"""The ``archive`` command: a thin click face over the library (``archive.home.Archive``)."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

import click

from archive import collection_format
from archive.collection_loader import read_collection
from archive.home import Archive
from archive.problems import InvalidCollection
from archive.settings import DEFAULT_COLLECTION
from archive.visibility import ROLES, viewer_for


def _progress(label: str):  # type: ignore[no-untyped-def]
    """A progress bar on a terminal; silence when the output is a pipe or a file."""

    def wrap(paths: list[Path]) -> Iterable[Path]:
        if not sys.stderr.isatty() or len(paths) < 50:
            return paths
        return _bar(paths, label)

    return wrap


def _bar(paths: list[Path], label: str) -> Iterator[Path]:
    with click.progressbar(paths, label=label, file=sys.stderr, show_pos=True, show_eta=True) as bar:
        yield from bar


@contextmanager
def _reported_problems() -> Iterator[None]:
    try:
        yield
    except InvalidCollection as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(exc.problems)} problem(s) found; nothing was written.", err=True)
        sys.exit(1)


class Context:
    def __init__(self, home: str | None, database_url: str | None):
        self.home = home
        self.database_url = database_url
        self._archive: Archive | None = None

    @property
    def archive(self) -> Archive:
        if self._archive is None:
            self._archive = Archive.open(self.home, self.database_url)
        return self._archive


pass_context = click.make_pass_decorator(Context)
viewer_option = click.option(
    "--viewer", "viewer_role", type=click.Choice(ROLES), default="anonymous", show_default=True,
    help="See the archive as this kind of viewer (restricted records are shown to researchers and archivists).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--home", envvar="ARCHIVE_HOME", type=click.Path(file_okay=False),
              help="Archive home folder (database and index). Default: $ARCHIVE_HOME or ./instance")
@click.option("--database-url", envvar="DATABASE_URL", help="Another database (SQLAlchemy URL). Default: SQLite in the home.")
@click.version_option(package_name="red-soul-archive")
@click.pass_context
def main(ctx: click.Context, home: str | None, database_url: str | None) -> None:
    """An oral-history interview archive.

    \b
    Example:
      archive import data/      # validate and load the collection
      archive stats             # what the archive holds
    """
    ctx.obj = Context(home, database_url)


@main.command("check")
@click.argument("path", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_COLLECTION)
def check_command(path: Path) -> None:
    """Validate a collection folder without writing anything.

    Every problem is reported at once as FILE:LINE: FIELD: MESSAGE, and the exit
    status is 1 when there is any.

    \b
    Example:
      archive check data/
    """
    with _reported_problems():
        collection = read_collection(path, _progress("checking"))
    quotes = sum(len(p.quotes) for p in collection.people)
    click.echo(f"{path}: valid ({len(collection.people)} people, {quotes} quotes, {len(collection.sources)} sources)")


@main.command("import")
@click.argument("path", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_COLLECTION)
@pass_context
def import_command(ctx: Context, path: Path) -> None:
    """Validate a collection and load it into the archive, all or nothing.

    Re-importing is idempotent: unchanged records are not touched, changed ones are
    updated and records removed from the files are deleted.

    \b
    Example:
      archive import data/
    """
    with _reported_problems():
        report = ctx.archive.import_collection(path, _progress("reading"))
    for line in report.summary_lines():
        click.echo(line)


@main.command("schema")
@click.option("--file", "which", type=click.Choice(["collection", "vocabulary", "person"]),
              help="Only the schema of one kind of file.")
def schema_command(which: str | None) -> None:
    """Print the JSON Schema of the collection format (for editors' YAML validation).

    \b
    Example:
      archive schema --file person > person.schema.json
    """
    schemas = collection_format.json_schemas()
    key = {"collection": "collection.yaml", "vocabulary": "vocabulary.yaml", "person": "people/*.yaml"}.get(which or "")
    click.echo(json.dumps(schemas[key] if key else schemas, indent=2, ensure_ascii=False))


@main.command("stats")
@viewer_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@pass_context
def stats_command(ctx: Context, viewer_role: str, as_json: bool) -> None:
    """Counts per stance, theme and fate of relatives.

    \b
    Example:
      archive stats --viewer researcher
    """
    stats = ctx.archive.stats(viewer_for(viewer_role))
    if as_json:
        click.echo(json.dumps(stats.__dict__, indent=2, ensure_ascii=False))
        return
    click.echo(f"people: {stats.people}  quotes: {stats.quotes}  relatives: {stats.relatives}  sources: {stats.sources}")
    for title, counts in (
        ("people by stance", stats.people_by_stance),
        ("quotes by stance", stats.quotes_by_stance),
        ("quotes by theme", stats.quotes_by_theme),
        ("relatives by fate", stats.relatives_by_fate),
    ):
        click.echo(f"{title}:")
        for key, value in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            click.echo(f"  {key:<28} {value}")


@main.command("run")
@click.argument("path", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_COLLECTION)
@pass_context
def run_command(ctx: Context, path: Path) -> None:
    """Load the collection at PATH into the archive and summarise it.

    \b
    Example:
      archive run data/
    """
    with _reported_problems():
        report = ctx.archive.import_collection(path, _progress("reading"))
    for line in report.summary_lines():
        click.echo(line)
    ctx_obj = click.get_current_context()
    ctx_obj.invoke(stats_command, viewer_role="anonymous", as_json=False)


def _load_plugin_commands() -> None:
    """Commands that other packages add (the web app adds ``serve`` and replaces ``run``).

    They register under the ``archive.commands`` entry-point group, so this core package
    never imports the web framework.
    """
    from importlib.metadata import entry_points

    for entry in entry_points(group="archive.commands"):
        command = entry.load()
        main.add_command(command, entry.name)


_load_plugin_commands()

if __name__ == "__main__":  # pragma: no cover
    main()
