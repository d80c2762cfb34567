"""Result sets: what an export, a feed or an API list is made of.

Datasette's rule: an export is the same query as the page, in another format. A
``ResultSet`` names the records (a search with its filters, one person's testimony, one
theme, or the whole collection); ``iter_quotes`` streams its quotes as plain records in
batches, so memory stays flat whatever the size, and every path goes through the
visibility rule (the search index for searches, ``archive.access.visibility`` for the rest).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import select
from sqlmodel import col

from archive.access.visibility import Viewer, is_visible, quote_clause
from archive.search.request import SearchRequest
from archive.store import models

if TYPE_CHECKING:
    from archive.facade import Archive

BATCH = 500
P, Q, QT, QTh, S = models.Person, models.Quote, models.QuoteText, models.QuoteTheme, models.Source


@dataclass(frozen=True)
class ResultSet:
    kind: Literal["search", "person", "theme", "collection"]
    request: SearchRequest | None = None
    person_id: str | None = None
    theme_id: str | None = None

    @classmethod
    def search(cls, request: SearchRequest) -> ResultSet:
        return cls("search", request=request)

    @classmethod
    def person(cls, person_id: str) -> ResultSet:
        return cls("person", person_id=person_id)

    @classmethod
    def theme(cls, theme_id: str) -> ResultSet:
        return cls("theme", theme_id=theme_id)

    @classmethod
    def collection(cls) -> ResultSet:
        return cls("collection")

    def file_stem(self) -> str:
        """A sensible download name: ``search-lagerь-critic``, ``person-igor``, ``theme-the-gulag``."""
        if self.kind == "person":
            return f"person-{self.person_id}"
        if self.kind == "theme":
            return f"theme-{self.theme_id}"
        if self.kind == "search" and self.request is not None:
            words = [self.request.query] + [v for values in self.request.filters.values() for v in values]
            slug = "-".join("".join(ch if ch.isalnum() else "-" for ch in w).strip("-") for w in words if w)
            return f"search-{slug[:60].strip('-')}" if slug else "search"
        return "collection"


@dataclass
class QuoteRecord:
    """One quote as exports see it: flat, with everything a row or a citation needs."""

    id: str
    person_id: str
    person_name: str
    person_is_group: bool
    person_pseudonym: bool
    person_stance: str
    stance: str
    themes: list[str]
    texts: dict[str, str]
    original_language: str
    published_translations: list[str]
    recording: str | None
    timecode_in: float | None
    timecode_out: float | None
    context: str | None
    source_id: str | None  # None (and no source field): a source the viewer may not see
    source_title: str | None
    source_author: str | None
    source_publisher: str | None
    source_date: str | None
    source_url: str | None
    locator: str | None
    position: int = 0
    extra: dict[str, object] = field(default_factory=dict)


def _quote_ids(archive: Archive, result_set: ResultSet, viewer: Viewer) -> Iterator[str]:
    if result_set.kind == "search":
        request = result_set.request or SearchRequest()
        for kind, record_id in archive.index.iter_records(request, viewer):
            if kind == "quote":
                yield record_id
        return
    statement = select(col(Q.id)).join(P, col(Q.person_id) == P.id).where(quote_clause(viewer, Q, P))
    if result_set.kind == "person":
        statement = statement.where(col(Q.person_id) == result_set.person_id)
    elif result_set.kind == "theme":
        statement = statement.where(
            col(Q.id).in_(select(col(QTh.quote_id)).where(col(QTh.theme) == result_set.theme_id)))
    statement = statement.order_by(col(P.position), col(Q.position))
    with archive.engine.connect() as conn:
        for row in conn.execution_options(yield_per=BATCH).execute(statement):
            yield row.id


def _batches(ids: Iterable[str], size: int) -> Iterator[list[str]]:
    batch: list[str] = []
    for item in ids:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def iter_quotes(archive: Archive, result_set: ResultSet, viewer: Viewer, batch: int = BATCH) -> Iterator[QuoteRecord]:
    """The result set's visible quotes, in its order, fetched a batch at a time."""
    for ids in _batches(_quote_ids(archive, result_set, viewer), batch):
        yield from _load(archive, ids, viewer)


def _load(archive: Archive, ids: list[str], viewer: Viewer) -> list[QuoteRecord]:
    with archive.engine.connect() as conn:
        # the visibility rule is applied to the rows here, not in SQL: with ``quote_clause`` in the
        # WHERE, SQLite (no statistics) reads every quote through the visibility index instead of
        # looking the ids up
        rows = [row for row in conn.execute(
            select(Q, col(P.name), col(P.is_group), col(P.pseudonym), col(P.stance).label("person_stance"),
                   col(P.visibility).label("person_visibility"),
                   col(P.embargo_until).label("person_embargo_until"),
                   col(S.title), col(S.author), col(S.publisher), col(S.date).label("source_date"), col(S.url),
                   col(S.visibility).label("source_visibility"), col(S.embargo_until).label("source_embargo_until"))
            .join(P, col(Q.person_id) == P.id).join(S, col(Q.source) == S.id)
            .where(col(Q.id).in_(ids))
        ).mappings() if is_visible(viewer, row["visibility"], row["embargo_until"])
            and is_visible(viewer, row["person_visibility"], row["person_embargo_until"])]
        texts: dict[str, dict[str, str]] = {}
        for row in conn.execute(select(col(QT.quote_id), col(QT.lang), col(QT.text)).where(col(QT.quote_id).in_(ids))):
            texts.setdefault(row.quote_id, {})[row.lang] = row.text
        themes: dict[str, list[str]] = {}
        for theme_row in conn.execute(select(col(QTh.quote_id), col(QTh.theme)).where(col(QTh.quote_id).in_(ids))
                                      .order_by(col(QTh.position))):
            themes.setdefault(theme_row.quote_id, []).append(theme_row.theme)
    # a source the viewer may not see is not cited: the quote is exported without its source
    cited = {row["id"]: is_visible(viewer, row["source_visibility"], row["source_embargo_until"]) for row in rows}
    by_id = {
        row["id"]: QuoteRecord(
            id=row["id"], person_id=row["person_id"], person_name=row["name"], person_is_group=row["is_group"],
            person_pseudonym=row["pseudonym"], person_stance=row["person_stance"], stance=row["stance"],
            themes=themes.get(row["id"], []), texts=texts.get(row["id"], {}),
            original_language=row["original_language"],
            published_translations=list(row["published_translations"] or []), recording=row["recording"],
            timecode_in=row["timecode_in"], timecode_out=row["timecode_out"], context=row["context"],
            **_source_fields(row, cited[row["id"]]), position=row["position"],
        )
        for row in rows
    }
    return [by_id[i] for i in ids if i in by_id]


def _source_fields(row: Any, cited: bool) -> dict[str, Any]:
    if not cited:
        return {"source_id": None, "source_title": None, "source_author": None, "source_publisher": None,
                "source_date": None, "source_url": None, "locator": None}
    return {"source_id": row["source"], "source_title": row["title"], "source_author": row["author"],
            "source_publisher": row["publisher"], "source_date": row["source_date"], "source_url": row["url"],
            "locator": row["locator"]}


# The visible quotes among ``ids``, in the order given (the API shapes one page of search hits).
load_quotes = _load
