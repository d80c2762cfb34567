"""Which sources a viewer may be shown.

A source is a record of the collection like any other, with a visibility of its own: a
restricted or embargoed source is withheld from a viewer who may not see it (``visible_clause``),
and so is every citation of it (``common.sources_by_id`` leaves it out, ``common.cite`` cites
nothing then). Listing a source can also tell what it is cited for: a source that only restricted
or embargoed records (or places) cite would show that they exist. So a source cited only by
records the viewer may not see is withheld from that viewer too; a source that nothing cites is
listed, as the collection lists it. This is the one rule for every list and
count of sources (the sources page, the home page, the statistics, the Data Package and the
YAML export); each record's own visibility comes from ``archive.access.visibility``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.engine import Connection, Engine
from sqlmodel import col

from archive.access.visibility import Viewer, is_visible, item_rule, quote_clause, visible_clause
from archive.catalogue import read_cache
from archive.catalogue.common import SourceInfo, sources_by_id
from archive.catalogue.read_cache import visibility_key
from archive.store import models

P, Q, R, F, T, I = (models.Person, models.Quote, models.Relative, models.FateEvent,  # noqa: E741
                    models.TimelineEvent, models.Interview)

# a person's facts that cite a source inside a JSON column: a list of {source, locator, …}
_PERSON_CITED_LISTS = ("portrait_sources", "ages", "occupations", "places")
_COLLECTION_CITED_LISTS = ("description_sources", "facts_sources", "organisations")


def withheld_sources(engine: Engine, viewer: Viewer) -> frozenset[str]:
    """The ids of the sources this viewer may not be shown: cited, and only by records the viewer
    may not see (once per data version, role and day)."""
    if viewer.sees_withheld:
        return frozenset()
    return read_cache.cached(engine, "withheld_sources", visibility_key(viewer),
                             lambda: _withheld(engine, viewer))


def listed_sources(engine: Engine, viewer: Viewer) -> list[SourceInfo]:
    """The sources this viewer may be shown, in the collection's order."""
    hidden = withheld_sources(engine, viewer)
    return [source for source in sources_by_id(engine, viewer).values() if source.id not in hidden]


def cited_sources(engine: Engine) -> set[str]:
    """Every source some record cites, whoever may see the record."""
    with engine.connect() as conn:
        return {source for source, _ in _citations(conn, Viewer("archivist")) if source}


def _withheld(engine: Engine, viewer: Viewer) -> frozenset[str]:
    cited: set[str] = set()
    shown: set[str] = set()
    S = models.Source
    with engine.connect() as conn:
        own = set(conn.execute(select(col(S.id)).where(~visible_clause(viewer, S))).scalars())
        for source, visible in _citations(conn, viewer):
            if source:
                cited.add(source)
                if visible:
                    shown.add(source)
    return frozenset((cited - shown) | own)


def _listed(items: Any, viewer: Viewer) -> Iterator[tuple[str | None, bool]]:
    """(source, whether the viewer sees the fact) of a JSON list's facts (a place has a rule of its own)."""
    for item in items or []:
        if isinstance(item, dict):
            yield item.get("source"), is_visible(viewer, *item_rule(item))


def _citations(conn: Connection, viewer: Viewer) -> Iterator[tuple[str | None, bool]]:
    """(source id, whether the viewer sees the citing record) for every citation in the archive."""
    C = models.CollectionRecord
    for row in conn.execute(select(*(col(getattr(C, name)) for name in _COLLECTION_CITED_LISTS), col(C.premiere))):
        for items in row[:-1]:
            yield from _listed(items, viewer)
        if isinstance(row.premiere, dict):
            yield row.premiere.get("source"), True
    person_shown = visible_clause(viewer, P)
    for row in conn.execute(select(col(P.stance_source), *(col(getattr(P, name)) for name in _PERSON_CITED_LISTS),
                                   person_shown.label("shown"))):
        visible = bool(row.shown)
        yield row.stance_source, visible
        for items in row[1:-1]:
            yield from ((source, visible and fact_shown) for source, fact_shown in _listed(items, viewer))
    joined_to_person = (
        (select(col(Q.source), quote_clause(viewer, Q, P).label("shown")).join(P, col(Q.person_id) == P.id)),
        (select(col(F.source), and_(person_shown, visible_clause(viewer, R), visible_clause(viewer, F)).label("shown"))
         .join(R, col(F.relative_id) == R.id).join(P, col(F.person_id) == P.id)),
        (select(col(T.source), and_(person_shown, visible_clause(viewer, T)).label("shown"))
         .join(P, col(T.person_id) == P.id)),
        (select(col(I.source), person_shown.label("shown")).join(P, col(I.person_id) == P.id)),
    )
    for statement in joined_to_person:
        for source, visible in conn.execute(statement):
            yield source, bool(visible)
