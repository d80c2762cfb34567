"""JSON Lines (one quote per line) and JSON (one object: what was asked, then the quotes as
they stream, then their count, so the count can close the document without holding it)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from archive.catalogue.result_sets import QuoteRecord
from archive.interchange.exports.chunks import chunked
from archive.interchange.exports.context import ExportContext
from archive.interchange.exports.quote_fields import quote_document

FORMAT_VERSION = 1


def _dumps(value: object, **kwargs: object) -> str:
    return json.dumps(value, ensure_ascii=False, **kwargs)  # type: ignore[arg-type]


def render_jsonl(records: Iterable[QuoteRecord], ctx: ExportContext) -> Iterator[bytes]:
    return chunked(_dumps(quote_document(record, ctx)) + "\n" for record in records)


def metadata(ctx: ExportContext) -> dict[str, object]:
    collection = ctx.collection
    return {
        "format_version": FORMAT_VERSION,
        "generated_at": ctx.generated_at_text,
        "viewer": ctx.viewer.role,
        "result_set": ctx.describe_result_set(),
        "collection": {"id": collection.id, "title": collection.title, "rights": collection.rights}
        if collection else None,
        "base_url": ctx.base_url,
    }


def _json_pieces(records: Iterable[QuoteRecord], ctx: ExportContext) -> Iterator[str]:
    yield '{"metadata": ' + _dumps(metadata(ctx)) + ',\n"quotes": ['
    count = 0
    for record in records:
        yield ("\n" if count == 0 else ",\n") + _dumps(quote_document(record, ctx))
        count += 1
    yield "\n],\n" + f'"count": {count}' + "}\n"


def render_json(records: Iterable[QuoteRecord], ctx: ExportContext) -> Iterator[bytes]:
    return chunked(_json_pieces(records, ctx))
