"""The paradoxes page: admirers whose families suffered repression, and people whose own quotes
take opposing stances."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlmodel import col

from archive.access.visibility import Viewer, visible_clause
from archive.catalogue.common import Cite, cite, sources_by_id, vocabulary
from archive.catalogue.people import FateView, PersonCard, fate_view, person_card
from archive.catalogue.quotes import QuoteView, visible_quotes
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


ADMIRING_STANCES = ("admirer", "ambivalent")


def paradoxes(engine: Engine, viewer: Viewer) -> Paradoxes:
    repression = vocabulary(engine).repression_fates()
    sources = sources_by_id(engine)
    with Session(engine) as conn:
        F, R = models.FateEvent, models.Relative
        rows = conn.execute(
            select(P, R, F).join(R, col(F.relative_id) == R.id).join(P, col(F.person_id) == P.id)
            .where(visible_clause(viewer, P), col(P.stance).in_(ADMIRING_STANCES), col(F.kind).in_(repression))
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
    by_person: dict[str, dict[str, list[QuoteView]]] = defaultdict(lambda: defaultdict(list))
    for q in quotes:
        by_person[q.person_id][q.stance].append(q)
    opposing = [
        OpposingVoices(cards[pid], stances["admirer"], stances["critic"])
        for pid, stances in sorted(by_person.items(), key=lambda kv: person_order.get(kv[0], 0))
        if stances["admirer"] and stances["critic"] and pid in cards
    ]
    return Paradoxes(list(found.values()), opposing)
