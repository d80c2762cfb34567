"""Quotes as the pages show them: each with its texts (the original first), themes and citation."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from archive.access.visibility import Viewer, is_withheld, quote_clause, readable
from archive.catalogue.common import Cite, SourceInfo, anchor, cite
from archive.catalogue.rights import RightsStatement, applying
from archive.collection.timecodes import format_timecode
from archive.store import models

P, Q, QT, QTh = models.Person, models.Quote, models.QuoteText, models.QuoteTheme


@dataclass
class QuoteTextView:
    lang: str
    text: str
    is_original: bool
    is_published: bool


@dataclass
class QuoteView:
    id: str
    anchor: str
    person_id: str
    person_name: str
    person_is_group: bool
    stance: str
    original_language: str
    texts: list[QuoteTextView]
    themes: list[str]
    timecode_in: str | None
    timecode_out: str | None
    recording: str | None
    context: str | None
    cite: Cite | None  # None: its source is one the viewer may not see
    withheld: bool = False  # restricted or embargoed, shown only because the viewer may see it
    visibility_reason: str | None = None  # researchers and archivists only (the visibility rule)
    visibility_review: str | None = None  # archivists only
    rights: RightsStatement | None = None  # its own, else its person's, else the collection's

    @property
    def text_by_lang(self) -> dict[str, str]:
        return {t.lang: t.text for t in self.texts}


def visible_quotes(conn: Session, viewer: Viewer, sources: dict[str, SourceInfo], *where: Any) -> list[QuoteView]:
    """Visible quotes matching ``where``, in the order of the collection (person, then quote)."""
    # plain rows, not ORM instances: building a model instance per row costs more than reading it
    rows: Sequence[Any] = conn.execute(
        select(models.table_of(Q), col(P.name).label("person_name"), col(P.is_group).label("person_is_group"),
               col(P.visibility).label("person_visibility"), col(P.embargo_until).label("person_embargo_until"),
               col(P.rights_uri).label("person_rights_uri"), col(P.rights_holder).label("person_rights_holder"))
        .join(P, col(Q.person_id) == P.id)
        .where(quote_clause(viewer, Q, P), *where).order_by(col(P.position), col(Q.position))
    ).all()
    if not rows:
        return []
    ids = [row.id for row in rows]
    texts: dict[str, list[QuoteTextView]] = defaultdict(list)
    for t in conn.execute(select(col(QT.quote_id), col(QT.lang), col(QT.text), col(QT.is_original),
                                 col(QT.is_published))
                          .where(col(QT.quote_id).in_(ids))):
        texts[t.quote_id].append(QuoteTextView(t.lang, t.text, t.is_original, t.is_published))
    themes: dict[str, list[str]] = defaultdict(list)
    for th in conn.execute(select(col(QTh.quote_id), col(QTh.theme)).where(col(QTh.quote_id).in_(ids))
                           .order_by(col(QTh.position))):
        themes[th.quote_id].append(th.theme)
    collection = conn.execute(select(col(models.CollectionRecord.rights),
                                     col(models.CollectionRecord.rights_holder))).first()
    collection_rights = (collection[0], collection[1]) if collection else (None, None)
    result = []
    for quote in rows:
        # the original first, then the other languages in a fixed order
        ordered = sorted(texts[quote.id], key=lambda t: (not t.is_original, t.lang))
        result.append(QuoteView(
            id=quote.id, anchor=f"quote-{anchor(quote.id)}", person_id=quote.person_id,
            person_name=quote.person_name, person_is_group=quote.person_is_group, stance=quote.stance,
            original_language=quote.original_language, texts=ordered, themes=themes[quote.id],
            timecode_in=format_timecode(quote.timecode_in) if quote.timecode_in is not None else None,
            timecode_out=format_timecode(quote.timecode_out) if quote.timecode_out is not None else None,
            recording=quote.recording, context=quote.context,
            cite=cite(sources, quote.source, quote.locator),
            withheld=is_withheld(viewer, (quote.visibility, quote.embargo_until),
                                 (quote.person_visibility, quote.person_embargo_until)),
            visibility_reason=readable(viewer, "visibility_reason", quote.visibility_reason),
            visibility_review=readable(viewer, "visibility_review", quote.visibility_review),
            rights=applying((quote.rights_uri, quote.rights_holder),
                            (quote.person_rights_uri, quote.person_rights_holder), collection_rights),
        ))
    return result
