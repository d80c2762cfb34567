"""What every renderer is told besides the quotes: where the archive lives on the web, what
was asked, by whom, and the few facts of the collection a file header or a schema needs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlmodel import col

from archive.access.visibility import ANONYMOUS, Viewer, quote_clause
from archive.catalogue import read_cache
from archive.catalogue.result_sets import QuoteRecord, ResultSet
from archive.store import models

if TYPE_CHECKING:
    from archive.facade import Archive

# Languages get their own text columns in this order, then any other alphabetically.
PREFERRED_LANGUAGES = ("ru", "en")


@dataclass(frozen=True)
class CollectionSummary:
    id: str
    title: str
    title_native: str | None = None
    rights: str | None = None
    rights_holder: str | None = None


@dataclass
class ExportContext:
    base_url: str
    result_set: ResultSet = field(default_factory=ResultSet.collection)
    viewer: Viewer = ANONYMOUS
    archive: Archive | None = None
    collection: CollectionSummary | None = None
    languages: tuple[str, ...] = PREFERRED_LANGUAGES
    stances: tuple[str, ...] = ()
    generated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))
    source_texts: Path | None = None  # the collection folder to copy source texts from (YAML export)
    count: int = 0  # quotes rendered so far
    warnings: list[str] = field(default_factory=list)

    @property
    def generated_at_text(self) -> str:
        return self.generated_at.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    def counted(self, records: Iterable[QuoteRecord]) -> Iterator[QuoteRecord]:
        for record in records:
            self.count += 1
            yield record

    def describe_result_set(self) -> dict[str, object]:
        """The query behind the export, in the terms of the page's URL."""
        rs = self.result_set
        described: dict[str, object] = {"kind": rs.kind}
        if rs.kind == "search" and rs.request is not None:
            params: dict[str, list[str]] = {}
            for key, value in rs.request.to_params():
                if key not in ("page", "per_page"):  # an export is every page
                    params.setdefault(key, []).append(value)
            described["params"] = params
        if rs.person_id:
            described["person_id"] = rs.person_id
        if rs.theme_id:
            described["theme_id"] = rs.theme_id
        return described


def ordered_languages(found: Iterable[str]) -> tuple[str, ...]:
    """Russian and English always (spreadsheets keep their columns), then any other language found."""
    return PREFERRED_LANGUAGES + tuple(sorted(set(found) - set(PREFERRED_LANGUAGES)))


def build_context(archive: Archive, result_set: ResultSet, viewer: Viewer, base_url: str,
                  source_texts: Path | None = None) -> ExportContext:
    """A context read from the archive: the collection's title and stances, and the languages of
    the quotes this viewer may see (a language only withheld quotes are in gets no column)."""
    collection, stances = read_cache.cached(archive.engine, "export_context", None,
                                            lambda: _collection_facts(archive))
    languages = read_cache.cached(archive.engine, "export_languages", read_cache.visibility_key(viewer),
                                  lambda: _visible_languages(archive, viewer))
    return ExportContext(
        base_url=base_url, result_set=result_set, viewer=viewer, archive=archive, collection=collection,
        languages=languages, stances=stances, source_texts=source_texts,
    )


def _visible_languages(archive: Archive, viewer: Viewer) -> tuple[str, ...]:
    # every visible quote text's language is a scan of the texts: once per data version and viewer
    # (archive/catalogue/read_cache.py)
    Q, P, QT = models.Quote, models.Person, models.QuoteText
    with archive.engine.connect() as conn:
        languages = conn.scalars(
            select(col(QT.lang)).distinct().join(Q, col(QT.quote_id) == Q.id).join(P, col(Q.person_id) == P.id)
            .where(quote_clause(viewer, Q, P))).all()
    return ordered_languages(languages)


def _collection_facts(archive: Archive) -> tuple[CollectionSummary | None, tuple[str, ...]]:
    with archive.engine.connect() as conn:
        row = conn.execute(select(col(models.CollectionRecord.id), col(models.CollectionRecord.title),
                                  col(models.CollectionRecord.title_native),
                                  col(models.CollectionRecord.rights),
                                  col(models.CollectionRecord.rights_holder))).first()
        stances = conn.scalars(
            select(col(models.VocabularyTerm.id)).where(col(models.VocabularyTerm.kind) == "stances")
            .order_by(col(models.VocabularyTerm.position))).all()
    summary = CollectionSummary(row.id, row.title, row.title_native, row.rights, row.rights_holder) if row else None
    return summary, tuple(stances)
