"""Highlighted snippets that are safe to put in HTML.

The text is escaped first and the ``<mark>`` elements are added around the matched words
afterwards, so a quote that contains ``<script>`` shows as text. Matching re-uses the
field's own analyzer (Whoosh's highlighter), so ``лагерях`` is marked for a query ``лагерь``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from html import escape, unescape

from whoosh import highlight

from archive.search.index_schema import WORD, analyzer_for
from archive.search.transliteration import matching_key


class EscapingFormatter(highlight.Formatter):
    between = " … "

    def _text(self, text: str) -> str:
        return escape(text, quote=True)

    def format_token(self, text, token, replace=False):  # type: ignore[no-untyped-def]
        return f"<mark>{escape(highlight.get_text(text, token, replace), quote=True)}</mark>"

    def format(self, fragments, replace=False):  # type: ignore[no-untyped-def]
        """The excerpts in order, one ellipsis between two of them and one where the text goes on
        before the first or after the last (never "… … …")."""
        if not fragments:
            return ""
        bodies = [super(EscapingFormatter, self).format_fragment(f, replace).strip() for f in fragments]
        first, last = fragments[0], fragments[-1]
        before = "… " if first.text[:first.startchar].strip() else ""
        rest = last.text[last.endchar:].strip(" \t\n.,;:!?…»”\"')’")
        return before + self.between.join(bodies) + (" …" if rest else "")


_WORD = re.compile(WORD)
_FIELD_OF_LANG = {"en": "text_en", "ru": "text_ru"}
_ANALYZERS = {field: analyzer_for(field) for field in _FIELD_OF_LANG.values()}
_FAMILY_ANALYZERS = {lang: analyzer_for(f"family_{lang}") for lang in _FIELD_OF_LANG}


def name_terms(text: str, lang: str, keys: Iterable[str], families: Iterable[str] = ()) -> set[str]:
    """The analysed forms of the words of ``text`` that the query matched through their name key, in
    either script (``Fyodor`` marks «Федор»; a name is capitalised), or through their family (``расстрел`` marks
    «расстреляли»), to be marked like the query's own terms."""
    keys, families = frozenset(keys), frozenset(families)
    field = _FIELD_OF_LANG.get(lang)
    if not (keys or families) or not field or not text:
        return set()
    analyzer, family = _ANALYZERS[field], _FAMILY_ANALYZERS[lang]
    # each distinct word once (a text repeats its words). A text's words reach the names field only
    # capitalised (``documents.proper_names``): only those are names the query can have matched by key.
    return {token.text for word in set(_WORD.findall(text))
            if (keys and word[:1].isupper() and matching_key(word) in keys)
            or (families and family.words(word)[0] in families)
            for token in analyzer(word)}


@lru_cache(maxsize=4096)
def _analysed(text: str, field: str) -> frozenset[str]:
    return frozenset(_ANALYZERS[field].words(text))


def holds_a_term(texts: Iterable[str], lang: str, terms: Iterable[str]) -> bool:
    """Whether one of ``texts`` (a vocabulary term's words: they recur from hit to hit), analysed as
    ``lang``'s text is, has one of the query's analysed ``terms``."""
    field = _FIELD_OF_LANG.get(lang)
    wanted = frozenset(terms)
    return bool(field and wanted) and any(not wanted.isdisjoint(_analysed(text, field)) for text in texts)


def snippet(text: str, lang: str, terms: Iterable[str], *, whole: bool = False, chars: int = 240) -> str:
    """An HTML-safe excerpt of ``text`` with the query's terms marked.

    ``whole`` marks the terms in the entire text (search inside one testimony);
    otherwise the best fragments are kept. Text with no match starts the excerpt.
    """
    field = _FIELD_OF_LANG.get(lang)
    terms = frozenset(terms)
    # a text none of whose words is a term has nothing to mark (the highlighter would find no fragment)
    if field and terms and text and not terms.isdisjoint(_ANALYZERS[field].words(text)):
        fragmenter = highlight.WholeFragmenter(charlimit=None) if whole else \
            highlight.ContextFragmenter(maxchars=chars, surround=60)
        marked = highlight.highlight(text, terms, _ANALYZERS[field], fragmenter, EscapingFormatter(), top=2)
        if marked:
            return marked
    if whole or len(text) <= chars:
        return escape(text, quote=True)
    return escape(text[:chars].rsplit(" ", 1)[0], quote=True) + " …"


def count_marks(html: str) -> int:
    return html.count("<mark>")


_MARK = re.compile(r"<mark>(.*?)</mark>", re.S)


def plain_with_matches(marked: str) -> dict[str, object]:
    """A snippet as plain text with the character offsets of its marked words (``[start, end)``),
    for scripts that should not have to parse and unescape HTML."""
    text, matches, at = [], [], 0
    position = 0
    for found in _MARK.finditer(marked):
        before = unescape(marked[at:found.start()])
        word = unescape(found.group(1))
        text.append(before)
        position += len(before)
        matches.append([position, position + len(word)])
        text.append(word)
        position += len(word)
        at = found.end()
    text.append(unescape(marked[at:]))
    return {"text": "".join(text), "matches": matches}
