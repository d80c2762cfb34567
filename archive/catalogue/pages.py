"""The read side for pages: what each page of the archive shows, as plain dataclasses.

Library first: nothing here knows about Flask. Each function takes an engine and a
``Viewer`` and answers one page (home, people, a person, a theme, the perspectives on a
theme, the paradoxes, the sources). Every query passes through ``archive.access.visibility``:
people through ``visible_clause``, quotes through ``quote_clause`` (a quote is shown only
when it and its person are), and everything hanging off a person (relatives, fates,
timeline, interviews) through its person's visibility. A record a viewer may not see is
absent, never marked: a restricted person is "not found".
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from archive.store import models
from archive.catalogue import read_cache
from archive.catalogue.read_cache import visibility_key
from archive.catalogue.stats import Stats, collect_stats
from archive.collection.timecodes import format_timecode
from archive.access.visibility import Viewer, may_read_field, quote_clause, visible_clause
from archive.collection.vocabulary import Vocabulary
from archive.store.vocabulary_table import load_vocabulary

P, Q, QT, QTh = models.Person, models.Quote, models.QuoteText, models.QuoteTheme


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


def _sources(conn: Session) -> dict[str, SourceInfo]:
    rows = conn.execute(select(models.Source).order_by(models.Source.position)).scalars().all()
    return {
        s.id: SourceInfo(s.id, s.title, s.author, s.publisher, s.date, s.kind, s.url, s.locator, s.language, s.notes)
        for s in rows
    }


def sources_by_id(engine: Engine) -> dict[str, SourceInfo]:
    """Every source by id, in the collection's order (once per data version; read-only)."""
    def compute() -> dict[str, SourceInfo]:
        with Session(engine) as conn:
            return _sources(conn)

    return read_cache.cached(engine, "sources", None, compute)


def _cite(sources: dict[str, SourceInfo], source: str | None, locator: str | None = None) -> Cite | None:
    if not source:
        return None
    info = sources.get(source)
    return Cite(source, locator, info.title if info else source)


def _cites(sources: dict[str, SourceInfo], items: Iterable[dict[str, Any]] | None) -> list[Cite]:
    return [c for c in (_cite(sources, i.get("source"), i.get("locator")) for i in items or []) if c]


# --- quotes ---------------------------------------------------------------------------------


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
    cite: Cite
    withheld: bool = False  # restricted or embargoed, shown only because the viewer may see it

    @property
    def text_by_lang(self) -> dict[str, str]:
        return {t.lang: t.text for t in self.texts}


def _quotes(conn: Session, viewer: Viewer, sources: dict[str, SourceInfo], *where: Any) -> list[QuoteView]:
    """Visible quotes matching ``where``, in the order of the collection (person, then quote)."""
    # plain rows, not ORM instances: building a SQLModel instance costs ~5 times a row's reading
    rows = conn.execute(
        select(Q.__table__, P.name.label("person_name"), P.is_group.label("person_is_group"),
               P.visibility.label("person_visibility")).join(P, Q.person_id == P.id)
        .where(quote_clause(viewer, Q, P), *where).order_by(P.position, Q.position)
    ).all()
    if not rows:
        return []
    ids = [row.id for row in rows]
    texts: dict[str, list[QuoteTextView]] = defaultdict(list)
    for t in conn.execute(select(QT.quote_id, QT.lang, QT.text, QT.is_original, QT.is_published)
                          .where(QT.quote_id.in_(ids))):
        texts[t.quote_id].append(QuoteTextView(t.lang, t.text, t.is_original, t.is_published))
    themes: dict[str, list[str]] = defaultdict(list)
    for th in conn.execute(select(QTh.quote_id, QTh.theme).where(QTh.quote_id.in_(ids)).order_by(QTh.position)):
        themes[th.quote_id].append(th.theme)
    result = []
    for quote in rows:
        name, is_group, person_visibility = quote.person_name, quote.person_is_group, quote.person_visibility
        # the original first, then the other languages in a fixed order
        ordered = sorted(texts[quote.id], key=lambda t: (not t.is_original, t.lang))
        result.append(QuoteView(
            id=quote.id, anchor=f"quote-{anchor(quote.id)}", person_id=quote.person_id, person_name=name,
            person_is_group=is_group, stance=quote.stance, original_language=quote.original_language,
            texts=ordered, themes=themes[quote.id],
            timecode_in=format_timecode(quote.timecode_in) if quote.timecode_in is not None else None,
            timecode_out=format_timecode(quote.timecode_out) if quote.timecode_out is not None else None,
            recording=quote.recording, context=quote.context,
            cite=_cite(sources, quote.source, quote.locator) or Cite(quote.source),
            withheld=quote.visibility != "public" or person_visibility != "public",
        ))
    return result


# --- people -----------------------------------------------------------------------------------


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


def _card(person: models.Person, quote_count: int = 0) -> PersonCard:
    return PersonCard(
        id=person.id, name=person.name, name_native=person.name_native, pseudonym=person.pseudonym,
        is_group=person.is_group, role=person.role, stance=person.stance, portrait=person.portrait or {},
        quote_count=quote_count, withheld=person.visibility != "public",
    )


def _quote_counts(engine: Engine, viewer: Viewer) -> dict[str, int]:
    """Visible quotes per person id (an aggregate over every quote: once per data version and viewer)."""
    from sqlalchemy import func

    def compute() -> dict[str, int]:
        with engine.connect() as conn:
            return dict(conn.execute(
                select(Q.person_id, func.count()).join(P, Q.person_id == P.id)
                .where(quote_clause(viewer, Q, P)).group_by(Q.person_id)
            ).all())

    return read_cache.cached(engine, "quote_counts", visibility_key(viewer), compute)


def people(engine: Engine, viewer: Viewer, stance: str | None = None) -> list[PersonCard]:
    """The people this viewer may see, in collection order, optionally of one stance."""
    if stance is not None and stance not in vocabulary(engine).stances:
        raise UnknownTerm(f"unknown stance {stance!r}")
    counts = _quote_counts(engine, viewer)
    with Session(engine) as conn:
        query = select(P).where(visible_clause(viewer, P)).order_by(P.position)
        if stance is not None:
            query = query.where(P.stance == stance)
        return [_card(p, counts.get(p.id, 0)) for p in conn.execute(query).scalars()]


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
    cite: Cite
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


@dataclass
class TimelineView:
    id: str
    anchor: str
    date: str | None
    description: dict[str, str]
    place: str | None
    cite: Cite


@dataclass
class FactView:
    """An age, occupation or place of a person, with its source."""

    text: str
    detail: str | None
    cite: Cite | None


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
    quotes_by_theme: list[tuple[str | None, list[QuoteView]]]
    interviews: list[InterviewView]
    sources: list[SourceInfo]
    # behind a pseudonym; None unless the viewer may read it (visibility.may_read_field)
    real_name: str | None = None
    real_name_native: str | None = None


def _date_key(start: Any, position: int) -> tuple[Any, ...]:
    # undated records after the dated ones, in the order the file gives them
    return (start is None, start or "", position)


def person(engine: Engine, viewer: Viewer, person_id: str) -> PersonDetail:
    """Everything the person page shows; ``NotFound`` when absent or not visible."""
    terms = vocabulary(engine)
    repression = terms.repression_fates()
    sources = sources_by_id(engine)
    with Session(engine) as conn:
        record = conn.execute(select(P).where(P.id == person_id, visible_clause(viewer, P))).scalar_one_or_none()
        if record is None:
            raise NotFound(person_id)
        quotes = _quotes(conn, viewer, sources, Q.person_id == person_id)
        by_id = {q.id: q for q in quotes}

        relatives: list[RelativeView] = []
        fates: list[FateView] = []
        R, F = models.Relative, models.FateEvent
        relative_rows = conn.execute(
            select(R.__table__).where(R.person_id == person_id).order_by(R.position)).all()
        events_by_relative: dict[str, list[Any]] = defaultdict(list)
        for event in conn.execute(select(F.__table__).where(F.person_id == person_id).order_by(F.position)):
            events_by_relative[event.relative_id].append(event)
        for r in relative_rows:
            views = [
                FateView(
                    id=e.id, anchor=f"fate-{anchor(e.id)}", relative_id=r.id, relative_anchor=f"relative-{anchor(r.id)}",
                    relation=r.relation, relative_name=r.name, kind=e.kind, repression=e.kind in repression,
                    date=e.date, place=e.place, details=e.details,
                    cite=_cite(sources, e.source, e.locator) or Cite(e.source),
                    sort_key=_date_key(e.date_start, r.position * 1000 + e.position),
                )
                for e in events_by_relative[r.id]
            ]
            fates.extend(views)
            relatives.append(RelativeView(
                id=r.id, anchor=f"relative-{anchor(r.id)}", relation=r.relation, name=r.name,
                name_native=r.name_native, notes=r.notes, external_records=r.external_records or [], events=views,
            ))
        fates.sort(key=lambda f: f.sort_key)

        timeline_rows = conn.execute(
            select(models.TimelineEvent.__table__).where(models.TimelineEvent.person_id == person_id)
        ).all()
        timeline_rows = sorted(timeline_rows, key=lambda e: _date_key(e.date_start, e.position))
        events = [
            TimelineView(e.id, f"event-{anchor(e.id)}", e.date, e.description or {}, e.place,
                         _cite(sources, e.source, e.locator) or Cite(e.source))
            for e in timeline_rows
        ]
        interviews = [
            InterviewView(
                id=i.id, local_id=i.local_id, anchor=f"interview-{anchor(i.local_id)}", date=i.date, place=i.place,
                interviewer=i.interviewer, language=i.language, media=i.media,
                duration=format_timecode(i.duration_seconds) if i.duration_seconds is not None else None,
                cite=_cite(sources, i.source, i.locator),
            )
            for i in conn.execute(
                select(models.Interview.__table__).where(models.Interview.person_id == person_id)
                .order_by(models.Interview.position)
            )
        ]

    grouped: dict[str | None, list[QuoteView]] = {}
    theme_order = list(terms.themes)
    for quote in quotes:
        for theme in quote.themes or [None]:
            grouped.setdefault(theme, []).append(quote)
    quotes_by_theme = sorted(
        grouped.items(),
        key=lambda kv: (kv[0] is None, theme_order.index(kv[0]) if kv[0] in theme_order else len(theme_order)),
    )

    def facts(items: list[dict[str, Any]] | None, text_key: str, detail_key: str) -> list[FactView]:
        out = []
        for item in items or []:
            text = str(item.get(text_key, ""))
            if text_key == "years":
                text = f"{item['years']} ({item.get('as_of')})"
            out.append(FactView(text, item.get(detail_key), _cite(sources, item.get("source"), item.get("locator"))))
        return out

    detail = PersonDetail(
        card=_card(record, len(quotes)),
        stance_basis=record.stance_basis,
        stance_rationale=record.stance_rationale,
        stance_coded_by=record.stance_coded_by,
        stance_cite=_cite(sources, record.stance_source, record.stance_locator),
        supporting_quotes=[by_id[q] for q in record.stance_supporting_quotes or [] if q in by_id],
        portrait_cites=_cites(sources, record.portrait_sources),
        ages=facts(record.ages, "years", "note"),
        occupations=facts(record.occupations, "value", "note"),
        places=facts(record.places, "name", "relation"),
        relatives=relatives,
        fate_timeline=fates,
        events=events,
        quotes=quotes,
        quotes_by_theme=quotes_by_theme,
        interviews=interviews,
        sources=[],
        real_name=record.real_name if may_read_field(viewer, "real_name") else None,
        real_name_native=record.real_name_native if may_read_field(viewer, "real_name_native") else None,
    )
    cited = {c.source for c in _all_cites(detail)}
    detail.sources = [s for s in sources.values() if s.id in cited]
    return detail


def _all_cites(detail: PersonDetail) -> Iterable[Cite]:
    yield from (c for c in [detail.stance_cite] if c)
    yield from detail.portrait_cites
    for fact in (*detail.ages, *detail.occupations, *detail.places):
        if fact.cite:
            yield fact.cite
    yield from (f.cite for f in detail.fate_timeline)
    yield from (e.cite for e in detail.events)
    yield from (q.cite for q in detail.quotes)
    yield from (i.cite for i in detail.interviews if i.cite)


# --- home -------------------------------------------------------------------------------------


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
    rights: str | None


@dataclass
class HomePage:
    collection: CollectionInfo | None
    sources: list[SourceInfo]
    stats: Stats
    people_by_stance: list[tuple[str, int]]  # in the fixed stance order
    themes: list[tuple[str, int]]  # theme id, visible quotes


def collection_info(engine: Engine) -> CollectionInfo | None:
    """The collection's record (once per data version; read-only)."""
    def compute() -> CollectionInfo | None:
        with Session(engine) as conn:
            return _collection_info(conn, sources_by_id(engine))

    return read_cache.cached(engine, "collection_info", None, compute)


def _collection_info(conn: Session, sources: dict[str, SourceInfo]) -> CollectionInfo | None:
    c = conn.execute(select(models.CollectionRecord)).scalars().first()
    if c is None:
        return None
    premiere = c.premiere or None
    organisations = [{**o, "cite": _cite(sources, o.get("source"), o.get("locator"))} for o in c.organisations or []]
    return CollectionInfo(
        id=c.id, title=c.title, title_native=c.title_native, kind=c.kind, year=c.year,
        runtime_minutes=c.runtime_minutes, languages=c.languages or [], subtitle_languages=c.subtitle_languages or [],
        directors=c.directors or [], organisations=organisations, premiere=premiere,
        premiere_cite=_cite(sources, premiere.get("source"), premiere.get("locator")) if premiere else None,
        description=c.description or {}, description_cites=_cites(sources, c.description_sources),
        facts_cites=_cites(sources, c.facts_sources), rights=c.rights,
    )


def home(engine: Engine, viewer: Viewer) -> HomePage:
    """The home page (once per data version, role and day: the counts are aggregates over the
    whole collection; ``archive/catalogue/read_cache.py``; read-only)."""
    def compute() -> HomePage:
        stats = collect_stats(engine, viewer)
        sources = sources_by_id(engine)
        terms = vocabulary(engine)
        return HomePage(
            collection=collection_info(engine),
            sources=list(sources.values()),
            stats=stats,
            people_by_stance=[(s, stats.people_by_stance.get(s, 0)) for s in terms.stance_order()],
            themes=[(t, stats.quotes_by_theme.get(t, 0)) for t in terms.themes],
        )

    return read_cache.cached(engine, "home", visibility_key(viewer), compute)


def vocabulary(engine: Engine) -> Vocabulary:
    """The vocabulary as imported (once per data version; read-only)."""
    def compute() -> Vocabulary:
        with Session(engine) as conn:
            return load_vocabulary(conn)

    return read_cache.cached(engine, "vocabulary", None, compute)


# --- themes and perspectives ------------------------------------------------------------------


@dataclass
class ThemePage:
    id: str
    label: dict[str, str]
    definition: dict[str, str]
    quotes: list[QuoteView]
    people: list[PersonCard]


def theme(engine: Engine, viewer: Viewer, theme_id: str) -> ThemePage:
    term = vocabulary(engine).themes.get(theme_id)
    if term is None:
        raise NotFound(theme_id)
    sources = sources_by_id(engine)
    counts = _quote_counts(engine, viewer)
    with Session(engine) as conn:
        quotes = _quotes(conn, viewer, sources, Q.id.in_(select(QTh.quote_id).where(QTh.theme == theme_id)))
        person_ids = {q.person_id for q in quotes}
        cards = [
            _card(p, counts.get(p.id, 0))
            for p in conn.execute(
                select(P).where(P.id.in_(person_ids), visible_clause(viewer, P)).order_by(P.position)
            ).scalars()
        ]
    return ThemePage(theme_id, dict(term.label), dict(term.definition), quotes, cards)


@dataclass
class Perspectives:
    theme: ThemePage
    columns: list[tuple[str, list[QuoteView]]]  # stance id, its quotes; in the fixed stance order


def perspectives(engine: Engine, viewer: Viewer, theme_id: str) -> Perspectives:
    page = theme(engine, viewer, theme_id)
    order = vocabulary(engine).stance_order()
    columns = [(stance, [q for q in page.quotes if q.stance == stance]) for stance in order]
    return Perspectives(page, columns)


# --- paradoxes ------------------------------------------------------------------------------


@dataclass
class RepressedAdmirer:
    """A person whose relatives suffered repression, yet whose stance is admirer or ambivalent."""

    person: PersonCard
    stance_rationale: str
    stance_cite: Cite | None
    fates: list[FateView]


@dataclass
class OpposingVoices:
    """A person whose own visible quotes carry opposing stances."""

    person: PersonCard
    admiring: list[QuoteView]
    critical: list[QuoteView]


@dataclass
class Paradoxes:
    repressed_admirers: list[RepressedAdmirer]
    opposing_voices: list[OpposingVoices]


ADMIRING_STANCES = ("admirer", "ambivalent")


def paradoxes(engine: Engine, viewer: Viewer) -> Paradoxes:
    repression = vocabulary(engine).repression_fates()
    sources = sources_by_id(engine)
    with Session(engine) as conn:
        F, R = models.FateEvent, models.Relative
        rows = conn.execute(
            select(P, R, F).join(R, F.relative_id == R.id).join(P, F.person_id == P.id)
            .where(visible_clause(viewer, P), P.stance.in_(ADMIRING_STANCES), F.kind.in_(repression))
            .order_by(P.position, R.position, F.position)
        ).all()
        found: dict[str, RepressedAdmirer] = {}
        for p, r, e in rows:
            entry = found.get(p.id)
            if entry is None:
                entry = found[p.id] = RepressedAdmirer(
                    _card(p), p.stance_rationale, _cite(sources, p.stance_source, p.stance_locator), [])
            entry.fates.append(FateView(
                id=e.id, anchor=f"fate-{anchor(e.id)}", relative_id=r.id, relative_anchor=f"relative-{anchor(r.id)}",
                relation=r.relation, relative_name=r.name, kind=e.kind, repression=True, date=e.date,
                place=e.place, details=e.details, cite=_cite(sources, e.source, e.locator) or Cite(e.source),
            ))
        quotes = _quotes(conn, viewer, sources, Q.stance.in_(("admirer", "critic")))
        cards = {p.id: _card(p) for p in conn.execute(select(P).where(visible_clause(viewer, P))).scalars()}
        person_order = {pid: i for i, pid in enumerate(
            conn.execute(select(P.id).order_by(P.position)).scalars())}
    by_person: dict[str, dict[str, list[QuoteView]]] = defaultdict(lambda: defaultdict(list))
    for q in quotes:
        by_person[q.person_id][q.stance].append(q)
    opposing = [
        OpposingVoices(cards[pid], stances["admirer"], stances["critic"])
        for pid, stances in sorted(by_person.items(), key=lambda kv: person_order.get(kv[0], 0))
        if stances["admirer"] and stances["critic"] and pid in cards
    ]
    return Paradoxes(list(found.values()), opposing)


# --- sources ----------------------------------------------------------------------------------


@dataclass
class Citation:
    """One record that cites a source: what it is, whose it is, where it is shown."""

    kind: str  # collection | stance | portrait | age | occupation | place | fate | quote | event | interview | organisation | premiere
    label: str
    person_id: str | None
    person_name: str | None
    anchor: str | None
    locator: str | None


@dataclass
class SourceWithCitations:
    source: SourceInfo
    citations: list[Citation] = field(default_factory=list)


def sources_page(engine: Engine, viewer: Viewer, lang: str = "en") -> list[SourceWithCitations]:
    """Every source with every visible record that cites it (reads every person: once per data
    version, role, day and language; read-only)."""
    return read_cache.cached(engine, "sources_page", (visibility_key(viewer), lang),
                             lambda: _sources_page(engine, viewer, lang))


def _sources_page(engine: Engine, viewer: Viewer, lang: str) -> list[SourceWithCitations]:
    sources = sources_by_id(engine)
    info = collection_info(engine)
    with Session(engine) as conn:
        visible_people = conn.execute(
            select(P.id).where(visible_clause(viewer, P)).order_by(P.position)
        ).scalars().all()
    result = {sid: SourceWithCitations(s) for sid, s in sources.items()}

    def add(cite: Cite | None, citation: Citation) -> None:
        if cite and cite.source in result:
            citation.locator = cite.locator
            result[cite.source].citations.append(citation)

    if info is not None:
        for c in info.description_cites:
            add(c, Citation("collection", info.title, None, None, "about", None))
        for c in info.facts_cites:
            add(c, Citation("collection", info.title, None, None, "facts", None))
        for o in info.organisations:
            add(o["cite"], Citation("organisation", o.get("name", ""), None, None, "facts", None))
        add(info.premiere_cite, Citation("premiere", (info.premiere or {}).get("venue", ""), None, None, "facts", None))
    for pid in visible_people:
        d = person(engine, viewer, pid)
        name = d.card.name

        def cite_for(kind: str, label: str, anchor_: str | None, cite: Cite | None) -> None:
            add(cite, Citation(kind, label, pid, name, anchor_, None))

        cite_for("stance", d.card.stance, "stance", d.stance_cite)
        for c in d.portrait_cites:
            cite_for("portrait", name, "portrait", c)
        for kind, facts in (("age", d.ages), ("occupation", d.occupations), ("place", d.places)):
            for fact in facts:
                cite_for(kind, fact.text, "facts", fact.cite)
        for f in d.fate_timeline:
            cite_for("fate", f.kind, f.anchor, f.cite)
        for e in d.events:
            text = pick_text(e.description, lang)
            cite_for("event", e.date or (text[1][:80] if text else ""), e.anchor, e.cite)
        for q in d.quotes:
            cite_for("quote", q.id, q.anchor, q.cite)
        for i in d.interviews:
            cite_for("interview", i.local_id, i.anchor, i.cite)
    return list(result.values())


def display_names(engine: Engine, viewer: Viewer) -> dict[str, dict[str, str]]:
    """Names to show for ids in facets: people the viewer may see, and source titles (once per
    data version, role and day: every person's name; read-only)."""
    def compute() -> dict[str, dict[str, str]]:
        with engine.connect() as conn:
            people = {pid: name for pid, name in conn.execute(select(P.id, P.name).where(visible_clause(viewer, P)))}
            sources = {sid: title for sid, title in conn.execute(select(models.Source.id, models.Source.title))}
        return {"person": people, "source": sources}

    return read_cache.cached(engine, "display_names", visibility_key(viewer), compute)
