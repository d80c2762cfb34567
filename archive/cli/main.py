"""The ``archive`` command: a thin click face over the library (``archive.facade.Archive``).

Each command imports what it needs when it runs, so that ``archive --help`` and a command's
``--help`` load click and a few small modules only. The web commands come from other
packages (the ``archive.commands`` entry points) and are imported when one of them runs.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from archive.cli.backup import backup_command, restore_command
from archive.cli.context import Context, pass_context, reported_problems, viewer_option
from archive.cli.db import db as db_group
from archive.cli.failures import clear_failures
from archive.cli.users import user as user_group
from archive.search.request import KINDS, MAX_PAGE, MAX_PER_PAGE, SORTS, SearchRequest
from archive.settings import DEFAULT_COLLECTION, resolve

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

    from archive.access.visibility import Viewer

__all__ = ["Context", "main", "pass_context", "reported_problems"]

PLUGIN_GROUP = "archive.commands"


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


def _viewer(role: str) -> Viewer:
    from archive.access.visibility import viewer_for

    return viewer_for(role)


class ArchiveGroup(click.Group):
    """The built-in commands, and those that other packages register under ``archive.commands``.

    A registered command is imported only when it runs or its own help is asked for, so this
    core package never imports the web framework; ``archive --help`` lists it by name. A
    built-in command keeps its name when a package registers the same one.
    """

    @cached_property
    def _plugins(self) -> dict[str, EntryPoint]:
        from importlib.metadata import entry_points

        return {entry.name: entry for entry in entry_points(group=PLUGIN_GROUP)}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self._plugins))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in self._plugins:
            command = self._plugins[cmd_name].load()
            self.add_command(command, cmd_name)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        """Every command: a busy database, a full disk or a damaged file is one line and exit
        status 1 (``archive/cli/failures.py``), not a traceback."""
        with clear_failures(lambda: ctx.obj):
            return super().invoke(ctx)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.commands.get(name)
            if command is not None:
                if not command.hidden:
                    rows.append((name, command.get_short_help_str(formatter.width - 6 - len(name))))
            else:
                package = self._plugins[name].module.split(".")[0]
                rows.append((name, f"(from {package}) see: archive {name} --help"))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=ArchiveGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--home", envvar="ARCHIVE_HOME", type=click.Path(file_okay=False),
              help="Archive home folder (database and index). Default: $ARCHIVE_HOME or ./instance")
@click.option("--database-url", envvar="DATABASE_URL",
              help="Another database (SQLAlchemy URL). Default: SQLite in the home.")
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
@click.option("--index/--no-index", default=True, show_default=True,
              help="Also check that the archive's search index agrees with its database.")
@pass_context
def check_command(context: Context, path: Path, index: bool) -> None:
    """Validate a collection folder without writing anything.

    Every problem is reported at once as FILE:LINE: FIELD: MESSAGE, and the exit
    status is 1 when there is any. Then the archive's database is named and checked (an
    SQLite file by SQLite's PRAGMA integrity_check; PostgreSQL: reachable, schema current)
    and its search index opened, each damaged part named on one line; then the index is
    compared with the database, and the command that repairs a disagreement is named.

    \b
    Example:
      archive check data/
    """
    from archive.collection.loader import read_collection

    with reported_problems():
        collection = read_collection(path, _progress("checking"))
    quotes = sum(len(p.quotes) for p in collection.people)
    click.echo(f"{path}: valid ({len(collection.people)} people, {quotes} quotes, {len(collection.sources)} sources)")
    if index:
        settings = resolve(context.home, context.database_url)
        if not settings.home.exists():
            click.echo(f"no archive in {settings.home} yet: `archive import {path}` creates it")
            return
        from archive.health import archive_damage, database_description, sqlite_path

        click.echo(f"the archive's database: {database_description(settings.database_url)}")
        damage = archive_damage(settings.database_url, settings.index_dir)
        if damage:  # before the archive is opened: a damaged file is named, not met by a crash
            for found in damage:
                click.echo(str(found), err=True)
            if any(found.part == "database" for found in damage) and sqlite_path(settings.database_url) is not None:
                click.echo("the archive's database is damaged: restore the last backup with: archive restore",
                           err=True)
            sys.exit(1)
        archive = context.archive
        if archive.is_empty():
            click.echo(f"the archive in {archive.settings.home} is empty: run `archive import {path}`")
            return
        from archive.search.node_sync import node_status

        node = node_status(archive.index)
        if node.status == "behind":  # a node of a shared database, or an index left behind by hand
            click.echo(f"search index: behind the database ({node.problem}); a running web node brings it up to "
                       "date by itself (ARCHIVE_SYNC_SECONDS)", err=True)
        result = archive.check_index()
        if result.ok:
            click.echo(f"search index: consistent with the database ({result.documents} documents)")
        else:
            for problem in result.problems:
                click.echo(f"search index: {problem}", err=True)
            click.echo("the search index disagrees with the database; repair it with: archive reindex", err=True)
            sys.exit(1)


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
    with reported_problems():
        report = ctx.archive.import_collection(path, _progress("importing"))
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
    from archive.collection import format as collection_format

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
    from archive.store.vocabulary_table import load_vocabulary

    stats = ctx.archive.stats(_viewer(viewer_role))
    if as_json:
        click.echo(json.dumps(stats.__dict__, indent=2, ensure_ascii=False))
        return
    with ctx.archive.engine.connect() as conn:
        vocabulary = load_vocabulary(conn)
    click.echo(f"people: {stats.people}  quotes: {stats.quotes}  relatives: {stats.relatives}  "
               f"sources: {stats.sources}")
    for title, kind, counts in (
        ("people by stance", "stances", stats.people_by_stance),
        ("quotes by stance", "stances", stats.quotes_by_stance),
        ("quotes by theme", "themes", stats.quotes_by_theme),
        ("relatives by fate", "fates", stats.relatives_by_fate),
    ):
        click.echo(f"{title}:")
        for key, value in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            click.echo(f"  {vocabulary.label(kind, key):<40} {value}")


def _doc_progress(documents, total):  # type: ignore[no-untyped-def]
    """A progress bar with rate and time left, on a terminal only."""
    if not sys.stderr.isatty():
        return documents
    return _doc_bar(documents, total)


def _doc_bar(documents, total):  # type: ignore[no-untyped-def]
    started = time.monotonic()
    done = 0

    def rate(_item: object) -> str:
        elapsed = max(time.monotonic() - started, 1e-6)
        return f"{done / elapsed:,.0f} docs/s"

    with click.progressbar(length=total, label="indexing", file=sys.stderr, show_eta=True, show_pos=True,
                           item_show_func=rate) as bar:
        for doc in documents:
            yield doc
            done += 1
            bar.update(1, doc)


@main.command("reindex")
@click.option("--procs", type=click.IntRange(1, 16), default=None,
              help="Writer processes (Whoosh's multiprocessing writer). Default: 2 for large collections.")
@pass_context
def reindex_command(ctx: Context, procs: int | None) -> None:
    """Rebuild the search index from the database and swap it in atomically.

    Searches running meanwhile keep using the old index until the new one is complete.

    \b
    Example:
      archive reindex
    """
    started = time.monotonic()
    count = ctx.archive.reindex(_doc_progress, procs=procs)
    elapsed = time.monotonic() - started
    click.echo(f"indexed {count} documents in {elapsed:.1f} s ({count / max(elapsed, 1e-6):,.0f} docs/s)")


def search_filter_options(command):  # type: ignore[no-untyped-def]
    """The filters of a search, shared by `search` and `export` so both read the same query."""
    options = [
        click.option("--stance", multiple=True, help="Stance of the passage (repeat for OR)."),
        click.option("--person-stance", multiple=True, help="Overall stance of the person."),
        click.option("--theme", multiple=True, help="Theme id (repeat for OR)."),
        click.option("--person", multiple=True, help="Person id."),
        click.option("--fate", multiple=True, help="Fate of a relative."),
        click.option("--lang", multiple=True, help="Language of the text."),
        click.option("--source", multiple=True, help="Source id."),
        click.option("--place", multiple=True, help="Place name."),
        click.option("--decade", multiple=True, help="Decade, e.g. 1930s."),
        click.option("--within", "within_person", help="Search inside one person's testimony."),
        click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@main.command("search")
@click.argument("query", default="")
@search_filter_options
@click.option("--kind", multiple=True, type=click.Choice(KINDS), help="Kind of record.")
@click.option("--page", type=click.IntRange(1, MAX_PAGE), default=1, show_default=True)
@click.option("--per-page", type=click.IntRange(1, MAX_PER_PAGE), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the whole result as JSON.")
@viewer_option
@pass_context
def search_command(ctx: Context, query: str, within_person: str | None, sort: str, page: int, per_page: int,
                   as_json: bool, viewer_role: str, **facets: tuple[str, ...]) -> None:
    """Search the testimonies, portraits and family histories.

    Words must all match; use "phrases", OR, -exclusion, prefix*, word~ and filters
    like theme:the-gulag in the query, or the options.

    \b
    Example:
      archive search stalin --person-stance admirer
      archive search '"shark feed"' --json
    """
    from archive.search.request import BadSearchRequest

    filters = {name: values for name, values in facets.items() if values}
    try:
        request = SearchRequest(query=query, filters=filters, sort=sort, page=page, per_page=per_page,
                                within_person=within_person)
    except BadSearchRequest as exc:  # a limit of archive/search/request.py
        raise click.UsageError(str(exc)) from None
    if request.query_truncated:
        click.echo(f"the query was cut to its first {len(request.query):,} characters", err=True)
    result = ctx.archive.search(request, _viewer(viewer_role))
    if as_json:
        from archive.search.snippets import plain_with_matches

        answer = dataclasses.asdict(result)
        for hit in answer["hits"]:  # snippets are HTML with <mark>; "texts" are plain, with match offsets
            hit["texts"] = {lang: plain_with_matches(html) for lang, html in hit["snippets"].items()}
            hit["fact_texts"] = {lang: plain_with_matches(html) for lang, html in hit["facts"].items()}
        click.echo(json.dumps(answer, indent=2, ensure_ascii=False, default=str))
        return
    if result.corrected_query:
        click.echo(f"no results for {query!r}; showing results for {result.corrected_query!r}")
    elif result.suggestion:
        click.echo(f"did you mean: {result.suggestion}")
    click.echo(f"{result.total} result(s), page {page} of {result.pages} ({result.elapsed_ms:.1f} ms)")
    for hit in result.hits:
        click.echo(f"\n[{hit.kind}] {hit.title}  ({hit.id}; stance: {hit.stance or '-'})")
        for lang, text in hit.snippets.items():
            click.echo(f"  {lang}: {_for_terminal(text, bold=sys.stdout.isatty())}")
        for lang, text in hit.facts_shown("en").items():
            click.echo(f"  {lang}: {_for_terminal(text, bold=sys.stdout.isatty())}")
        if hit.matched_terms:  # found through the vocabulary: a theme's synonym, a stance's label…
            click.echo("  matched: " + "; ".join(f"{kind} {', '.join(ids)}" for kind, ids in hit.matched_terms.items()))


def _for_terminal(html_snippet: str, bold: bool) -> str:
    """A snippet as text: the matched words in bold on a terminal, plain where the output is piped."""
    parts = re.split(r"<mark>(.*?)</mark>", html_snippet)
    return "".join(click.style(html.unescape(part), bold=True) if n % 2 and bold else html.unescape(part)
                   for n, part in enumerate(parts))


@main.command("export")
@click.argument("query", default="")
@click.option("--format", "fmt", required=True,
              type=click.Choice(["csv", "jsonl", "json", "datapackage", "yaml"]),
              help="csv (spreadsheets), jsonl, json, datapackage (Frictionless, folder or .zip), "
                   "yaml (the collection format, folder or .zip).")
@search_filter_options
@click.option("--person-record", help="Instead of a search: one person's whole testimony.")
@click.option("--theme-record", help="Instead of a search: every quote on one theme.")
@click.option("--collection", "whole_collection", is_flag=True,
              help="Instead of a search: the whole collection (the default when nothing is asked).")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="File to write (default: standard output). For datapackage and yaml: a new folder, "
                   "or a file ending in .zip.")
@click.option("--base-url", envvar="ARCHIVE_BASE_URL", default="http://127.0.0.1:5000", show_default=True,
              help="The public address of the archive, for permalinks (or $ARCHIVE_BASE_URL).")
@click.option("--source-texts", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="yaml: the collection folder to copy the sources' full texts from (e.g. data/).")
@viewer_option
@pass_context
def export_command(ctx: Context, query: str, fmt: str, within_person: str | None, sort: str,
                   person_record: str | None, theme_record: str | None, whole_collection: bool,
                   output: Path | None, base_url: str, source_texts: Path | None, viewer_role: str,
                   **facets: tuple[str, ...]) -> None:
    """Export a search, a person, a theme or the whole collection.

    The export holds exactly the quotes the same search shows, in the same order, for
    the same viewer. An anonymous export leaves out restricted and embargoed records.

    \b
    Example:
      archive export stalin --format csv -o stalin.csv
      archive export --person-record igor --format json
      archive export --collection --format datapackage -o red-soul.zip
      archive export --collection --format yaml --viewer archivist --source-texts data/ -o copy/
    """
    from archive.catalogue.pages import NotFound
    from archive.catalogue.result_sets import ResultSet
    from archive.interchange.exports import UnknownFormat, export
    from archive.search.request import BadSearchRequest

    filters = {name: values for name, values in facets.items() if values}
    searching = bool(query or filters or within_person)
    chosen = [name for name, given in (("--person-record", person_record), ("--theme-record", theme_record),
                                        ("--collection", whole_collection)) if given]
    if len(chosen) > 1 or (chosen and searching):
        raise click.UsageError(f"choose one of a search, --person-record, --theme-record or --collection "
                               f"(got {', '.join(chosen + (['a search'] if searching else []))})")
    try:
        if person_record:
            result_set = ResultSet.person(person_record)
        elif theme_record:
            result_set = ResultSet.theme(theme_record)
        elif searching:
            result_set = ResultSet.search(SearchRequest(query=query, filters=filters,
                                                        sort=sort, within_person=within_person))
        else:
            result_set = ResultSet.collection()
        tree = fmt in ("datapackage", "yaml")
        if output is None and tree and sys.stdout.isatty():
            raise click.UsageError(f"the {fmt} export is a folder or a zip: give -o FOLDER or -o FILE.zip")
        out = output if output is not None else sys.stdout.buffer
        report = export(ctx.archive, result_set, fmt, _viewer(viewer_role), out, base_url,
                        source_texts=source_texts)
    except (NotFound, UnknownFormat, BadSearchRequest, FileExistsError) as exc:
        raise click.ClickException(str(exc)) from None
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    what = "people" if fmt == "yaml" else "quotes"
    click.echo(f"exported {report.records} {what} as {fmt} to {output or 'standard output'}", err=True)


@main.command("cite")
@click.argument("target")
@click.option("--format", "fmt", type=click.Choice(["csl-json", "bibtex", "ris", "apa", "chicago", "chicago-notes"]),
              default="apa", show_default=True)
@click.option("--base-url", envvar="ARCHIVE_BASE_URL", default="http://127.0.0.1:5000", show_default=True,
              help="The public address of the archive, for permalinks (or $ARCHIVE_BASE_URL).")
@viewer_option
@pass_context
def cite_command(ctx: Context, target: str, fmt: str, base_url: str, viewer_role: str) -> None:
    """Cite a quote, a person's testimony or the collection: TARGET is quote:ID, person:ID or collection.

    \b
    Example:
      archive cite person:igor --format bibtex
      archive cite quote:igor-shark-feed --format chicago
    """
    from archive.catalogue.pages import NotFound
    from archive.interchange.citations import cite

    try:
        click.echo(cite(ctx.archive, target, fmt, base_url, _viewer(viewer_role)).rstrip("\n"))
    except (NotFound, ValueError) as exc:
        raise click.ClickException(str(exc)) from None


@main.command("import-ohms")
@click.argument("xml_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--into", "collection", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_COLLECTION,
              show_default=True, help="The collection folder to add to (created when it does not exist).")
@click.option("--person", "person_id", help="The id of the interviewee (default: made from the name in the file).")
@click.option("--interview", "interview_id",
              help="The id of the interview (default: the one this archive exported, else the accession).")
@click.option("--language", default="en", show_default=True,
              help="The language of the index, when the file does not say.")
def import_ohms_command(xml_file: Path, collection: Path, person_id: str | None, interview_id: str | None,
                        language: str) -> None:
    """Bring an OHMS XML export into a collection folder, as YAML.

    Each record becomes an interview: its recording, its transcript (WebVTT, or the older
    text with a sync map) as segments with their speakers, its index points field for field,
    and the record's catalogue fields. No stance is invented (it is 'not-stated' until an
    editor codes it). Then run `archive import` to load the folder.

    \b
    Example:
      archive import-ohms interview.xml --into data/ && archive import data/
    """
    from archive.interchange.ohms import ohms_interviews_to_collection

    with reported_problems(), _import_errors():
        result = ohms_interviews_to_collection(xml_file, collection, person_id=person_id, interview_id=interview_id,
                                               language=language)
    action = "created" if result.created_collection else "updated"
    click.echo(f"{action} {result.root}: {result.interviews} interview(s), {result.segments} transcript segment(s), "
               f"{result.index_points} index point(s) in " + ", ".join(str(p) for p in result.person_files))
    click.echo(f"next: archive check {result.root} && archive import {result.root}")


@main.command("import-subtitles")
@click.argument("subtitle_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--into", "collection", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_COLLECTION,
              show_default=True, help="The collection folder to add to.")
@click.option("--person", "person_id", required=True, help="The person the recording is of (new or existing).")
@click.option("--name", "person_name", help="The person's name, for a new person.")
@click.option("--interview", "interview_id", required=True, help="The id of the interview the cues belong to.")
@click.option("--language", required=True, help="The language of the subtitles (ISO 639-1, e.g. ru).")
@click.option("--original-language", help="The language spoken, when the subtitles are a translation.")
def import_subtitles_command(subtitle_file: Path, collection: Path, person_id: str, person_name: str | None,
                             interview_id: str, language: str, original_language: str | None) -> None:
    """Bring a WebVTT or SRT file into a collection folder as timecoded quotes of an interview.

    A file that cannot be represented (comma decimals in WebVTT, a cue that ends before it
    starts, cue text containing -->) is refused with the cue and line, and nothing is written.

    \b
    Example:
      archive import-subtitles galina-1.vtt --person galina --interview galina-2017 --language ru
    """
    from archive.interchange.subtitles import subtitles_to_collection

    with reported_problems(), _import_errors():
        result = subtitles_to_collection(subtitle_file, collection, person_id=person_id, interview_id=interview_id,
                                         language=language, original_language=original_language,
                                         person_name=person_name)
    _report_segment_import(result)


@main.command("export-recording")
@click.argument("person_id")
@click.option("--format", "fmt", type=click.Choice(["ohms", "vtt", "srt"]), required=True)
@click.option("--recording", help="The interview (or film) whose segments to export, when there are several.")
@click.option("--lang", help="The language of the subtitle text (default: the original, else any).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: stdout).")
@click.option("--base-url", envvar="ARCHIVE_BASE_URL", default="http://127.0.0.1:5000/", show_default=True,
              help="The public address of the archive, for permalinks.")
@viewer_option
@pass_context
def export_recording_command(ctx: Context, person_id: str, fmt: str, recording: str | None, lang: str | None,
                             output: Path | None, base_url: str, viewer_role: str) -> None:
    """Export one person's timecoded segments as OHMS XML 6.0, WebVTT or SRT.

    \b
    Example:
      archive export-recording anna-synthetic --format vtt -o anna.vtt
    """
    from archive.catalogue import pages as catalogue
    from archive.interchange.ohms import person_to_ohms
    from archive.interchange.subtitles import AmbiguousRecording, person_to_srt, person_to_vtt

    viewer = _viewer(viewer_role)
    try:
        if fmt == "ohms":
            data = person_to_ohms(ctx.archive, person_id, viewer, base_url)
        else:
            render = person_to_vtt if fmt == "vtt" else person_to_srt
            data = render(ctx.archive, person_id, viewer, lang=lang, recording=recording).encode("utf-8")
    except catalogue.NotFound:
        raise click.ClickException(f"no person {person_id!r} that a {viewer_role} viewer may see") from None
    except AmbiguousRecording as error:
        raise click.ClickException(f"{error} (choose one with --recording)") from None
    if output:
        output.write_bytes(data)
        click.echo(f"wrote {output} ({len(data):,} bytes)", err=True)
    else:
        click.echo(data, nl=False)  # bytes go to the binary stdout


@contextmanager
def _import_errors() -> Iterator[None]:
    """A file that cannot be brought in: its reason, one line, exit status 1, nothing written."""
    from archive.interchange.segment_import import SegmentImportError
    from archive.interchange.subtitles import SubtitleError

    try:
        yield
    except (SubtitleError, SegmentImportError, ValueError) as error:
        click.echo(f"error: {error}", err=True)
        click.echo("nothing was written.", err=True)
        sys.exit(1)


def _report_segment_import(result) -> None:  # type: ignore[no-untyped-def]
    action = "created" if result.created_collection else "updated"
    click.echo(f"{action} {result.root}: {len(result.quote_ids)} timecoded segment(s) in "
               + ", ".join(str(p) for p in result.person_files))
    click.echo(f"next: archive check {result.root} && archive import {result.root}")


main.add_command(user_group)
main.add_command(db_group)
main.add_command(backup_command)
main.add_command(restore_command)

if __name__ == "__main__":  # pragma: no cover
    main()
