"""CSV for spreadsheets: UTF-8 with a byte-order mark (so Excel reads Cyrillic right), RFC 4180
quoting with CRLF line ends, one row per quote, every cell through ``neutralise_formula``."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from archive.catalogue.result_sets import QuoteRecord
from archive.interchange.exports.chunks import TextChunks
from archive.interchange.exports.context import ExportContext
from archive.interchange.exports.formula_cells import neutralise_formula
from archive.interchange.exports.quote_fields import csv_columns, csv_row

BOM = "\ufeff"


def render_csv(records: Iterable[QuoteRecord], ctx: ExportContext) -> Iterator[bytes]:
    columns = csv_columns(ctx)
    buffer = TextChunks()
    buffer.write(BOM)
    writer = csv.writer(buffer, dialect="excel", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(columns)
    for record in records:
        row = csv_row(record, ctx)
        writer.writerow([neutralise_formula(row[name]) for name in columns])
        if buffer.full():
            yield buffer.drain()
    yield buffer.drain()
