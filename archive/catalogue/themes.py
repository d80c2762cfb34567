"""The theme pages: a theme's quotes and people, and its perspectives (the quotes by stance)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlmodel import col

from archive.access.visibility import Viewer, quote_clause, visible_clause
from archive.catalogue import read_cache
from archive.catalogue.common import NotFound, sources_by_id, vocabulary
from archive.catalogue.people import PersonCard, person_card, quote_counts
from archive.catalogue.quotes import QuoteView, visible_quotes
from archive.catalogue.read_cache import visibility_key
from archive.store import models

P, Q, QTh = models.Person, models.Quote, models.QuoteTheme
NOT_STATED = "not-stated"


def states_a_stance(stances: Iterable[str]) -> bool:
    """Whether any of the passages of these stances is coded with a stance (``not-stated`` is no
    view): a theme whose passages all are "Not stated" has no perspectives to offer, so nothing
    links to its perspectives page."""
    return any(stance != NOT_STATED for stance in stances)


def themes_with_perspectives(engine: Engine, viewer: Viewer) -> frozenset[str]:
    """The themes with a visible passage coded with a stance (once per data version, role and
    day; read-only)."""
    def compute() -> frozenset[str]:
        stances: dict[str, set[str]] = defaultdict(set)
        with engine.connect() as conn:
            for theme_id, stance in conn.execute(
                    select(col(QTh.theme), col(Q.stance)).distinct().join(Q, col(QTh.quote_id) == Q.id)
                    .join(P, col(Q.person_id) == P.id).where(quote_clause(viewer, Q, P))):
                stances[theme_id].add(stance)
        return frozenset(theme_id for theme_id, found in stances.items() if states_a_stance(found))

    return read_cache.cached(engine, "themes_with_perspectives", visibility_key(viewer), compute)


@dataclass
class ThemePage:
    id: str
    label: dict[str, str]
    definition: dict[str, str]
    quotes: list[QuoteView]
    people: list[PersonCard]

    @property
    def has_perspectives(self) -> bool:
        """Whether a visible passage on the theme is coded with a stance (the page links its perspectives)."""
        return states_a_stance(q.stance for q in self.quotes)


def theme(engine: Engine, viewer: Viewer, theme_id: str) -> ThemePage:
    """A theme's visible quotes and the people who speak of it; ``NotFound`` for an unknown theme."""
    term = vocabulary(engine).themes.get(theme_id)
    if term is None:
        raise NotFound(theme_id)
    sources = sources_by_id(engine, viewer)
    counts = quote_counts(engine, viewer)
    with Session(engine) as conn:
        quotes = visible_quotes(conn, viewer, sources,
                                col(Q.id).in_(select(col(QTh.quote_id)).where(col(QTh.theme) == theme_id)))
        person_ids = {q.person_id for q in quotes}
        cards = [
            person_card(p, viewer, counts.get(p.id, 0))
            for p in conn.execute(
                select(P).where(col(P.id).in_(person_ids), visible_clause(viewer, P)).order_by(col(P.position))
            ).scalars()
        ]
    return ThemePage(theme_id, dict(term.label), dict(term.definition), quotes, cards)


@dataclass
class Perspectives:
    theme: ThemePage
    columns: list[tuple[str, list[QuoteView]]]  # stance id, its quotes; in the fixed stance order

    @property
    def filled_columns(self) -> list[tuple[str, list[QuoteView]]]:
        """The columns that hold a passage: only these are drawn."""
        return [(stance, quotes) for stance, quotes in self.columns if quotes]

    @property
    def empty_stances(self) -> list[str]:
        return [stance for stance, quotes in self.columns if not quotes]

    @property
    def compares(self) -> bool:
        """Whether the view sets at least two stated stances side by side (``not-stated`` is no view)."""
        return sum(1 for stance, _quotes in self.filled_columns if stance != NOT_STATED) >= 2


def perspectives(engine: Engine, viewer: Viewer, theme_id: str) -> Perspectives:
    page = theme(engine, viewer, theme_id)
    order = vocabulary(engine).stance_order()
    columns = [(stance, [q for q in page.quotes if q.stance == stance]) for stance in order]
    return Perspectives(page, columns)
