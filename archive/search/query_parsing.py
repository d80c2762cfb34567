"""From what a researcher types to a Whoosh query, never raising.

Supported: words (all must match), ``"phrases"``, ``OR``, ``-exclusion`` (and ``NOT``),
``prefix*``, ``word~`` (typo-tolerant), and field filters such as ``theme:the-gulag`` or
``stance:critic``. Anything the parser cannot make sense of (unbalanced quotes, stray
operators, 10,000 characters of text) falls back to its plain words.

What one query may cost is bounded here, before it runs (``cost_problem``, asked by
``SearchRequest``, so the pages, the API, the exports and the command line refuse alike):
typo-tolerance up to ``MAX_EDIT_DISTANCE`` edits, at most ``MAX_EXPANDING_TERMS`` prefix,
wildcard and fuzzy terms, and a fuzzy word of at most ``MAX_FUZZY_CHARS`` characters. The words
each such term stands for are capped where the query is matched (``fast_matching.MAX_EXPANSION``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from whoosh import query as q
from whoosh.qparser import FieldAliasPlugin, FuzzyTermPlugin, MultifieldPlugin, PlusMinusPlugin, QueryParser
from whoosh.qparser.syntax import AndGroup

from archive.search.index_schema import FIELD_BOOSTS, FILTER_FIELDS, TEXT_FIELDS, build_schema

MAX_TERMS = 64
MAX_EDIT_DISTANCE = 2  # word~N: the edits a fuzzy word may differ by (each one more multiplies its work)
MAX_EXPANDING_TERMS = 4  # prefix*, wild?card and fuzzy~ words in one query (each reads many index words)
MAX_FUZZY_CHARS = 24  # a longer fuzzy word is pasted text, not a typo
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


@cache
def _search_schema():  # type: ignore[no-untyped-def]
    return build_schema()


def cost_problem(text: str) -> str | None:
    """Why the query would cost more than one search may, or None: the words it expands are
    counted as the query will run (``parse``), one per word typed, whatever fields it searches."""
    if not any(mark in text for mark in "*?~"):  # nothing expands: parsing it again would only cost
        return None
    parsed = parse(text, _search_schema())
    fields: dict[tuple[str, str], set[str]] = {}
    leaves: dict[tuple[str, str], int] = {}
    for node in _walk(parsed.query):
        if isinstance(node, q.FuzzyTerm):
            if node.maxdist > MAX_EDIT_DISTANCE:
                return (f"{node.text}~{node.maxdist} allows too many typos: "
                        f"use at most ~{MAX_EDIT_DISTANCE}")
            if len(node.text) > MAX_FUZZY_CHARS:
                return f"a word with ~ may have at most {MAX_FUZZY_CHARS} characters"
        if isinstance(node, q.MultiTerm):
            key = (type(node).__name__, str(getattr(node, "text", "")))
            leaves[key] = leaves.get(key, 0) + 1
            fields.setdefault(key, set()).add(str(getattr(node, "fieldname", "")))
    # a word typed once is one term in each field it searches; typed twice, it costs twice
    expanding = sum(-(-count // len(fields[key])) for key, count in leaves.items())
    if expanding > MAX_EXPANDING_TERMS:
        return (f"the query has {expanding} words with *, ? or ~: "
                f"at most {MAX_EXPANDING_TERMS} are searched at once")
    return None
