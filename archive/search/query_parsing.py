"""From what a researcher types to a Whoosh query, never raising.

Supported: words (all must match), ``"phrases"``, ``OR``, ``-exclusion`` (and ``NOT``),
``prefix*``, ``word~`` (typo-tolerant), and field filters such as ``theme:the-gulag`` or
``stance:critic``. Anything the parser cannot make sense of (unbalanced quotes, stray
operators, 10,000 characters of text) falls back to its plain words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from whoosh import query as q
from whoosh.qparser import FieldAliasPlugin, FuzzyTermPlugin, MultifieldPlugin, PlusMinusPlugin, QueryParser
from whoosh.qparser.syntax import AndGroup

from archive.search.index_schema import FIELD_BOOSTS, FILTER_FIELDS, TEXT_FIELDS

MAX_TERMS = 64
_OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"}
_TOKEN = re.compile(r"\S+")
_WORD = re.compile(r"\w+")


@dataclass
class ParsedQuery:
    query: q.Query  # q.Every() when there is nothing to search for
    fell_back: bool
    words: list[str]  # the plain words typed, for suggestions


def _parser(schema, group=AndGroup) -> QueryParser:  # type: ignore[no-untyped-def]
    parser = QueryParser(None, schema, group=group)
    parser.add_plugin(MultifieldPlugin(list(TEXT_FIELDS), fieldboosts=FIELD_BOOSTS))
    parser.add_plugin(PlusMinusPlugin())
    parser.add_plugin(FuzzyTermPlugin())
    parser.add_plugin(FieldAliasPlugin({f: [alias] for alias, f in FILTER_FIELDS.items()}))
    return parser


_FIELD_FILTER = re.compile(r"\b(" + "|".join(FILTER_FIELDS) + r"):([^\s'\"()]+)")


def _normalise(text: str) -> str:
    """Lower-case the words (prefix and fuzzy terms are not analysed) but keep the operators.

    Filter values are quoted so that ``theme:the-gulag`` is not read as ``the`` minus ``gulag``.
    """
    text = text.replace("ё", "е").replace("Ё", "Е")
    text = _TOKEN.sub(lambda m: m.group(0) if m.group(0) in _OPERATORS else m.group(0).lower(), text)
    return _FIELD_FILTER.sub(lambda m: f"{m.group(1)}:'{m.group(2)}'", text)


_ONLY_EXCLUDED = re.compile(r"\s*(?:(?:-|NOT\s+)[^\s-]\S*\s*)+")
_EXCLUSION = re.compile(r"(?:^|(?<=\s))(?:-|NOT\s+)")


def parse(text: str, schema) -> ParsedQuery:  # type: ignore[no-untyped-def]
    words = _WORD.findall(text)[:MAX_TERMS]
    if not text.strip() or not words:
        return ParsedQuery(q.Every(), False, [])
    if _ONLY_EXCLUDED.fullmatch(text):  # "-лагерь" alone: everything that does not say it
        excluded = parse(_EXCLUSION.sub("", text), schema)
        if not isinstance(excluded.query, q.Every):
            return ParsedQuery(q.AndNot(q.Every(), excluded.query), excluded.fell_back, [])
    normalised = _normalise(text)
    if len(_TOKEN.findall(normalised)) <= MAX_TERMS and normalised.count('"') % 2 == 0:
        try:
            parsed = _parser(schema).parse(normalised)
            if parsed is not q.NullQuery and _has_text(parsed):
                return ParsedQuery(parsed, False, words)
        except Exception:  # the parser's failure is not the researcher's: fall back below
            pass
    plain = " ".join(w.lower() for w in words if w not in _OPERATORS) or " ".join(w.lower() for w in words)
    fallback = _parser(schema, group=AndGroup).parse(_escape_words(plain))
    return ParsedQuery(fallback if fallback is not q.NullQuery else q.Every(), True, words)


def _escape_words(text: str) -> str:
    return " ".join(f"'{w}'" for w in _WORD.findall(text))


def _walk(query: q.Query):  # type: ignore[no-untyped-def]
    yield query
    for child in query.children():
        yield from _walk(child)


def _has_text(query: q.Query) -> bool:
    """True when at least one positive leaf searches a text field."""
    for node in _walk(query):
        if isinstance(node, q.Not):
            continue
        if node.is_leaf() and getattr(node, "fieldname", None) in TEXT_FIELDS + tuple(FILTER_FIELDS.values()):
            return True
    return False
