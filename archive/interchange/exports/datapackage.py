"""A Frictionless Data Package: ``datapackage.json`` with a typed Table Schema per CSV,
primary and foreign keys, and the stance (and other vocabulary) values as enum constraints.

The package holds the result set's quotes (``quotes.csv``, ``quote_texts.csv``,
``quote_themes.csv``), the people they belong to with their family history
(``people.csv``, ``relatives.csv``, ``fate_events.csv``), and every source and vocabulary
term they may refer to, so every foreign key resolves inside the package. The quotes are
read in one pass: their texts and themes are spooled to temporary files (on disk past a
megabyte) while ``quotes.csv`` streams out, so memory stays flat.

These CSVs are data for tools that read the schema, so values are exact: unlike the
spreadsheet CSV export, cells are not altered against formula injection.
"""

from __future__ import annotations

import csv
import json
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlmodel import col

from archive.access.visibility import visible_clause
from archive.catalogue.result_sets import QuoteRecord
from archive.catalogue.rights import RightsStatement, applying
from archive.catalogue.source_visibility import withheld_sources
from archive.collection import format as collection_format
from archive.interchange.exports.access import public_status
from archive.interchange.exports.chunks import TextChunks
from archive.interchange.exports.context import ExportContext
from archive.interchange.exports.file_trees import Member
from archive.interchange.exports.permalinks import permalink, person_permalink
from archive.store import models

QUOTE_SOURCE_KINDS = list(collection_format.Source.model_fields["kind"].annotation.__args__)  # type: ignore[union-attr]
STANCE_BASES = list(collection_format.StanceCoding.model_fields["basis"].annotation.__args__)  # type: ignore[union-attr]
ACCESS = ["public", "restricted", "embargoed"]


@dataclass
class Column:
    name: str
    type: str = "string"
    description: str = ""
    required: bool = False
    enum: list[str] | None = None
    format: str | None = None

    def schema(self) -> dict[str, Any]:
        spec: dict[str, Any] = {"name": self.name, "type": self.type}
        if self.format:
            spec["format"] = self.format
        if self.description:
            spec["description"] = self.description
        constraints: dict[str, Any] = {}
        if self.required:
            constraints["required"] = True
        if self.enum is not None:
            constraints["enum"] = self.enum
        if constraints:
            spec["constraints"] = constraints
        return spec


@dataclass
class Table:
    name: str
    title: str
    columns: list[Column]
    primary_key: list[str]
    foreign_keys: list[tuple[list[str], str, list[str]]] = field(default_factory=list)

    @property
    def path(self) -> str:
        return f"{self.name}.csv"

    def resource(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "path": self.path,
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "dialect": {"delimiter": ",", "lineTerminator": "\r\n", "quoteChar": '"', "doubleQuote": True,
                        "header": True},
            "schema": {
                "fields": [c.schema() for c in self.columns],
                "missingValues": [""],
                "primaryKey": self.primary_key,
                "foreignKeys": [
                    {"fields": fields, "reference": {"resource": resource, "fields": ref}}
                    for fields, resource, ref in self.foreign_keys
                ],
            },
        }


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _csv_chunks(table: Table, rows: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    buffer = TextChunks()
    writer = csv.writer(buffer, lineterminator="\r\n")
    names = [c.name for c in table.columns]
    writer.writerow(names)
    for row in rows:
        writer.writerow([_cell(row.get(name)) for name in names])
        if buffer.full():
            yield buffer.drain()
    yield buffer.drain()


class _Spool:
    """A CSV written to a temporary file (memory up to a megabyte, then disk) and read back in chunks."""

    def __init__(self, table: Table):
        self.table = table
        # a text-mode spool: before Python 3.11 a binary one cannot be wrapped in io.TextIOWrapper
        self.file = tempfile.SpooledTemporaryFile(max_size=1024 * 1024, mode="w+", encoding="utf-8", newline="")
        self.writer = csv.writer(self.file, lineterminator="\r\n")
        self.names = [c.name for c in table.columns]
        self.writer.writerow(self.names)

    def add(self, row: dict[str, Any]) -> None:
        self.writer.writerow([_cell(row.get(name)) for name in self.names])

    def chunks(self) -> Iterator[bytes]:
        self.file.seek(0)
        try:
            while chunk := self.file.read(64 * 1024):
                yield chunk.encode("utf-8")
        finally:
            self.file.close()


# --- the tables -------------------------------------------------------------------------------


def _vocabulary_table(name: str, title: str, repression: bool = False) -> Table:
    columns = [
        Column("id", required=True, description="the term's id, as used in the other tables"),
        Column("position", "integer", "order of the term in the vocabulary"),
        Column("label_en"), Column("label_ru"), Column("definition_en"), Column("definition_ru"),
    ]
    if repression:
        columns.append(Column("repression", "boolean", "true when this fate is a form of political repression"))
    return Table(name, title, columns, ["id"])


def tables(vocabulary: dict[str, list[str]]) -> dict[str, Table]:
    stances = vocabulary.get("stances", [])
    return {t.name: t for t in [
        _vocabulary_table("stances", "Stances towards Stalin"),
        _vocabulary_table("themes", "Themes"),
        _vocabulary_table("fates", "Fates of relatives", repression=True),
        Table("sources", "Sources", [
            Column("id", required=True), Column("position", "integer"), Column("title", required=True),
            Column("author"), Column("publisher"),
            Column("date", description="EDTF subset: 2017, 2017-11, 2017-11-18, 193X, 1937/1945"),
            Column("kind", enum=QUOTE_SOURCE_KINDS, required=True), Column("url", format="uri"),
            Column("locator"), Column("language"), Column("notes"),
        ], ["id"]),
        Table("people", "People (interviewees and groups)", [
            Column("id", required=True), Column("position", "integer"), Column("name", required=True),
            Column("name_native"), Column("pseudonym", "boolean", "true when the name is a pseudonym"),
            Column("is_group", "boolean", "true when the record stands for several people"),
            Column("role", enum=vocabulary.get("roles", []), required=True),
            Column("stance", enum=stances, required=True, description="the person's overall stance towards Stalin"),
            Column("stance_basis", enum=STANCE_BASES, required=True),
            Column("stance_rationale"), Column("stance_coded_by"),
            Column("stance_source", description="the source the stance coding rests on"),
            Column("stance_locator"), Column("portrait_en"), Column("portrait_ru"),
            Column("access", enum=ACCESS, description="public, or why this record must not be published"),
            Column("embargo_until", "date"), Column("permalink", format="uri"),
        ], ["id"], [(["stance"], "stances", ["id"]), (["stance_source"], "sources", ["id"])]),
        Table("relatives", "Relatives of the people", [
            Column("id", required=True), Column("person_id", required=True), Column("position", "integer"),
            Column("relation", enum=vocabulary.get("relations", []), required=True),
            Column("name"), Column("name_native"), Column("notes"),
        ], ["id"], [(["person_id"], "people", ["id"])]),
        Table("fate_events", "What happened to the relatives", [
            Column("id", required=True), Column("relative_id", required=True), Column("person_id", required=True),
            Column("position", "integer"), Column("kind", enum=vocabulary.get("fates", []), required=True),
            Column("date", description="EDTF subset as written"), Column("date_start", "date"),
            Column("date_end", "date"), Column("place"), Column("details"),
            Column("source", description=_UNSEEN_SOURCE), Column("locator"),
        ], ["id"], [(["relative_id"], "relatives", ["id"]), (["person_id"], "people", ["id"]),
                    (["kind"], "fates", ["id"]), (["source"], "sources", ["id"])]),
        Table("quotes", "Quotes (the result set, in its order)", [
            Column("id", required=True), Column("person_id", required=True),
            Column("position", "integer", "order of the quote in its person's testimony"),
            Column("stance", enum=stances, required=True, description="the stance of this passage"),
            Column("original_language", required=True),
            Column("published_translations", description="languages (separated by '; ') with a published translation"),
            Column("recording", description="the interview id, or the collection id for the film"),
            Column("timecode_in", "number", "seconds from the start of the recording"),
            Column("timecode_out", "number", "seconds from the start of the recording"),
            Column("context"), Column("source", description=_UNSEEN_SOURCE), Column("locator"),
            Column("access", enum=ACCESS, description="public, or why this quote must not be published"),
            Column("embargo_until", "date"), Column("permalink", format="uri"),
        ], ["id"], [(["person_id"], "people", ["id"]), (["stance"], "stances", ["id"]),
                    (["source"], "sources", ["id"])]),
        Table("quote_texts", "The texts of each quote, per language", [
            Column("quote_id", required=True), Column("lang", required=True), Column("text", required=True),
            Column("is_original", "boolean"),
            Column("is_published", "boolean", "the original or a published translation (else the archive's own)"),
        ], ["quote_id", "lang"], [(["quote_id"], "quotes", ["id"])]),
        Table("quote_themes", "The themes of each quote", [
            Column("quote_id", required=True), Column("theme", required=True), Column("position", "integer"),
        ], ["quote_id", "theme"], [(["quote_id"], "quotes", ["id"]), (["theme"], "themes", ["id"])]),
    ]}


# --- rows --------------------------------------------------------------------------------------


def _vocabulary(conn: Connection) -> dict[str, list[Any]]:
    terms: dict[str, list[Any]] = {}
    for t in conn.execute(select(models.VocabularyTerm).order_by(col(models.VocabularyTerm.position))):
        terms.setdefault(t.kind, []).append(t)
    return terms


def _term_row(t: Any) -> dict[str, Any]:
    label, definition = t.label or {}, t.definition or {}
    return {"id": t.id, "position": t.position, "label_en": label.get("en"), "label_ru": label.get("ru"),
            "definition_en": definition.get("en"), "definition_ru": definition.get("ru"),
            "repression": t.repression}


_UNSEEN_SOURCE = "empty (with its locator) for a source the exporting viewer may not see"


def _unseen_sources(ctx: ExportContext) -> frozenset[str]:
    """The sources withheld from the exporting viewer by their own visibility: never named, not even by id."""
    if ctx.archive is None:
        return frozenset()
    with ctx.archive.engine.connect() as conn:
        S = models.Source
        return frozenset(conn.execute(select(col(S.id)).where(~visible_clause(ctx.viewer, S))).scalars())


def _people_rows(conn: Connection, ctx: ExportContext, person_ids: set[str] | None) -> Iterator[dict[str, Any]]:
    P = models.Person
    statement = select(P).where(visible_clause(ctx.viewer, P)).order_by(col(P.position))
    # ``position`` is the rank among the people this viewer may see: a stored position would
    # show gaps where withheld people stand
    unseen = _unseen_sources(ctx)
    for rank, p in enumerate(conn.execute(statement), start=1):
        if person_ids is not None and p.id not in person_ids:
            continue
        stance_cited = p.stance_source not in unseen
        access, until = public_status(ctx.viewer, ((p.visibility, p.embargo_until),))
        portrait = p.portrait or {}
        yield {
            "id": p.id, "position": rank, "name": p.name, "name_native": p.name_native,
            "pseudonym": p.pseudonym, "is_group": p.is_group, "role": p.role, "stance": p.stance,
            "stance_basis": p.stance_basis, "stance_rationale": p.stance_rationale,
            "stance_coded_by": p.stance_coded_by, "stance_source": p.stance_source if stance_cited else None,
            "stance_locator": p.stance_locator if stance_cited else None,
            "portrait_en": portrait.get("en"), "portrait_ru": portrait.get("ru"),
            "access": access, "embargo_until": until, "permalink": person_permalink(ctx.base_url, p.id),
        }


def _rows_of(conn: Connection, ctx: ExportContext, table: Any, scope: set[str] | None,
             order: Iterable[Any]) -> Iterator[dict[str, Any]]:
    """The rows hanging off the people in scope (every visible person when ``scope`` is None)."""
    P = models.Person
    statement = select(table).join(P, table.person_id == P.id).where(visible_clause(ctx.viewer, P),
                                                                      visible_clause(ctx.viewer, table))
    if table is models.FateEvent:  # a fate is shown only with its relative
        R = models.Relative
        statement = statement.join(R, col(models.FateEvent.relative_id) == R.id).where(visible_clause(ctx.viewer, R))
    if scope is not None:
        statement = statement.where(table.person_id.in_(scope))
    unseen = _unseen_sources(ctx)
    for row in conn.execute(statement.order_by(*order)):
        values = dict(row._mapping)
        if values.get("source") in unseen:
            values["source"] = values["locator"] = None
        yield values


def _quote_row(record: QuoteRecord, ctx: ExportContext) -> dict[str, Any]:
    return {
        "id": record.id, "person_id": record.person_id, "position": record.position, "stance": record.stance,
        "original_language": record.original_language,
        "published_translations": "; ".join(record.published_translations),
        "recording": record.recording, "timecode_in": record.timecode_in, "timecode_out": record.timecode_out,
        "context": record.context, "source": record.source_id, "locator": record.locator,
        "access": record.extra.get("access"), "embargo_until": record.extra.get("embargo_until"),
        "permalink": permalink(ctx.base_url, record),
    }


def package_name(ctx: ExportContext) -> str:
    stem = ctx.result_set.file_stem()
    base = f"{ctx.collection.id}-{stem}" if ctx.collection else stem
    return re.sub(r"[^a-z0-9._-]+", "-", base.lower()).strip("-") or "archive-export"


def descriptor(ctx: ExportContext, schema: dict[str, Table]) -> dict[str, Any]:
    collection = ctx.collection
    title = f"{collection.title}: {ctx.result_set.file_stem()}" if collection else ctx.result_set.file_stem()
    package: dict[str, Any] = {
        "profile": "tabular-data-package",
        "name": package_name(ctx),
        "title": title,
        "description": "Quotes from an oral-history archive with their people, sources and vocabularies. "
                       f"Exported for a viewer of role {ctx.viewer.role}; rows whose access is not 'public' "
                       "must not be published.",
        "created": ctx.generated_at_text,
        "homepage": ctx.base_url,
        "keywords": ["oral history", "interviews", "Stalin"],
        "x-result-set": ctx.describe_result_set(),
        "resources": [t.resource() for t in schema.values()],
    }
    rights = applying((collection.rights, collection.rights_holder)) if collection else None
    if rights is not None:
        package["licenses"] = [licence(rights)]
    return package


def licence(rights: RightsStatement) -> dict[str, str]:
    """The collection's rights as a Data Package licence: a URI is the licence's ``path`` (and its
    ``title``); a statement in words has no licence to point at, so it is named ``other``."""
    if rights.uri is None:
        return {"name": "other", "title": rights.text}
    title = rights.title + (f" (rights holder: {rights.holder})" if rights.holder else "")
    return {"path": rights.uri, "title": title}


def render_datapackage(records: Iterable[QuoteRecord], ctx: ExportContext) -> Iterator[Member]:
    if ctx.archive is None:
        raise ValueError("the data package reads the archive: build the context with build_context()")
    with ctx.archive.engine.connect() as conn:
        vocabulary = _vocabulary(conn)
        schema = tables({kind: [t.id for t in terms] for kind, terms in vocabulary.items()})
        yield "datapackage.json", [json.dumps(descriptor(ctx, schema), ensure_ascii=False, indent=2).encode("utf-8")]
        for kind in ("stances", "themes", "fates"):
            yield schema[kind].path, _csv_chunks(schema[kind], (_term_row(t) for t in vocabulary.get(kind, [])))
        hidden = withheld_sources(ctx.archive.engine, ctx.viewer)
        sources = (dict(r._mapping) for r in conn.execute(select(models.Source).order_by(col(models.Source.position)))
                   if r.id not in hidden)
        yield schema["sources"].path, _csv_chunks(schema["sources"], sources)

        texts, themes = _Spool(schema["quote_texts"]), _Spool(schema["quote_themes"])
        person_ids: set[str] = set()

        def quote_rows() -> Iterator[dict[str, Any]]:
            for record in records:
                person_ids.add(record.person_id)
                published = {record.original_language, *record.published_translations}
                for lang, text in sorted(record.texts.items()):
                    texts.add({"quote_id": record.id, "lang": lang, "text": text,
                               "is_original": lang == record.original_language, "is_published": lang in published})
                for position, theme in enumerate(record.themes, start=1):
                    themes.add({"quote_id": record.id, "theme": theme, "position": position})
                yield _quote_row(record, ctx)

        yield schema["quotes"].path, _csv_chunks(schema["quotes"], quote_rows())
        yield schema["quote_texts"].path, texts.chunks()
        yield schema["quote_themes"].path, themes.chunks()

        rs = ctx.result_set
        if rs.kind == "collection":
            scope: set[str] | None = None  # every person this viewer may see, with or without quotes
        else:
            scope = person_ids | ({rs.person_id} if rs.kind == "person" and rs.person_id else set())
        yield schema["people"].path, _csv_chunks(schema["people"], _people_rows(conn, ctx, scope))
        R, FE = models.Relative, models.FateEvent
        yield schema["relatives"].path, _csv_chunks(
            schema["relatives"], _rows_of(conn, ctx, R, scope, (R.person_id, R.position)))
        yield schema["fate_events"].path, _csv_chunks(
            schema["fate_events"], _rows_of(conn, ctx, FE, scope, (FE.person_id, FE.relative_id, FE.position)))
