"""The vocabulary as imported: the one place that reads the ``vocabulary_term`` table.

Pages, search documents, exports and OAI-PMH all take the vocabulary from here, as the
collection's own ``Vocabulary`` (labels and definitions in every language, theme synonyms,
which fates are repression), with each kind's terms in the order of ``vocabulary.yaml``. A page
that only names terms or shows which of them a search matched (a search's hits) takes their labels
and the words they are found by alone (``term_words``), without building the collection format's
models. What a term is found by is said once (``archive/collection/term_words.py``).

The table is read as the database declares it (``archive/store/reflected.py``): reading the
vocabulary builds none of the table models.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.expression import TableClause

from archive.collection.term_words import Labels, search_words
from archive.store.reflected import reflected_table

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from archive.collection.format import Term
    from archive.collection.vocabulary import Vocabulary



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


@dataclass(frozen=True)
class TermWords:
    """A term's labels and the words it is found by, per language (``search_words``)."""

    label: Labels
    words: dict[str, list[str]]


def term_words(conn: Connection, kinds: tuple[str, ...]) -> dict[str, dict[str, TermWords]]:
    """The terms of ``kinds`` (``relations``, ``themes``…) by kind, then by id: their labels as
    ``load_vocabulary`` gives them and the words they are found by, read without building the
    collection format's models."""
    terms = _table(conn)
    found: dict[str, dict[str, TermWords]] = {kind: {} for kind in kinds}
    for row in conn.execute(select(terms.c.kind, terms.c.id, terms.c.label, terms.c.synonyms)
                            .where(terms.c.kind.in_(kinds))):
        label, synonyms = dict(row.label or {}), row.synonyms or {}
        found[row.kind][row.id] = TermWords(label, {lang: search_words(label, synonyms, lang)
                                                   for lang in {*label, *synonyms}})
    return found
