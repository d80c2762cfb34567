"""The export formats by name (Datasette's renderers): each is one function over the same
stream of quotes, so an export is the page's query in another dress.

A *stream* format turns ``(records, context)`` into byte chunks. A *tree* format turns them
into files, ``(path, chunks)`` pairs, that are written into a folder or streamed as a zip.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from archive.catalogue.result_sets import QuoteRecord
from archive.interchange.exports.collection_yaml import render_collection_yaml
from archive.interchange.exports.context import ExportContext
from archive.interchange.exports.csv_format import render_csv
from archive.interchange.exports.datapackage import render_datapackage
from archive.interchange.exports.file_trees import Member
from archive.interchange.exports.json_formats import render_json, render_jsonl

StreamRenderer = Callable[[Iterable[QuoteRecord], ExportContext], Iterator[bytes]]
TreeRenderer = Callable[[Iterable[QuoteRecord], ExportContext], Iterator[Member]]


@dataclass(frozen=True)
class ExportFormat:
    name: str
    title: str
    kind: Literal["stream", "tree"]
    render: StreamRenderer | TreeRenderer
    media_type: str
    extension: str  # of the file a stream format writes, or of the zip a tree format is downloaded as
    reads_quotes: bool = True  # False: the format reads whole records from the archive (YAML)
    scopes: tuple[str, ...] = ("search", "person", "theme", "collection")  # the result sets it can render

    def file_name(self, stem: str) -> str:
        return f"{stem}{self.extension}"


FORMATS: dict[str, ExportFormat] = {}


def register(fmt: ExportFormat) -> ExportFormat:
    FORMATS[fmt.name] = fmt
    return fmt


class UnknownFormat(ValueError):
    """A format name that is not registered, or a result set a format cannot hold."""


def get_format(name: str) -> ExportFormat:
    try:
        return FORMATS[name]
    except KeyError:
        raise UnknownFormat(f"unknown export format {name!r}; expected one of: {', '.join(FORMATS)}") from None


register(ExportFormat("csv", "CSV (spreadsheet)", "stream", render_csv, "text/csv; charset=utf-8", ".csv"))
register(ExportFormat("jsonl", "JSON Lines", "stream", render_jsonl, "application/jsonl; charset=utf-8", ".jsonl"))
register(ExportFormat("json", "JSON", "stream", render_json, "application/json", ".json"))
register(ExportFormat("datapackage", "Frictionless Data Package", "tree", render_datapackage,
                      "application/zip", ".datapackage.zip"))
register(ExportFormat("yaml", "YAML collection", "tree", render_collection_yaml,
                      "application/zip", ".collection.zip", reads_quotes=False,
                      scopes=("person", "collection")))
