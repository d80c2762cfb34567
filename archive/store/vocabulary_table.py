"""The vocabulary as imported: the one place that reads the ``vocabulary_term`` table.

Pages, search documents, exports and OAI-PMH all take the vocabulary from here, as the
collection's own ``Vocabulary`` (labels and definitions in every language, theme synonyms,
which fates are repression), with each kind's terms in the order of ``vocabulary.yaml``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from archive.collection.format import FateTerm, Term, ThemeTerm
from archive.collection.vocabulary import KINDS, Vocabulary
from archive.store import models

_TABLE = models.table_of(models.VocabularyTerm)


def load_vocabulary(conn: Connection | Session) -> Vocabulary:
    """Every stored term, by kind, in the order the vocabulary file gives them.

    The terms were validated when the collection was read, so they are built without
    validating again (``model_construct``)."""
    vocabulary = Vocabulary()
    for row in conn.execute(select(_TABLE).order_by(_TABLE.c.kind, _TABLE.c.position)):
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
