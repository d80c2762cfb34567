"""Counts of the archive: people and quotes per stance, quotes per theme, relatives per fate."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import col

from archive.access.visibility import Viewer, quote_clause, visible_clause
from archive.catalogue import read_cache
from archive.catalogue.source_visibility import listed_sources
from archive.store import models


@dataclass
class Stats:
    people: int = 0
    quotes: int = 0
    relatives: int = 0
    sources: int = 0
    people_by_stance: dict[str, int] = field(default_factory=dict)
    quotes_by_stance: dict[str, int] = field(default_factory=dict)
    quotes_by_theme: dict[str, int] = field(default_factory=dict)
    relatives_by_fate: dict[str, int] = field(default_factory=dict)


def collect_stats(engine: Engine, viewer: Viewer) -> Stats:
    """Counts over what ``viewer`` may see (computed once per data version, role and day:
    ``archive/catalogue/read_cache.py``; treat the answer as read-only)."""
    return read_cache.cached(engine, "stats", read_cache.visibility_key(viewer),
                             lambda: _collect_stats(engine, viewer))


def _collect_stats(engine: Engine, viewer: Viewer) -> Stats:
    P, Q, QT, R, F = models.Person, models.Quote, models.QuoteTheme, models.Relative, models.FateEvent
    person_ok = visible_clause(viewer, P)
    quote_ok = quote_clause(viewer, Q, P)
    with engine.connect() as conn:
        stats = Stats()
        stats.people = conn.scalar(select(func.count()).select_from(P).where(person_ok)) or 0
        stats.quotes = conn.scalar(select(func.count()).select_from(Q).join(P).where(quote_ok)) or 0
        stats.relatives = conn.scalar(select(func.count()).select_from(R).join(P)
                                      .where(person_ok, visible_clause(viewer, R))) or 0
        stats.sources = len(listed_sources(engine, viewer))
        stats.people_by_stance = dict(conn.execute(
            select(col(P.stance), func.count()).where(person_ok).group_by(col(P.stance))).all())
        stats.quotes_by_stance = dict(conn.execute(
            select(col(Q.stance), func.count()).join(P).where(quote_ok).group_by(col(Q.stance))).all())
        stats.quotes_by_theme = dict(conn.execute(
            select(col(QT.theme), func.count()).join(Q, col(QT.quote_id) == Q.id).join(P, col(Q.person_id) == P.id)
            .where(quote_ok).group_by(col(QT.theme))).all())
        # a relative counts once per fate, however many events of that fate they have
        stats.relatives_by_fate = dict(conn.execute(
            select(col(F.kind), func.count(func.distinct(F.relative_id))).join(P, col(F.person_id) == P.id)
            .join(R, col(F.relative_id) == R.id)
            .where(person_ok, visible_clause(viewer, R), visible_clause(viewer, F)).group_by(col(F.kind))).all())
    return stats
