"""The search index: which field is analysed how, in one place.

Three kinds of document are indexed: quote segments, person portraits and family-history
entries (one per relative). Text is indexed per language, each with its own pipeline:

- ``text_ru``/``terms_ru``: words → lower case → ё→е → Russian Snowball stem (PyStemmer)
- ``text_en``/``terms_en``: words → lower case → ё→е → English Snowball (Porter2) stem
- ``family_ru``/``family_en``: the same texts → the key of the word's family (noun, verb and
  participle alike: расстрел, расстреляли, расстреливали), weighted below the texts' own words
- ``names``: names and places in either script → transliteration matching key
- ``spell``: every word unstemmed, lower case: the vocabulary for "did you mean"

No stop words are dropped, and one-letter words are kept, so that any query has terms to
search for. The index is lean: it stores ids and a fingerprint, never the text, which
the database holds; ``f_*`` fields are the filters, and the ``facets`` column carries every
facet value of a document for the per-searcher facet arrays.
"""

from __future__ import annotations

import re
from functools import cache

import Stemmer
from whoosh import columns, fields
from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StemFilter, Token, Tokenizer

from archive.search.transliteration import matching_key

WORD = r"\w+"  # hyphens and apostrophes split words: "Stalin’s" and "pro-Stalin" hold "Stalin"


class YoFilter(Filter):
    """ё is written as е in most Russian print; fold it so both spellings match."""

    def __call__(self, tokens):  # type: ignore[no-untyped-def]
        for token in tokens:
            if "ё" in token.text:
                token.text = token.text.replace("ё", "е")
            yield token


class TransliterationFilter(Filter):
    """Reduces a name in Cyrillic or Latin script to its matching key (see transliteration)."""

    def __call__(self, tokens):  # type: ignore[no-untyped-def]
        for token in tokens:
            token.text = matching_key(token.text)
            yield token


@cache
def _stemmer(language: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(language)


# Module-level functions (not PyStemmer's bound methods) because Whoosh pickles the schema.
def stem_russian(word: str) -> str:
    """Russian Snowball stemmer, in C (PyStemmer)."""
    return _stemmer("russian").stemWord(word)


def stem_english(word: str) -> str:
    """English Snowball (Porter2) stemmer, in C (PyStemmer)."""
    return _stemmer("english").stemWord(word)


# Word families: the Snowball stem of a verb or a noun made from one keeps its derivational suffix
# (расстреля-ли, расстрелива-ли, расстрел; репрессирова-н, репресс-ии; депортац-ия, депортирова-ли),
# so a family key drops it from the stem, keeping at least FAMILY_MIN_ROOT letters.
_RU_DERIVATION = re.compile(r"(?:иван|ыван|ирова|ован|ова|ева|ива|ыва|ац|я|а|и|е)$")
FAMILY_MIN_ROOT = 4
# English families Porter2 cannot join (irregular plurals); its stems join the rest (execution, executed)
_EN_IRREGULAR = {"children": "child", "men": "man", "women": "woman", "people": "person", "feet": "foot",
                 "teeth": "tooth", "mice": "mouse", "geese": "goose", "wives": "wife", "lives": "life"}


def family_russian(word: str) -> str:
    """The key a Russian word shares with its family (noun, verb, participle): its stem without a
    derivational suffix."""
    stem = stem_russian(word)
    found = _RU_DERIVATION.search(stem)
    if found and found.start() >= FAMILY_MIN_ROOT:
        return stem[:found.start()]
    return stem


def family_english(word: str) -> str:
    """The key an English word shares with its family: its Porter2 stem, irregular plurals joined."""
    return stem_english(_EN_IRREGULAR.get(word, word))


def reference_analyzer(stemfn=None):  # type: ignore[no-untyped-def]
    """The same pipeline as Whoosh's chain of filters (what ``WordTokenizer`` does in one pass,
    and what indexes built before it hold in their schema)."""
    chain = RegexTokenizer(WORD) | LowercaseFilter() | YoFilter()
    return chain | StemFilter(stemfn=stemfn) if stemfn else chain


_STEM_CACHE_LIMIT = 200_000  # distinct words remembered per analyser; then it starts afresh
_CACHED_WORD_CHARS = 64


class WordTokenizer(Tokenizer):
    """Words → lower case → ё→е → stem (when given a stemmer), in one pass.

    The same tokens as ``reference_analyzer`` (texts, positions, character offsets), without a
    generator and a call per filter per word, and with the stems in a plain dict rather than
    Whoosh's LFU cache (a Python wrapper slower than PyStemmer itself)."""

    def __init__(self, stemfn=None):  # type: ignore[no-untyped-def]
        self.expression = re.compile(WORD)
        self.stemfn = stemfn
        self.is_morph = stemfn is not None
        self._stems: dict[str, str] = {}

    def __getstate__(self):  # type: ignore[no-untyped-def]
        return {"stemfn": self.stemfn}  # Whoosh pickles the schema: not the cache

    def __setstate__(self, state):  # type: ignore[no-untyped-def]
        self.__init__(state["stemfn"])

    def __eq__(self, other: object) -> bool:
        return other.__class__ is self.__class__ and other.stemfn == self.stemfn  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((self.__class__, self.stemfn))

    def _normal(self, word: str) -> str:
        stems = self._stems
        found = stems.get(word)
        if found is None:
            found = word.lower()
            if "ё" in found:
                found = found.replace("ё", "е")
            if self.stemfn is not None:
                found = self.stemfn(found)
            if len(word) <= _CACHED_WORD_CHARS:  # a 10,000-letter "word" of a query is not kept
                if len(stems) >= _STEM_CACHE_LIMIT:
                    stems.clear()
                stems[word] = found
        return found

    def words(self, value: str) -> list[str]:
        """The analysed words in order, without tokens (what the build's term pool reads)."""
        normal = self._normal
        return [normal(word) for word in self.expression.findall(value)]

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,  # type: ignore[no-untyped-def]
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        normal = self._normal
        if not tokenize:
            t.original = value
            t.text = normal(value)
            t.boost = 1.0
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar = start_char
                t.endchar = start_char + len(value)
            yield t
            return
        for pos, match in enumerate(self.expression.finditer(value)):
            word = match.group(0)
            t.text = normal(word)
            t.boost = 1.0
            if keeporiginal:
                t.original = word
            t.stopped = False
            if positions:
                t.pos = start_pos + pos
            if chars:
                t.startchar = start_char + match.start()
                t.endchar = start_char + match.end()
            yield t


def russian_analyzer():  # type: ignore[no-untyped-def]
    return WordTokenizer(stem_russian)


def english_analyzer():  # type: ignore[no-untyped-def]
    return WordTokenizer(stem_english)


def russian_family_analyzer():  # type: ignore[no-untyped-def]
    return WordTokenizer(family_russian)


def english_family_analyzer():  # type: ignore[no-untyped-def]
    return WordTokenizer(family_english)


def names_analyzer():  # type: ignore[no-untyped-def]
    return RegexTokenizer(WORD) | LowercaseFilter() | TransliterationFilter()


def spelling_analyzer():  # type: ignore[no-untyped-def]
    """Unstemmed words, the vocabulary that "did you mean" draws from."""
    return WordTokenizer()


TEXT_FIELDS = ("text_en", "text_ru", "family_en", "family_ru", "terms_en", "terms_ru", "names")
# BM25F weights: the words of the testimony count most, names next, vocabulary labels least; the word
# families of the testimony less than its words, so that the form typed ranks before the rest of its family.
FIELD_BOOSTS = {"text_en": 1.0, "text_ru": 1.0, "family_en": 0.5, "family_ru": 0.5, "names": 1.5,
                "terms_en": 0.4, "terms_ru": 0.4}
# Query-syntax names for the filter fields (``theme:the-gulag``).
FILTER_FIELDS = {
    "kind": "f_kind", "stance": "f_stance", "person_stance": "f_person_stance", "theme": "f_theme",
    "person": "f_person", "fate": "f_fate", "place": "f_place", "lang": "f_lang", "source": "f_source",
    "decade": "f_decade", "interview": "f_interview", "speaker_role": "f_speaker_role", "recording": "f_recording",
}


def build_schema() -> fields.Schema:
    ru, en, names = russian_analyzer(), english_analyzer(), names_analyzer()
    keyword = dict(stored=False, commas=True, lowercase=False, scorable=False)
    return fields.Schema(
        doc_id=fields.ID(stored=True, unique=True),
        kind=fields.ID(stored=True),
        record_id=fields.ID(stored=True),
        person_id=fields.ID(stored=True),
        fingerprint=fields.STORED(),
        text_en=fields.TEXT(analyzer=en, phrase=True),
        text_ru=fields.TEXT(analyzer=ru, phrase=True),
        family_en=fields.TEXT(analyzer=english_family_analyzer(), phrase=True),
        family_ru=fields.TEXT(analyzer=russian_family_analyzer(), phrase=True),
        terms_en=fields.TEXT(analyzer=en, phrase=True),
        terms_ru=fields.TEXT(analyzer=ru, phrase=True),
        names=fields.TEXT(analyzer=names, phrase=True),
        spell=fields.TEXT(analyzer=spelling_analyzer(), phrase=False),
        f_kind=fields.ID(),
        f_stance=fields.ID(),
        f_person_stance=fields.ID(),
        f_theme=fields.KEYWORD(**keyword),
        f_person=fields.ID(),
        f_fate=fields.KEYWORD(**keyword),
        f_place=fields.KEYWORD(**keyword),
        f_lang=fields.KEYWORD(**keyword),
        f_source=fields.KEYWORD(**keyword),
        f_decade=fields.KEYWORD(**keyword),
        f_interview=fields.KEYWORD(**keyword),
        f_speaker_role=fields.KEYWORD(**keyword),
        f_recording=fields.KEYWORD(**keyword),
        # Only read as columns (the searcher's arrays, archive/search/facet_arrays.py), never
        # searched: no index terms (a NUMERIC field writes 8 per value). The access of a document
        # (its visibility and embargo day) travels in ``facets``.
        sort_date=fields.COLUMN(columns.NumericColumn("i")),
        sort_person=fields.ID(sortable=True),
        facets=fields.COLUMN(columns.VarBytesColumn()),
    )


def analyzer_for(field: str):  # type: ignore[no-untyped-def]
    return build_schema()[field].analyzer


FACET_SEPARATOR = ","
_CYRILLIC_LETTER = re.compile(r"[а-яёіїєґ]", re.IGNORECASE)
_LATIN_LETTER = re.compile(r"[a-z]", re.IGNORECASE)


def facet_value(value: str) -> str:
    """A value as the facet fields store it (the separator cannot occur inside a value)."""
    return value.replace(FACET_SEPARATOR, " ").strip()


def text_language(text: str) -> str:
    """``ru`` for a text mostly in Cyrillic, else ``en``: the analysis for a text whose language the
    collection format does not give (a relative's details and notes, an occupation)."""
    return "ru" if len(_CYRILLIC_LETTER.findall(text)) > len(_LATIN_LETTER.findall(text)) else "en"
