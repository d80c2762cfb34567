"""The paradoxes page: admirers whose families suffered repression, and people whose own quotes
take opposing stances."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlmodel import col

from archive.access.visibility import Viewer, visible_clause
from archive.catalogue.common import Cite, cite, sources_by_id, vocabulary
from archive.catalogue.people import FateView, PersonCard, fate_view, person_card
from archive.catalogue.quotes import QuoteView, visible_quotes
from archive.catalogue.stats import collect_stats
from archive.store import models

P, Q = models.Person, models.Quote


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
    # what an empty section is made of, so that the page can say why it is empty here
    admiring_people: list[PersonCard] = field(default_factory=list)  # coded admirer or ambivalent
    repressed_families: list[PersonCard] = field(default_factory=list)  # with a relative who suffered repression
    quotes_by_stance: dict[str, int] = field(default_factory=dict)  # visible quotes per passage stance

    @property
    def is_empty(self) -> bool:
        return not self.repressed_admirers and not self.opposing_voices


ADMIRING_STANCES = ("admirer", "ambivalent")


def paradoxes(engine: Engine, viewer: Viewer) -> Paradoxes:
    repression = vocabulary(engine).repression_fates()
    sources = sources_by_id(engine, viewer)
    with Session(engine) as conn:
        F, R = models.FateEvent, models.Relative
        rows = conn.execute(
            select(P, R, F).join(R, col(F.relative_id) == R.id).join(P, col(F.person_id) == P.id)
            .where(visible_clause(viewer, P), visible_clause(viewer, R), visible_clause(viewer, F),
                   col(P.stance).in_(ADMIRING_STANCES), col(F.kind).in_(repression))
            .order_by(col(P.position), col(R.position), col(F.position))
        ).all()
        found: dict[str, RepressedAdmirer] = {}
        for p, r, e in rows:
            entry = found.get(p.id)
            if entry is None:
                entry = found[p.id] = RepressedAdmirer(
                    person_card(p, viewer), p.stance_rationale, cite(sources, p.stance_source, p.stance_locator), [])
            entry.fates.append(fate_view(e, r, sources, repression=True))
        quotes = visible_quotes(conn, viewer, sources, col(Q.stance).in_(("admirer", "critic")))
        cards = {p.id: person_card(p, viewer)
                 for p in conn.execute(select(P).where(visible_clause(viewer, P))).scalars()}
        person_order = {pid: i for i, pid in enumerate(
            conn.execute(select(col(P.id)).order_by(col(P.position))).scalars())}
        repressed_ids = set(conn.execute(select(col(F.person_id)).where(col(F.kind).in_(repression))).scalars())
    by_person: dict[str, dict[str, list[QuoteView]]] = defaultdict(lambda: defaultdict(list))
    for q in quotes:
        by_person[q.person_id][q.stance].append(q)
    opposing = [
        OpposingVoices(cards[pid], stances["admirer"], stances["critic"])
        for pid, stances in sorted(by_person.items(), key=lambda kv: person_order.get(kv[0], 0))
        if stances["admirer"] and stances["critic"] and pid in cards
    ]
    in_order = sorted(cards.values(), key=lambda card: person_order.get(card.id, 0))
    return Paradoxes(
        list(found.values()), opposing,
        admiring_people=[card for card in in_order if card.stance in ADMIRING_STANCES],
        repressed_families=[card for card in in_order if card.id in repressed_ids],
        quotes_by_stance=dict(collect_stats(engine, viewer).quotes_by_stance),
    )
