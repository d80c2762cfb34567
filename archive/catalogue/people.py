"""The people pages: the list of people, and everything one person's page shows."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlmodel import col

from archive.access.visibility import (
    Viewer,
    is_withheld,
    item_rule,
    may_read_field,
    quote_clause,
    readable,
    visible_clause,
    visible_items,
)
from archive.catalogue import read_cache
from archive.catalogue.collection import collection_info
from archive.catalogue.common import (
    Cite,
    NotFound,
    SourceInfo,
    UnknownTerm,
    anchor,
    cite,
    cites,
    sources_by_id,
    vocabulary,
)
from archive.catalogue.quotes import QuoteView, visible_quotes
from archive.catalogue.read_cache import visibility_key
from archive.catalogue.rights import RightsStatement, applying
from archive.collection.timecodes import format_timecode, parse_timecode
from archive.store import models

P, Q = models.Person, models.Quote


@dataclass
class PersonCard:
    id: str
    name: str
    name_native: str | None
    pseudonym: bool
    is_group: bool
    role: str
    stance: str
    portrait: dict[str, str]
    quote_count: int = 0
    withheld: bool = False  # restricted or embargoed, shown only because the viewer may see it

    @property
    def summary(self) -> dict[str, str]:
        """The portrait's first sentence in each language: the one line a list of people shows."""
        return {lang: first_sentence(text) for lang, text in self.portrait.items()}


_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[\"“«(]?[A-ZА-ЯЁ])")


def first_sentence(text: str, limit: int = 200) -> str:
    """The first sentence of ``text``, cut at a word (with "…") when longer than ``limit``."""
    sentence = _SENTENCE_END.split(text.strip(), maxsplit=1)[0]
    if len(sentence) <= limit:
        return sentence
    return sentence[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def person_card(person: models.Person, viewer: Viewer, quote_count: int = 0) -> PersonCard:
    return PersonCard(
        id=person.id, name=person.name, name_native=person.name_native, pseudonym=person.pseudonym,
        is_group=person.is_group, role=person.role, stance=person.stance, portrait=person.portrait or {},
        quote_count=quote_count, withheld=is_withheld(viewer, (person.visibility, person.embargo_until)),
    )


def quote_counts(engine: Engine, viewer: Viewer) -> dict[str, int]:
    """Visible quotes per person id (an aggregate over every quote: once per data version and viewer)."""
    def compute() -> dict[str, int]:
        with engine.connect() as conn:
            return dict(conn.execute(
                select(col(Q.person_id), func.count()).join(P, col(Q.person_id) == P.id)
                .where(quote_clause(viewer, Q, P)).group_by(col(Q.person_id))
            ).all())

    return read_cache.cached(engine, "quote_counts", visibility_key(viewer), compute)


def people(engine: Engine, viewer: Viewer, stance: str | None = None) -> list[PersonCard]:
    """The people this viewer may see, in collection order, optionally of one stance."""
    if stance is not None and stance not in vocabulary(engine).stances:
        raise UnknownTerm(f"unknown stance {stance!r}")
    counts = quote_counts(engine, viewer)
    with Session(engine) as conn:
        query = select(P).where(visible_clause(viewer, P)).order_by(col(P.position))
        if stance is not None:
            query = query.where(col(P.stance) == stance)
        return [person_card(p, viewer, counts.get(p.id, 0)) for p in conn.execute(query).scalars()]


# --- one person -------------------------------------------------------------------------------


@dataclass
class FateView:
    id: str
    anchor: str
    relative_id: str
    relative_anchor: str
    relation: str
    relative_name: str | None
    kind: str
    repression: bool
    date: str | None
    place: str | None
    details: str | None
    cite: Cite | None  # None: its source is one the viewer may not see
    sort_key: tuple[Any, ...] = ()


@dataclass
class RelativeView:
    id: str
    anchor: str
    relation: str
    name: str | None
    name_native: str | None
    notes: str | None
    external_records: list[dict[str, Any]]
    events: list[FateView]
    pseudonym: bool = False
    # behind a pseudonym; None unless the viewer may read it (visibility.may_read_field)
    real_name: str | None = None
    real_name_native: str | None = None


@dataclass
class TimelineView:
    id: str
    anchor: str
    date: str | None
    description: dict[str, str]
    place: str | None
    cite: Cite | None  # None: its source is one the viewer may not see


@dataclass
class FactView:
    """An age, occupation or place of a person, with its source."""

    text: str
    detail: str | None
    cite: Cite | None
    as_of: str | None = None  # for an age: the date it was true (an EDTF-like value)
    withheld: bool = False  # a place restricted or embargoed, shown only because the viewer may see it
    visibility_reason: str | None = None  # researchers and archivists only (the visibility rule)
    visibility_review: str | None = None  # archivists only


@dataclass
class InterviewView:
    id: str
    local_id: str
    anchor: str
    date: str | None
    place: str | None
    interviewer: str | None
    language: str | None
    media: str | None
    duration: str | None
    cite: Cite | None
    title: dict[str, str] = field(default_factory=dict)  # per language


@dataclass
class PersonDetail:
    card: PersonCard
    stance_basis: str
    stance_rationale: str
    stance_coded_by: str
    stance_cite: Cite | None
    supporting_quotes: list[QuoteView]
    portrait_cites: list[Cite]
    ages: list[FactView]
    occupations: list[FactView]
    places: list[FactView]
    relatives: list[RelativeView]
    fate_timeline: list[FateView]
    events: list[TimelineView]
    quotes: list[QuoteView]
    quotes_by_theme: list[tuple[str | None, list[QuoteView]]]  # each quote once, under its first theme
    quotes_by_source: list[tuple[SourceInfo | None, list[QuoteView]]]  # in the order the record gives them
    interviews: list[InterviewView]
    sources: list[SourceInfo]
    # behind a pseudonym; None unless the viewer may read it (visibility.may_read_field)
    real_name: str | None = None
    real_name_native: str | None = None
    # why the person is withheld (researchers), when to review it (archivists), when the stance was
    # coded (researchers); None unless the viewer may read it
    visibility_reason: str | None = None
    visibility_review: str | None = None
    stance_coded_on: str | None = None
    # the quotes of each interview in the order they are said in it; the others last, as the record gives them
    quotes_by_interview: list[tuple[InterviewView | None, list[QuoteView]]] = field(default_factory=list)
    rights: RightsStatement | None = None  # the testimony's own, else the collection's


def person(engine: Engine, viewer: Viewer, person_id: str) -> PersonDetail:
    """Everything the person page shows; ``NotFound`` when absent or not visible.

    Read once per web request (``read_cache.for_this_request``): the page and its metadata
    both ask, and so does the 404 page of an id that is not there. Read-only."""
    found = read_cache.for_this_request(engine, "person", (visibility_key(viewer), person_id),
                                        lambda: _person(engine, viewer, person_id))
    if found is None:
        raise NotFound(person_id)
    return found


def _person(engine: Engine, viewer: Viewer, person_id: str) -> PersonDetail | None:
    terms = vocabulary(engine)
    sources = sources_by_id(engine, viewer)
    with Session(engine) as conn:
        record = conn.execute(select(P).where(col(P.id) == person_id, visible_clause(viewer, P))).scalar_one_or_none()
        if record is None:
            return None
        quotes = visible_quotes(conn, viewer, sources, col(Q.person_id) == person_id)
        relatives, fates = _relatives(conn, viewer, person_id, sources, terms.repression_fates())
        events = _timeline(conn, viewer, person_id, sources)
        interviews = _interviews(conn, person_id, sources)

    by_id = {q.id: q for q in quotes}
    detail = PersonDetail(
        card=person_card(record, viewer, len(quotes)),
        stance_basis=record.stance_basis,
        stance_rationale=record.stance_rationale,
        stance_coded_by=record.stance_coded_by,
        stance_cite=cite(sources, record.stance_source, record.stance_locator),
        supporting_quotes=[by_id[q] for q in record.stance_supporting_quotes or [] if q in by_id],
        portrait_cites=cites(sources, record.portrait_sources),
        ages=_facts(sources, record.ages, "years", "note"),
        occupations=_facts(sources, record.occupations, "value", "note"),
        places=_facts(sources, visible_items(viewer, record.places), "name", "relation", viewer),
        relatives=relatives,
        fate_timeline=fates,
        events=events,
        quotes=quotes,
        quotes_by_theme=_by_theme(quotes, list(terms.themes)),
        quotes_by_source=_by_source(quotes, sources),
        interviews=interviews,
        quotes_by_interview=_by_interview(quotes, interviews),
        sources=[],
        real_name=record.real_name if may_read_field(viewer, "real_name") else None,
        real_name_native=record.real_name_native if may_read_field(viewer, "real_name_native") else None,
        visibility_reason=readable(viewer, "visibility_reason", record.visibility_reason),
        visibility_review=readable(viewer, "visibility_review", record.visibility_review),
        stance_coded_on=readable(viewer, "stance_coded_on", record.stance_coded_on),
        rights=person_rights(engine, record.rights_uri, record.rights_holder),
    )
    cited = {c.source for c in _all_cites(detail)}
    detail.sources = [s for s in sources.values() if s.id in cited]
    return detail


def person_rights(engine: Engine, uri: str | None, holder: str | None) -> RightsStatement | None:
    """The rights a person's testimony stands under: its own, else the collection's."""
    info = collection_info(engine)
    return applying((uri, holder), (info.rights, info.rights_holder) if info else (None, None))


def relatives_by_id(engine: Engine, viewer: Viewer) -> dict[str, tuple[str, str | None]]:
    """The relation (a vocabulary id) and own name of every relative the viewer may see, by id:
    what a search hit of a relative is titled by in the page's language (once per data version,
    role and day; read-only)."""
    def compute() -> dict[str, tuple[str, str | None]]:
        R = models.Relative
        with engine.connect() as conn:
            return {rid: (relation, name) for rid, relation, name in conn.execute(
                select(col(R.id), col(R.relation), col(R.name)).join(P, col(R.person_id) == P.id)
                .where(visible_clause(viewer, P), visible_clause(viewer, R)))}

    return read_cache.cached(engine, "relatives_by_id", visibility_key(viewer), compute)


def _date_key(start: Any, position: int) -> tuple[Any, ...]:
    # undated records after the dated ones, in the order the file gives them
    return (start is None, start or "", position)


def fate_view(event: Any, relative: Any, sources: dict[str, SourceInfo], repression: bool,
              sort_key: tuple[Any, ...] = ()) -> FateView:
    """A fate event of a relative (rows of ``fate_event`` and ``relative``)."""
    return FateView(
        id=event.id, anchor=f"fate-{anchor(event.id)}", relative_id=relative.id,
        relative_anchor=f"relative-{anchor(relative.id)}", relation=relative.relation, relative_name=relative.name,
        kind=event.kind, repression=repression, date=event.date, place=event.place, details=event.details,
        cite=cite(sources, event.source, event.locator), sort_key=sort_key,
    )


def _relatives(conn: Session, viewer: Viewer, person_id: str, sources: dict[str, SourceInfo],
               repression: set[str]) -> tuple[list[RelativeView], list[FateView]]:
    """The person's relatives with their fates, and every fate in the order of their dates."""
    R, F = models.Relative, models.FateEvent
    relative_rows = conn.execute(
        select(models.table_of(R)).where(col(R.person_id) == person_id, visible_clause(viewer, R))
        .order_by(col(R.position))).all()
    events_by_relative: dict[str, list[Any]] = defaultdict(list)
    for event in conn.execute(
            select(models.table_of(F)).where(col(F.person_id) == person_id, visible_clause(viewer, F))
            .order_by(col(F.position))):
        events_by_relative[event.relative_id].append(event)
    relatives: list[RelativeView] = []
    fates: list[FateView] = []
    for r in relative_rows:
        views = [fate_view(e, r, sources, e.kind in repression, _date_key(e.date_start, r.position * 1000 + e.position))
                 for e in events_by_relative[r.id]]
        fates.extend(views)
        relatives.append(RelativeView(
            id=r.id, anchor=f"relative-{anchor(r.id)}", relation=r.relation, name=r.name,
            name_native=r.name_native, notes=r.notes, external_records=r.external_records or [], events=views,
            pseudonym=bool(r.pseudonym), real_name=readable(viewer, "real_name", r.real_name),
            real_name_native=readable(viewer, "real_name_native", r.real_name_native),
        ))
    fates.sort(key=lambda f: f.sort_key)
    return relatives, fates


def _timeline(conn: Session, viewer: Viewer, person_id: str, sources: dict[str, SourceInfo]) -> list[TimelineView]:
    T = models.TimelineEvent
    rows = conn.execute(select(models.table_of(T)).where(col(T.person_id) == person_id,
                                                         visible_clause(viewer, T))).all()
    return [
        TimelineView(e.id, f"event-{anchor(e.id)}", e.date, e.description or {}, e.place,
                     cite(sources, e.source, e.locator))
        for e in sorted(rows, key=lambda e: _date_key(e.date_start, e.position))
    ]


def _interviews(conn: Session, person_id: str, sources: dict[str, SourceInfo]) -> list[InterviewView]:
    I = models.Interview  # noqa: E741
    return [
        InterviewView(
            id=i.id, local_id=i.local_id, anchor=f"interview-{anchor(i.local_id)}", date=i.date, place=i.place,
            interviewer=i.interviewer, language=i.language, media=i.media,
            duration=format_timecode(i.duration_seconds) if i.duration_seconds is not None else None,
            cite=cite(sources, i.source, i.locator), title=i.title or {},
        )
        for i in conn.execute(
            select(models.table_of(I)).where(col(I.person_id) == person_id).order_by(col(I.position)))
    ]


def _by_theme(quotes: list[QuoteView], theme_order: list[str]) -> list[tuple[str | None, list[QuoteView]]]:
    """The quotes under their first theme, in the vocabulary's order; quotes without a theme last.
    Each quote is shown once (its other themes are named with it), so no heading stands empty."""
    grouped: dict[str | None, list[QuoteView]] = {}
    for quote in quotes:
        grouped.setdefault(quote.themes[0] if quote.themes else None, []).append(quote)
    return sorted(
        grouped.items(),
        key=lambda kv: (kv[0] is None, theme_order.index(kv[0]) if kv[0] in theme_order else len(theme_order)),
    )


def _by_interview(quotes: list[QuoteView],
                  interviews: list[InterviewView]) -> list[tuple[InterviewView | None, list[QuoteView]]]:
    """The quotes under the interview they were said in, in the interviews' order, each interview's
    in the order of its recording (by the quote's timecode; untimed ones after, as the record gives
    them); quotes from no interview of the person last. Empty when the person has no interview."""
    if not interviews:
        return []
    by_local = {interview.local_id: interview for interview in interviews}
    grouped: dict[str | None, list[QuoteView]] = {}
    for quote in quotes:
        grouped.setdefault(quote.recording if quote.recording in by_local else None, []).append(quote)

    def said_at(quote: QuoteView) -> tuple[bool, float]:
        return (quote.timecode_in is None, parse_timecode(quote.timecode_in) if quote.timecode_in else 0.0)

    ordered: list[tuple[InterviewView | None, list[QuoteView]]] = [
        (interview, sorted(grouped[interview.local_id], key=said_at))  # a stable sort keeps the record's ties
        for interview in interviews if interview.local_id in grouped]
    if None in grouped:
        ordered.append((None, grouped[None]))
    return ordered


def _by_source(quotes: list[QuoteView],
               sources: dict[str, SourceInfo]) -> list[tuple[SourceInfo | None, list[QuoteView]]]:
    """The quotes by the source they come from, each source's in the order the record gives them
    (the order of the interview or the article); the sources in the order they first appear."""
    grouped: dict[str | None, list[QuoteView]] = {}
    for quote in quotes:
        grouped.setdefault(quote.cite.source if quote.cite else None, []).append(quote)
    return [(sources.get(source) if source else None, group) for source, group in grouped.items()]


def _facts(sources: dict[str, SourceInfo], items: list[dict[str, Any]] | None, text_key: str,
           detail_key: str, viewer: Viewer | None = None) -> list[FactView]:
    """Facts as shown; a fact with a visibility of its own (a place, already filtered by
    ``visible_items``) is marked withheld for a viewer who sees it only as a researcher."""
    out = []
    for item in items or []:
        own = item.get("visibility") or {}
        out.append(FactView(str(item.get(text_key, "")), item.get(detail_key),
                            cite(sources, item.get("source"), item.get("locator")),
                            as_of=item.get("as_of") if text_key == "years" else None))
        if viewer is not None:
            out[-1].withheld = is_withheld(viewer, item_rule(item))
            out[-1].visibility_reason = readable(viewer, "visibility_reason", own.get("reason"))
            out[-1].visibility_review = readable(viewer, "visibility_review", own.get("review"))
    return out


def _all_cites(detail: PersonDetail) -> Iterable[Cite]:
    yield from (c for c in [detail.stance_cite] if c)
    yield from detail.portrait_cites
    for fact in (*detail.ages, *detail.occupations, *detail.places):
        if fact.cite:
            yield fact.cite
    yield from (f.cite for f in detail.fate_timeline if f.cite)
    yield from (e.cite for e in detail.events if e.cite)
    yield from (q.cite for q in detail.quotes if q.cite)
    yield from (i.cite for i in detail.interviews if i.cite)
