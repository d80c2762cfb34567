"""What every page of the read side shares: its errors, anchors, the vocabulary, sources and citations.

Library first: nothing in ``archive/catalogue`` knows about Flask. Each page function takes an
engine and a ``Viewer`` and answers one page as plain dataclasses. Every query passes through
``archive.access.visibility``: people through ``visible_clause``, quotes through
``quote_clause`` (a quote is shown only when it and its person are), and everything hanging
off a person (relatives, fates, timeline, interviews) through its person's visibility. A
record a viewer may not see is absent, never marked: a restricted person is "not found".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlmodel import col

from archive.access.visibility import Viewer, is_withheld, visible_clause
from archive.catalogue import read_cache
from archive.catalogue.read_cache import visibility_key
from archive.collection.vocabulary import Vocabulary
from archive.store import models
from archive.store.vocabulary_table import load_vocabulary


class NotFound(LookupError):
    """No record with this id that this viewer may see (pages answer 404)."""


class UnknownTerm(ValueError):
    """A parameter that names no term of the vocabulary (pages answer 400)."""


def anchor(record_id: str) -> str:
    """A fragment-safe form of a record id (``igor/son#1`` → ``igor-son-1``)."""
    return re.sub(r"[^a-z0-9-]+", "-", record_id.lower()).strip("-")


def pick_text(texts: dict[str, str] | None, lang: str) -> tuple[str, str] | None:
    """(language, text) of a multilingual field: the asked language, else English, else any."""
    if not texts:
        return None
    for candidate in (lang, "en", *texts):
        if texts.get(candidate):
            return candidate, texts[candidate]
    return None


def vocabulary(engine: Engine) -> Vocabulary:
    """The vocabulary as imported (once per data version; read-only)."""
    def compute() -> Vocabulary:
        with Session(engine) as conn:
            return load_vocabulary(conn)

    return read_cache.cached(engine, "vocabulary", None, compute)


# --- sources and citations ----------------------------------------------------------------


@dataclass
class Cite:
    """Where a fact comes from: the source's id (its anchor on /sources) and a place in it."""

    source: str
    locator: str | None = None
    title: str = ""


@dataclass
class SourceInfo:
    id: str
    title: str
    author: str | None
    publisher: str | None
    date: str | None
    kind: str
    url: str | None
    locator: str | None
    language: str | None
    notes: str | None
    withheld: bool = False  # restricted or embargoed, shown only because the viewer may see it


def sources_by_id(engine: Engine, viewer: Viewer) -> dict[str, SourceInfo]:
    """Every source this viewer may see (its own visibility), by id, in the collection's order
    (once per data version, role and day; read-only). A source left out is left out of every
    citation too (``cite``)."""
    def compute() -> dict[str, SourceInfo]:
        S = models.Source
        with Session(engine) as conn:
            rows = conn.execute(select(S).where(visible_clause(viewer, S)).order_by(col(S.position))).scalars().all()
            return {
                s.id: SourceInfo(s.id, s.title, s.author, s.publisher, s.date, s.kind, s.url, s.locator,
                                 s.language, s.notes, is_withheld(viewer, (s.visibility, s.embargo_until)))
                for s in rows
            }

    return read_cache.cached(engine, "sources", visibility_key(viewer), compute)


def cite(sources: dict[str, SourceInfo], source: str | None, locator: str | None = None) -> Cite | None:
    """A citation of ``source`` with its title; None when nothing is cited, or when ``sources`` (a
    viewer's, ``sources_by_id``) does not hold it: a source the viewer may not see is not cited."""
    info = sources.get(source) if source else None
    if info is None:
        return None
    return Cite(info.id, locator, info.title)


def cites(sources: dict[str, SourceInfo], items: Iterable[dict[str, Any]] | None) -> list[Cite]:
    """The citations of a list of ``{source, locator}`` items."""
    return [c for c in (cite(sources, i.get("source"), i.get("locator")) for i in items or []) if c]


def display_names(engine: Engine, viewer: Viewer) -> dict[str, dict[str, str]]:
    """Names to show for ids in facets: people the viewer may see, and source titles (once per
    data version, role and day: every person's name; read-only)."""
    def compute() -> dict[str, dict[str, str]]:
        P = models.Person
        with engine.connect() as conn:
            people = {pid: name for pid, name in conn.execute(
                select(col(P.id), col(P.name)).where(visible_clause(viewer, P)))}
            sources = {sid: title for sid, title in conn.execute(
                select(col(models.Source.id), col(models.Source.title)).where(visible_clause(viewer, models.Source)))}
        return {"person": people, "source": sources}

    return read_cache.cached(engine, "display_names", visibility_key(viewer), compute)
