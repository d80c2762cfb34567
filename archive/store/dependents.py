"""Which people's records show a source or a vocabulary term.

A person's published record (their page, their Dublin Core, their search documents) shows the
title of every source it cites and the label of every term it uses. When an import changes a
source or a term and nothing else, only the people whose records cite or use it have changed:
the import stamps those (``archive/store/row_writer.py``), not everyone. Read inside the import's
transaction, after its rows are written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlmodel import col

from archive.store import models

P, Q, QTh, R, F, T, I, IP = (models.Person, models.Quote, models.QuoteTheme, models.Relative,  # noqa: E741
                             models.FateEvent, models.TimelineEvent, models.Interview, models.IndexPoint)

# a person's facts that cite a source inside a JSON column: a list of {source, locator, …}
_CITED_LISTS = ("portrait_sources", "ages", "occupations", "places")
# the tables whose rows cite one source each, in a ``source`` column
_CITING_TABLES = (Q, F, T, I)
# a vocabulary's kind -> the (table, person column, term column) whose rows use its terms
_TERM_USES: dict[str, tuple[tuple[Any, Any, Any], ...]] = {
    "stances": ((P, P.id, P.stance), (Q, Q.person_id, Q.stance)),
    "roles": ((P, P.id, P.role),),
    "relations": ((R, R.person_id, R.relation),),
    "fates": ((F, F.person_id, F.kind),),
}


def _cites(items: Any, sources: set[str]) -> bool:
    return any(isinstance(item, Mapping) and item.get("source") in sources for item in items or [])


def people_citing(conn: Connection, sources: Iterable[str]) -> set[str]:
    """The people whose records cite any of ``sources`` (their own facts, quotes, relatives' fates,
    timeline events and interviews)."""
    wanted = set(sources)
    if not wanted:
        return set()
    found: set[str] = set()
    for row in conn.execute(select(col(P.id), col(P.stance_source), *(col(getattr(P, name)) for name in _CITED_LISTS))):
        if row.stance_source in wanted or any(_cites(items, wanted) for items in row[2:]):
            found.add(row.id)
    for table in _CITING_TABLES:
        found.update(conn.execute(select(col(table.person_id)).where(col(table.source).in_(wanted)).distinct())
                     .scalars())
    return found


def people_using(conn: Connection, terms: Iterable[tuple[str, str]]) -> set[str]:
    """The people whose records use any of ``terms`` ((kind, id) of the vocabulary): as their stance
    or role, their quotes' stances and themes, their relatives' relations and fates, and the subjects
    of their interviews' index points (a subject that is a theme id is shown as that theme)."""
    by_kind: dict[str, set[str]] = {}
    for kind, term in terms:
        by_kind.setdefault(kind, set()).add(term)
    found: set[str] = set()
    for kind, ids in by_kind.items():
        for table, person, term in _TERM_USES.get(kind, ()):
            found.update(conn.execute(select(col(person)).select_from(table).where(col(term).in_(ids)).distinct())
                         .scalars())
    themes = by_kind.get("themes")
    if themes:
        found.update(conn.execute(select(col(Q.person_id)).join(QTh, col(QTh.quote_id) == Q.id)
                                  .where(col(QTh.theme).in_(themes)).distinct()).scalars())
        for row in conn.execute(select(col(IP.person_id), col(IP.subjects))):
            if any(subject in themes for subject in row.subjects or []):
                found.add(row.person_id)
    return found
