"""The vocabulary as imported: the one place that reads the ``vocabulary_term`` table.

Pages, search documents, exports and OAI-PMH all take the vocabulary from here, as the
collection's own ``Vocabulary`` (labels and definitions in every language, theme synonyms,
which fates are repression), with each kind's terms in the order of ``vocabulary.yaml``. A page
that only names terms (a search's relatives name their relation) takes their labels alone
(``term_labels``), without building the collection format's models.

The table is read as the database declares it (``archive/store/reflected.py``): reading the
vocabulary builds none of the table models.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.expression import TableClause

from archive.store.reflected import reflected_table

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from archive.collection.format import Term
    from archive.collection.vocabulary import Vocabulary

Labels = dict[str, str]  # a term's label in each language (language: text)


def _table(conn: Connection) -> TableClause:
    return reflected_table(conn, "vocabulary_term")


def load_vocabulary(conn: Connection | Session) -> Vocabulary:
    """Every stored term, by kind, in the order the vocabulary file gives them.

    The terms were validated when the collection was read, so they are built without
    validating again (``model_construct``)."""
    from archive.collection.format import FateTerm, Term, ThemeTerm
    from archive.collection.vocabulary import KINDS, Vocabulary

    connection = conn if isinstance(conn, Connection) else conn.connection()
    terms = _table(connection)
    vocabulary = Vocabulary()
    for row in connection.execute(select(terms).order_by(terms.c.kind, terms.c.position)):
        if row.kind not in KINDS:
            continue
        common: dict[str, Any] = {"id": row.id, "label": row.label or {}, "definition": row.definition or {}}
        term: Term
        if row.kind == "themes":
            term = ThemeTerm.model_construct(synonyms=row.synonyms or {}, **common)
        elif row.kind == "fates":
            term = FateTerm.model_construct(repression=bool(row.repression), **common)
        else:
            term = Term.model_construct(**common)
        vocabulary.terms(row.kind)[row.id] = term
    return vocabulary


def term_labels(conn: Connection, kind: str) -> dict[str, Labels]:
    """The labels of every term of one kind (``relations``, ``themes``…), by the term's id: the labels
    ``load_vocabulary`` gives them, read without building the collection format's models."""
    terms = _table(conn)
    return {row.id: dict(row.label or {}) for row in conn.execute(select(terms.c.id, terms.c.label)
                                                                   .where(terms.c.kind == kind))}
