"""One quote as an export shows it: the spreadsheet row and the JSON document.

Both are built here from a ``QuoteRecord`` so that every quote format names and fills its
fields the same way (timecodes as ``HH:MM:SS.mmm``, the permalink from ``permalinks``).
"""

from __future__ import annotations

from typing import Any

from archive.catalogue.result_sets import QuoteRecord
from archive.collection.timecodes import format_timecode
from archive.interchange.exports.context import ExportContext
from archive.interchange.exports.permalinks import permalink

LIST_SEPARATOR = "; "


def timecode(seconds: float | None) -> str | None:
    return None if seconds is None else format_timecode(seconds, millis=True)


def published_languages(record: QuoteRecord) -> set[str]:
    """The languages whose text is the original or a published translation (not the archive's own)."""
    return {record.original_language, *record.published_translations}


def csv_columns(ctx: ExportContext) -> list[str]:
    texts = [f"text_{lang}" for lang in ctx.languages]
    flags = [f"text_{lang}_published" for lang in ctx.languages]
    return [
        "id", "person_id", "person_name", "person_is_group", "person_stance", "stance", "themes",
        "original_language", *texts, *flags, "recording", "timecode_in", "timecode_out", "context",
        "source_id", "source_title", "source_author", "source_date", "locator", "access", "embargo_until",
        "permalink",
    ]


def _flag(value: bool | None) -> str:
    return "" if value is None else ("true" if value else "false")


def csv_row(record: QuoteRecord, ctx: ExportContext) -> dict[str, str]:
    published = published_languages(record)
    row: dict[str, Any] = {
        "id": record.id,
        "person_id": record.person_id,
        "person_name": record.person_name,
        "person_is_group": _flag(record.person_is_group),
        "person_stance": record.person_stance,
        "stance": record.stance,
        "themes": LIST_SEPARATOR.join(record.themes),
        "original_language": record.original_language,
        "recording": record.recording,
        "timecode_in": timecode(record.timecode_in),
        "timecode_out": timecode(record.timecode_out),
        "context": record.context,
        "source_id": record.source_id,
        "source_title": record.source_title,
        "source_author": record.source_author,
        "source_date": record.source_date,
        "locator": record.locator,
        "access": record.extra.get("access"),
        "embargo_until": record.extra.get("embargo_until"),
        "permalink": permalink(ctx.base_url, record),
    }
    for lang in ctx.languages:
        text = record.texts.get(lang)
        row[f"text_{lang}"] = text
        row[f"text_{lang}_published"] = _flag(lang in published) if text is not None else ""
    return {key: "" if value is None else str(value) for key, value in row.items()}


def quote_document(record: QuoteRecord, ctx: ExportContext) -> dict[str, Any]:
    published = published_languages(record)
    document: dict[str, Any] = {
        "id": record.id,
        "permalink": permalink(ctx.base_url, record),
        "person": {
            "id": record.person_id,
            "name": record.person_name,
            "is_group": record.person_is_group,
            "pseudonym": record.person_pseudonym,
            "stance": record.person_stance,
        },
        "stance": record.stance,
        "themes": list(record.themes),
        "original_language": record.original_language,
        "texts": [
            {"lang": lang, "text": text, "is_original": lang == record.original_language,
             "is_published": lang in published}
            for lang, text in sorted(record.texts.items(), key=lambda kv: (kv[0] != record.original_language, kv[0]))
        ],
        "recording": record.recording,
        "timecode_in": timecode(record.timecode_in),
        "timecode_out": timecode(record.timecode_out),
        "context": record.context,
        "source": None if record.source_id is None else {  # None: a source the viewer may not see
            "id": record.source_id,
            "title": record.source_title,
            "author": record.source_author,
            "publisher": record.source_publisher,
            "date": record.source_date,
            "url": record.source_url,
            "locator": record.locator,
        },
    }
    if "access" in record.extra:
        document["access"] = record.extra["access"]
        document["embargo_until"] = record.extra.get("embargo_until")
    for name in ("visibility_reason", "visibility_review"):  # only for a viewer who may read them
        if name in record.extra:
            document[name] = record.extra[name]
    return document
