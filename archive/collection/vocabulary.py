"""The controlled vocabularies: stances, themes, relations, fates, roles.

The terms themselves live in the collection's ``vocabulary.yaml`` so that each archive
team can word them; this module is the one place that knows which terms every
collection must have, how a term is labelled in a language, and in which order stances
are shown (admirer → ambivalent → critic → not stated, the order of the perspectives
page). Pages, search facets, exports and the index all ask this module.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from archive.collection.format import FateTerm, Term, ThemeTerm, VocabularyFile
from archive.collection.term_words import search_words

NOT_STATED = "not-stated"
REQUIRED_STANCES = ("admirer", "ambivalent", "critic", NOT_STATED)
REQUIRED_FATES = (
    "executed",
    "sent-to-camp",
    "exiled",
    "deported",
    "dekulakised",
    "died-in-war",
    "survived",
    "rehabilitated",
    "other",
)
KINDS = ("stances", "themes", "relations", "fates", "roles")
INTERFACE_LANGUAGES = ("en", "ru")


@dataclass
class Vocabulary:
    """Terms by kind and id, in the order the vocabulary file gives them."""

    stances: dict[str, Term] = field(default_factory=dict)
    themes: dict[str, ThemeTerm] = field(default_factory=dict)
    relations: dict[str, Term] = field(default_factory=dict)
    fates: dict[str, FateTerm] = field(default_factory=dict)
    roles: dict[str, Term] = field(default_factory=dict)

    @classmethod
    def from_file(cls, file: VocabularyFile) -> Vocabulary:
        return cls(
            stances={t.id: t for t in file.stances},
            themes={t.id: t for t in file.themes},
            relations={t.id: t for t in file.relations},
            fates={t.id: t for t in file.fates},
            roles={t.id: t for t in file.roles},
        )

    def terms(self, kind: str) -> dict[str, Term]:
        if kind not in KINDS:
            raise KeyError(f"unknown vocabulary {kind!r}; expected one of {', '.join(KINDS)}")
        return getattr(self, kind)

    def label(self, kind: str, term_id: str | None, lang: str = "en") -> str:
        """The label of a term in a language, falling back to English, then to the id."""
        if term_id is None:
            return ""
        term = self.terms(kind).get(term_id)
        if term is None:
            return term_id
        return term.label.get(lang) or term.label.get("en") or term_id

    def repression_fates(self) -> set[str]:
        """Fates that count as political repression (the paradoxes page asks this)."""
        return {fate_id for fate_id, fate in self.fates.items() if fate.repression}

    def stance_order(self) -> list[str]:
        """Required stances in their fixed order, then any the collection adds."""
        extra = [s for s in self.stances if s not in REQUIRED_STANCES]
        return [s for s in REQUIRED_STANCES if s in self.stances] + extra

    def words(self, kind: str, term_id: str, lang: str) -> list[str]:
        """The words a term is found by in a language: its label and, for a theme, its synonyms
        (the search index's vocabulary fields)."""
        term = self.terms(kind).get(term_id)
        if term is None:
            return []
        return search_words(term.label, getattr(term, "synonyms", None), lang)


def missing_required(file: VocabularyFile) -> Iterable[tuple[str, str]]:
    """(kind, id) of every term the archive relies on that the file lacks."""
    stance_ids = {t.id for t in file.stances}
    fate_ids = {t.id for t in file.fates}
    for stance in REQUIRED_STANCES:
        if stance not in stance_ids:
            yield "stances", stance
    for fate in REQUIRED_FATES:
        if fate not in fate_ids:
            yield "fates", fate
