"""The parts of a search that cost in proportion to its hits give what the plain computations give.

Facet counts gather the hits' value numbers (``FacetCounter``) instead of masking every
(document, value) pair of the index (``FacetArray.count``); filter and visibility masks are made
once per searcher and reused; a search evaluates each query (and each word of it) once, the
suggestions stop looking at candidates that cannot win, and a snippet of a text without a query
term skips the highlighter. Each is compared here with the plain way on data made by code
(SYNTHETIC), or on the shared bilingual archive."""

from __future__ import annotations

import numpy as np
import pytest

from archive.access.visibility import ANONYMOUS, Viewer
from archive.search.engine import _SearchWork
from archive.search.facet_arrays import FacetArray, FacetCounter
from archive.search.suggestions import SpellingWords, normal, suggest
from tests.search.bilingual import RESEARCHER


@pytest.mark.parametrize("values_per_document", [(1, 1), (0, 1), (0, 4)])
def test_facet_counts_over_the_hits_are_those_over_every_pair(values_per_document: tuple[int, int]) -> None:
    """Three facets of SYNTHETIC values: the one under test, one of one value per document, one of many."""
    rng = np.random.default_rng(7)
    doc_count = 2_000

    def facet(low: int, high: int, values: int) -> FacetArray:
        per_doc = rng.integers(low, high + 1, size=doc_count)
        docs = np.repeat(np.arange(doc_count, dtype=np.int32), per_doc)
        codes = rng.integers(0, values, size=len(docs)).astype(np.int32)
        return FacetArray([f"synthetic-value-{i}" for i in range(values)], docs, codes)

    facets = {"tested": facet(*values_per_document, 50), "one": facet(1, 1, 3), "many": facet(0, 3, 7)}
    counter = FacetCounter(facets, doc_count)
    for share in (0.0, 0.001, 0.05, 0.5, 1.0):
        matched = rng.random(doc_count) < share
        counted = counter.count(np.flatnonzero(matched))
        assert counted == {name: f.count(matched) for name, f in facets.items()}, share
    limited = counter.count(np.arange(doc_count), limit=5)["tested"]
    assert limited == facets["tested"].count(np.ones(doc_count, dtype=bool), limit=5)
    assert len(limited) == 5


def test_a_filter_mask_is_the_documents_with_the_values_and_stays_unchanged() -> None:
    docs = np.array([0, 1, 1, 3, 4], dtype=np.int32)
    codes = np.array([0, 0, 1, 2, 1], dtype=np.int32)
    facet = FacetArray(["a", "b", "c"], docs, codes)
    first = facet.having(["b", "a"], 6)
    assert first.tolist() == [True, True, False, False, True, False]
    assert facet.having(["a", "b"], 6) is first  # made once for that set of values
    with pytest.raises(ValueError):
        first[2] = True  # shared by the searches that reuse it: nobody may change it
    assert facet.having(["c"], 6).tolist() == [False, False, False, True, False, False]
    assert not facet.having(["unknown"], 6).any()


@pytest.mark.slow
def test_visibility_masks_are_kept_per_answer_of_the_rule(bilingual) -> None:
    arrays = bilingual.index._state().arrays  # noqa: SLF001 - the open searcher's arrays
    anonymous, researcher = arrays.visible(ANONYMOUS), arrays.visible(RESEARCHER)
    assert anonymous.sum() < researcher.sum()  # the collection withholds some records
    assert arrays.visible(Viewer(role="anonymous")) is anonymous
    assert arrays.visible(RESEARCHER) is researcher


def plain_suggestion(words: SpellingWords, typed: list[str], visible_count, finds_alone):  # type: ignore[no-untyped-def]
    """``suggest`` without stopping early: every candidate's visible documents counted."""
    out, changed, near = [], False, True
    for word in typed:
        lowered = normal(word)
        if not 3 <= len(lowered) <= 40 or visible_count(lowered) > 0 or finds_alone(word):
            out.append(word)
            continue
        counted = [(c.distance, -visible_count(c.word), c.word) for c in words.candidates(lowered)]
        counted = [c for c in counted if c[1]]
        if not counted:
            out.append(word)
            continue
        best = min(counted)
        out.append(best[2])
        changed = True
        near = near and best[0] <= (1 if len(lowered) < 8 else 2)
    return (" ".join(out), near) if changed else None


def test_suggestions_that_stop_early_are_those_of_every_candidate(bilingual) -> None:
    from archive.search.fast_matching import term_documents
    from archive.search.suggestions import visible_documents

    state = bilingual.index._state()  # noqa: SLF001
    work = _SearchWork(state)
    words = state.spelling()
    typed = ["fyodr", "стални", "карагнадой", "погиблъ", "погибли", "депортированныхх", "camsp", "xylophonq",
             "лагрь", "sttalin"]
    # two neighbouring letters swapped in the middle, as people mistype
    typed += [w[:len(w) // 2 - 1] + w[len(w) // 2] + w[len(w) // 2 - 1] + w[len(w) // 2 + 1:]
              for w in sorted(words.documents)[::13] if len(w) >= 6 and w[len(w) // 2] != w[len(w) // 2 - 1]]
    asked = 0
    for viewer in (ANONYMOUS, RESEARCHER):
        allowed = state.segments.live & state.arrays.visible(viewer)

        def visible_count(word: str, allowed: np.ndarray = allowed) -> int:
            return visible_documents(term_documents(state.segments, "spell", word), allowed)

        def finds_alone(word: str, allowed: np.ndarray = allowed) -> bool:  # as typed, never corrected
            return bool(work.select(work.parse(word).query, allowed)[0].any())

        for word in typed:
            expected = plain_suggestion(words, [word], visible_count, finds_alone)
            assert suggest(lambda: words, [word], visible_count, finds_alone) == expected, (word, viewer)
            asked += expected is not None
    assert asked >= 10  # the comparison compares suggestions, not only their absence


def test_a_snippet_without_a_term_is_what_the_highlighter_gives() -> None:
    """A text none of whose words is a term skips the highlighter: the excerpt is the one it leads to."""
    from html import escape

    from whoosh import highlight

    from archive.search.snippets import _ANALYZERS, EscapingFormatter, snippet

    filler = " ".join(f"Synthetic sentence {n} about the camp and the river." for n in range(12))
    russian = " ".join(f"Синтетическое предложение {n} о лагере и реке." for n in range(12))
    for text, lang in ((filler, "en"), (russian, "ru"), ("  short synthetic text  ", "en")):
        for terms in ({"camp"}, {"лагер"}, {"nothing"}, {"river", "лагер"}):
            for whole in (False, True):
                fragmenter = highlight.WholeFragmenter(charlimit=None) if whole else \
                    highlight.ContextFragmenter(maxchars=240, surround=60)
                field = {"en": "text_en", "ru": "text_ru"}[lang]
                marked = highlight.highlight(text, frozenset(terms), _ANALYZERS[field], fragmenter,
                                             EscapingFormatter(), top=2)
                plain = marked or (escape(text, quote=True) if whole or len(text) <= 240
                                   else escape(text[:240].rsplit(" ", 1)[0], quote=True) + " …")
                assert snippet(text, lang, terms, whole=whole) == plain, (lang, terms, whole)
