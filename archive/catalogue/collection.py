"""The collection's own record and the home page that presents it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from archive.access.visibility import Viewer
from archive.catalogue import read_cache
from archive.catalogue.common import (
    Cite,
    SourceInfo,
    cite,
    cites,
    sources_by_id,
    vocabulary,
)
from archive.catalogue.read_cache import visibility_key
from archive.catalogue.rights import RightsStatement, applying
from archive.catalogue.source_visibility import listed_sources
from archive.catalogue.stats import Stats, collect_stats
from archive.store import models


@dataclass
class CollectionInfo:
    id: str
    title: str
    title_native: str | None
    kind: str
    year: int | None
    runtime_minutes: int | None
    languages: list[str]
    subtitle_languages: list[str]
    directors: list[str]
    organisations: list[dict[str, Any]]
    premiere: dict[str, Any] | None
    premiere_cite: Cite | None
    description: dict[str, str]
    description_cites: list[Cite]
    facts_cites: list[Cite]
    rights: str | None  # a URI or words, as the collection gives it
    rights_holder: str | None = None

    @property
    def rights_statement(self) -> RightsStatement | None:
        """The collection's rights: what every record without its own stands under."""
        return applying((self.rights, self.rights_holder))


def collection_info(engine: Engine, viewer: Viewer | None = None) -> CollectionInfo | None:
    """The collection's record, citing only the sources this viewer (by default the public) may see
    (once per data version, role and day; read-only)."""
    viewer = viewer or Viewer()

    def compute() -> CollectionInfo | None:
        with Session(engine) as conn:
            return _collection_info(conn, sources_by_id(engine, viewer))

    return read_cache.cached(engine, "collection_info", visibility_key(viewer), compute)


def _collection_info(conn: Session, sources: dict[str, SourceInfo]) -> CollectionInfo | None:
    c = conn.execute(select(models.CollectionRecord)).scalars().first()
    if c is None:
        return None
    premiere = c.premiere or None
    organisations = [{**o, "cite": cite(sources, o.get("source"), o.get("locator"))} for o in c.organisations or []]
    return CollectionInfo(
        id=c.id, title=c.title, title_native=c.title_native, kind=c.kind, year=c.year,
        runtime_minutes=c.runtime_minutes, languages=c.languages or [], subtitle_languages=c.subtitle_languages or [],
        directors=c.directors or [], organisations=organisations, premiere=premiere,
        premiere_cite=cite(sources, premiere.get("source"), premiere.get("locator")) if premiere else None,
        description=c.description or {}, description_cites=cites(sources, c.description_sources),
        facts_cites=cites(sources, c.facts_sources), rights=c.rights, rights_holder=c.rights_holder,
    )


@dataclass
class HomePage:
    collection: CollectionInfo | None
    sources: list[SourceInfo]
    stats: Stats
    people_by_stance: list[tuple[str, int]]  # in the fixed stance order
    themes: list[tuple[str, int]]  # theme id, visible quotes


def home(engine: Engine, viewer: Viewer) -> HomePage:
    """The home page (once per data version, role and day: the counts are aggregates over the
    whole collection; ``archive/catalogue/read_cache.py``; read-only)."""
    def compute() -> HomePage:
        stats = collect_stats(engine, viewer)
        terms = vocabulary(engine)
        return HomePage(
            collection=collection_info(engine, viewer),
            sources=listed_sources(engine, viewer),
            stats=stats,
            people_by_stance=[(s, stats.people_by_stance.get(s, 0)) for s in terms.stance_order()],
            themes=[(t, stats.quotes_by_theme.get(t, 0)) for t in terms.themes],
        )

    return read_cache.cached(engine, "home", visibility_key(viewer), compute)
