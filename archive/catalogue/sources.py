"""The sources page: every source, with every visible record that cites it; a source that only
withheld records cite is not listed to those who may not see them."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlmodel import col

from archive.access.visibility import Viewer, visible_clause
from archive.catalogue import read_cache
from archive.catalogue.collection import CollectionInfo, collection_info
from archive.catalogue.common import Cite, SourceInfo, pick_text, sources_by_id
from archive.catalogue.people import PersonDetail, person
from archive.catalogue.read_cache import visibility_key
from archive.catalogue.source_visibility import withheld_sources
from archive.store import models

P = models.Person


@dataclass
class Citation:
    """One record that cites a source: what it is, whose it is, where it is shown."""

    # collection | stance | portrait | age | occupation | place | fate | quote | event | interview | organisation
    # | premiere
    kind: str
    label: str  # what a reader recognises: a vocabulary id for stance and fate, else words of the record
    person_id: str | None
    person_name: str | None
    anchor: str | None
    locator: str | None
    label_lang: str = "en"  # the language the label is written in


@dataclass
class SourceWithCitations:
    source: SourceInfo
    citations: list[Citation] = field(default_factory=list)


def sources_page(engine: Engine, viewer: Viewer, lang: str = "en") -> list[SourceWithCitations]:
    """Every source with every visible record that cites it (reads every person: once per data
    version, role, day and language; read-only)."""
    return read_cache.cached(engine, "sources_page", (visibility_key(viewer), lang),
                             lambda: _sources_page(engine, viewer, lang))


class _Citations:
    """The citations found so far, by source; a citation of an unknown source is left out."""

    def __init__(self, sources: dict[str, SourceInfo]):
        self.by_source = {sid: SourceWithCitations(s) for sid, s in sources.items()}

    def add(self, cite: Cite | None, citation: Citation) -> None:
        if cite and cite.source in self.by_source:
            citation.locator = cite.locator
            self.by_source[cite.source].citations.append(citation)


def _sources_page(engine: Engine, viewer: Viewer, lang: str) -> list[SourceWithCitations]:
    found = _Citations(sources_by_id(engine, viewer))
    info = collection_info(engine, viewer)
    if info is not None:
        _collection_citations(found, info)
    with Session(engine) as conn:
        visible_people = conn.execute(
            select(col(P.id)).where(visible_clause(viewer, P)).order_by(col(P.position))
        ).scalars().all()
    for person_id in visible_people:
        _person_citations(found, person(engine, viewer, person_id), lang)
    # a source that only withheld records cite would tell that they exist: the one rule leaves it out
    hidden = withheld_sources(engine, viewer)
    return [entry for entry in found.by_source.values() if entry.source.id not in hidden]


def first_words(text: str, limit: int = 60) -> str:
    """The opening words of a text, cut at a word and marked "…" when there is more."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:.") + "…"


def _collection_citations(found: _Citations, info: CollectionInfo) -> None:
    for c in info.description_cites:
        found.add(c, Citation("collection", info.title, None, None, "about", None))
    for c in info.facts_cites:
        found.add(c, Citation("collection", info.title, None, None, "facts", None))
    for o in info.organisations:
        found.add(o["cite"], Citation("organisation", o.get("name", ""), None, None, "facts", None))
    found.add(info.premiere_cite,
              Citation("premiere", (info.premiere or {}).get("venue", ""), None, None, "facts", None))


def _person_citations(found: _Citations, detail: PersonDetail, lang: str) -> None:
    person_id, name = detail.card.id, detail.card.name

    def add(kind: str, label: str, anchor: str | None, cite: Cite | None, label_lang: str = "en") -> None:
        found.add(cite, Citation(kind, label, person_id, name, anchor, None, label_lang))

    add("stance", detail.card.stance, "stance", detail.stance_cite)
    for c in detail.portrait_cites:
        add("portrait", name, "portrait", c)
    for kind, facts in (("age", detail.ages), ("occupation", detail.occupations), ("place", detail.places)):
        for fact in facts:
            add(kind, fact.text, "facts", fact.cite)
    for f in detail.fate_timeline:
        if f.kind == "other" and f.details:  # the catch-all fate reads as the sources' own words
            add("fate-other", f.details, f.anchor, f.cite)
        else:
            add("fate", f.kind, f.anchor, f.cite)
    for e in detail.events:
        text = pick_text(e.description, lang)
        add("event", first_words(text[1]) if text else "", e.anchor, e.cite, text[0] if text else "en")
    for q in detail.quotes:
        text = pick_text(q.text_by_lang, lang)
        add("quote", first_words(text[1]) if text else "", q.anchor, q.cite, text[0] if text else "en")
    for i in detail.interviews:
        add("interview", i.local_id, i.anchor, i.cite)
