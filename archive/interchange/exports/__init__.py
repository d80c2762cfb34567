"""Exports: any result set, in any registered format, streamed.

``export(archive, result_set, fmt, viewer, out, base_url)`` is the one entry point (the CLI
calls it); ``render`` gives the same bytes as an iterator for a streaming HTTP response.
Every format reads the quotes from ``archive.catalogue.result_sets.iter_quotes`` (the page's query
and the visibility rule), marked with their access for the public (``access``), and the
formats themselves live in ``registry``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from sqlalchemy import select
from sqlmodel import col

from archive.access.visibility import Viewer, visible_clause
from archive.catalogue.pages import NotFound
from archive.catalogue.result_sets import ResultSet, iter_quotes
from archive.interchange.exports.access import with_access
from archive.interchange.exports.context import ExportContext, build_context
from archive.interchange.exports.file_trees import write_folder, zip_chunks
from archive.interchange.exports.formula_cells import neutralise_formula
from archive.interchange.exports.permalinks import permalink
from archive.interchange.exports.registry import FORMATS, ExportFormat, UnknownFormat, get_format
from archive.store import models

if TYPE_CHECKING:
    from archive.facade import Archive

__all__ = [
    "FORMATS", "ExportFormat", "ExportContext", "ExportReport", "NotFound", "UnknownFormat", "build_context", "export",
    "get_format", "neutralise_formula", "permalink", "render",
]


@dataclass
class ExportReport:
    format: str
    records: int  # quotes (people for the YAML collection)
    written: str
    warnings: list[str] = field(default_factory=list)


def _check_exists(archive: Archive, result_set: ResultSet, viewer: Viewer) -> None:
    """A person or theme the viewer may not see is not found, as its page is."""
    with archive.engine.connect() as conn:
        if result_set.kind == "person":
            found = conn.scalar(select(col(models.Person.id)).where(col(models.Person.id) == result_set.person_id,
                                                                    visible_clause(viewer, models.Person)))
            if found is None:
                raise NotFound(f"no person {result_set.person_id!r}")
        elif result_set.kind == "theme":
            found = conn.scalar(select(col(models.VocabularyTerm.id)).where(
                col(models.VocabularyTerm.kind) == "themes", col(models.VocabularyTerm.id) == result_set.theme_id))
            if found is None:
                raise NotFound(f"no theme {result_set.theme_id!r}")


def _open(archive: Archive, result_set: ResultSet, fmt: ExportFormat, viewer: Viewer, base_url: str,
          source_texts: Path | None) -> tuple[ExportContext, Iterator]:  # type: ignore[type-arg]
    if result_set.kind not in fmt.scopes:
        raise UnknownFormat(f"the {fmt.name} export holds whole records: export "
                            f"{' or '.join(fmt.scopes)}, not a {result_set.kind}")
    _check_exists(archive, result_set, viewer)
    ctx = build_context(archive, result_set, viewer, base_url, source_texts)
    records = (with_access(archive, iter_quotes(archive, result_set, viewer), viewer)
               if fmt.reads_quotes else iter(()))
    return ctx, fmt.render(ctx.counted(records), ctx)


def render(archive: Archive, result_set: ResultSet, fmt: str, viewer: Viewer, base_url: str,
           source_texts: Path | None = None, context: list[ExportContext] | None = None) -> Iterator[bytes]:
    """The export as byte chunks (tree formats as a zip), for a streamed download.

    Pass a list as ``context`` to get the export's context back (its count and warnings,
    filled in as the chunks are consumed)."""
    chosen = get_format(fmt)
    ctx, output = _open(archive, result_set, chosen, viewer, base_url, source_texts)
    if context is not None:
        context.append(ctx)
    if chosen.kind == "tree":
        return zip_chunks(output, ctx.generated_at)
    return output


def export(archive: Archive, result_set: ResultSet, fmt: str, viewer: Viewer, out: BinaryIO | str | Path,
           base_url: str, source_texts: Path | None = None) -> ExportReport:
    """Write the export to a binary stream, a file, or (tree formats, a path not ending in
    ``.zip``) a new folder."""
    chosen = get_format(fmt)
    ctx, output = _open(archive, result_set, chosen, viewer, base_url, source_texts)
    if isinstance(out, (str, Path)):
        path = Path(out)
        if chosen.kind == "tree" and path.suffix.lower() != ".zip":
            write_folder(output, path)
        else:
            with open(path, "wb") as handle:
                for chunk in zip_chunks(output, ctx.generated_at) if chosen.kind == "tree" else output:
                    handle.write(chunk)
        written = str(path)
    else:
        for chunk in zip_chunks(output, ctx.generated_at) if chosen.kind == "tree" else output:
            out.write(chunk)
        out.flush()
        written = getattr(out, "name", "stream")
    return ExportReport(chosen.name, ctx.count, str(written), ctx.warnings)
