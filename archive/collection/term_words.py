"""What a vocabulary term is found by in a search: its label and its synonyms, in one language.

Said once, here, for the index's documents (``archive/collection/vocabulary.py``'s ``Vocabulary``)
and for the search's hits, which show which terms a query matched
(``archive/store/vocabulary_table.py``); kept free of the collection format's models, which a
search does not load.
"""

from __future__ import annotations

Labels = dict[str, str]  # a term's label in each language (language: text)


def search_words(label: Labels, synonyms: dict[str, list[str]] | None, lang: str) -> list[str]:
    """The words a term is found by in ``lang``: its label, then its synonyms (themes have them)."""
    return [word for word in [label.get(lang, ""), *(synonyms or {}).get(lang, [])] if word]
