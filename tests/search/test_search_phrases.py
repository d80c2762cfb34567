"""Phrases matched with numpy give exactly Whoosh's own ``Phrase`` results.

The engine matches a phrase by comparing the words' positions of the candidate documents all
at once (``fast_matching._phrase``); Whoosh walks them document by document. Both must find
the same documents: over the fixture collection, over a small SYNTHETIC collection made by
the benchmark's generator, and over a random Whoosh index built to reach the unusual cases
(positions past 255, more than 1,000 positions of a word in a document, several segments,
deleted documents, repeated words in a phrase).
"""

from __future__ import annotations

import math
import random
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select
from whoosh import fields
from whoosh import index as whoosh_index
from whoosh import query as q
from whoosh.analysis import LowercaseFilter, RegexTokenizer
from whoosh.formats import Positions

from archive.facade import Archive
from archive.search import fast_matching
from archive.search.fast_matching import LeafSegments, _decode_positions, _phrase, evaluate
from archive.search.query_parsing import parse
from archive.search.request import SearchRequest
from archive.store import models
from tests.search.test_fast_path_contract import documented_bm25f

pytestmark = pytest.mark.slow  # random indexes compared with plain Whoosh

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
_WORD = re.compile(r"\w+")


def _phrase_leaves(query: q.Query) -> list[q.Phrase]:
    return [query] if isinstance(query, q.Phrase) else [leaf for leaf in query.leaves() if isinstance(leaf, q.Phrase)]


def _assert_same_as_whoosh(searcher, segments: LeafSegments, phrases: list[str]) -> int:
    """Every phrase leaf of every phrase query: our documents == Whoosh's. Returns how many had hits."""
    with_hits = 0
    for text in phrases:
        for leaf in _phrase_leaves(parse(text, searcher.schema).query):
            found = _phrase(segments, searcher, leaf)
            assert found is not None, leaf
            ours = set(np.flatnonzero(found[0]).tolist())
            theirs = set(searcher.docs_for_query(leaf))
            assert ours == theirs, (text, leaf)
            assert not found[1][~found[0]].any()  # scores only where matched
            with_hits += bool(theirs)
    return with_hits


def _phrases_from(texts: list[str], rng: random.Random, count: int) -> list[str]:
    """Adjacent words of the texts (they match), the same words swapped or apart (mostly not)."""
    phrases = []
    for _ in range(count):
        words = [w.lower() for w in _WORD.findall(rng.choice(texts))]
        if len(words) < 2:
            continue
        length = rng.choice((2, 2, 3))
        start = rng.randrange(max(1, len(words) - length + 1))
        chunk = words[start:start + length]
        phrases.append('"' + " ".join(chunk) + '"')
        phrases.append('"' + " ".join(reversed(chunk)) + '"')
        if len(words) > 3:
            phrases.append(f'"{words[0]} {words[-1]}"')
    return phrases


def _texts(archive: Archive) -> list[str]:
    with archive.engine.connect() as conn:
        return [t for t in conn.scalars(select(models.QuoteText.text)) if t]


def test_fixture_phrases_equal_whoosh(tmp_path, fixture_collection):
    archive = Archive.open(tmp_path / "home")
    try:
        archive.import_collection(fixture_collection)
        state = archive.index._state()  # noqa: SLF001 - the open searcher and its segments
        phrases = _phrases_from(_texts(archive), random.Random(5), 60)
        phrases += ['"hero and executioner"', '"и герой"', '"everything was grey"', '"was was"',
                    '"camps camps"', '"Stalin victory"', '"no such words here"']
        assert _assert_same_as_whoosh(state.searcher, state.segments, phrases) > 10
        # and through the whole search: a phrase finds the passage that has it, not the one that has its words apart
        hits = {h.id for h in archive.search(SearchRequest(query='"hero and executioner"')).hits}
        assert "anna-hero-and-executioner" in hits
        assert not archive.search(SearchRequest(query='"executioner and hero"')).total
    finally:
        archive.close()


def test_synthetic_collection_phrases_equal_whoosh(tmp_path):
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import generate_synthetic
    finally:
        sys.path.remove(str(BENCHMARKS))
    collection = tmp_path / "synthetic"
    generate_synthetic.generate(collection, 300, 10, 7)
    archive = Archive.open(tmp_path / "home")
    try:
        archive.import_collection(collection)
        state = archive.index._state()  # noqa: SLF001
        phrases = _phrases_from(_texts(archive), random.Random(11), 150)
        assert _assert_same_as_whoosh(state.searcher, state.segments, phrases) > 50
    finally:
        archive.close()


# --- a random index that reaches the unusual cases -------------------------------------------------


def _random_index(folder: Path, seed: int):  # type: ignore[no-untyped-def]
    """Three segments (one with deletions) of texts over a tiny vocabulary, some of them long."""
    rng = random.Random(seed)
    vocabulary = ["a", "b", "c", "d", "e", "f", "g"]
    analyzer = RegexTokenizer(r"\w+") | LowercaseFilter()  # every word kept: "a" is a stop word elsewhere
    schema = fields.Schema(doc_id=fields.ID(stored=True, unique=True),
                           text_en=fields.TEXT(analyzer=analyzer, phrase=True))
    ix = whoosh_index.create_in(str(folder), schema)
    number = 0
    for _ in range(3):  # three segments
        writer = ix.writer()
        for _ in range(120):
            length = rng.choice((1, 3, 8, 20, 60, 400))
            words = [rng.choice(vocabulary[: rng.randint(2, 7)]) for _ in range(length)]
            if rng.random() < 0.05:  # a word far into a long text: gaps of 256 and more
                words = words + ["z"] * rng.randint(1, 3) + ["q"] * 300 + ["y", "z"]
            if rng.random() < 0.03:  # more than 1,000 positions of one word (pickled in batches)
                words = ["a"] * 1205 + ["b"]
            writer.add_document(doc_id=str(number), text_en=" ".join(words))
            number += 1
        writer.commit(merge=False)
    writer = ix.writer()
    for docnum in range(0, number, 7):
        writer.delete_by_term("doc_id", str(docnum))
    writer.commit(merge=False)
    return ix


@pytest.mark.parametrize("seed", [1, 2])
def test_random_index_phrases_equal_whoosh(tmp_path, seed):
    ix = _random_index(tmp_path, seed)
    with ix.searcher() as searcher:
        assert len(searcher.leaf_searchers()) >= 3
        segments = LeafSegments(searcher, ("text_en",))
        rng = random.Random(seed)
        phrases = ['"a a"', '"a a a"', '"a b"', '"b a"', '"z y"', '"y z"', '"q q q"', '"q y z"', '"z q"',
                   '"a b c d"', '"g g"', '"a x"']
        phrases += ['"' + " ".join(rng.choice("abcdefgqyz") for _ in range(rng.randint(2, 4))) + '"'
                    for _ in range(150)]
        with_hits = 0
        for text in phrases:
            leaf = q.Phrase("text_en", text.strip('"').split())
            found = _phrase(segments, searcher, leaf)
            assert found is not None
            ours = set(np.flatnonzero(found[0]).tolist())
            theirs = set(searcher.docs_for_query(leaf))
            assert ours == theirs, text
            with_hits += bool(theirs)
        assert with_hits > 30
        for word in ("a", "q", "z"):  # the unusual layouts are there
            found = fast_matching._posting_list(segments, "text_en", word)
            begin, positions = fast_matching._positions(segments, found)
            assert len(found.ids) and len(positions) == int(found.tf.sum())
        assert fast_matching._positions(segments, fast_matching._posting_list(segments, "text_en", "z"))[1].max() > 255
        # a phrase inside a query tree, evaluated whole, matches Whoosh too
        tree = q.And([q.Phrase("text_en", ["a", "b"]), q.Not(q.Phrase("text_en", ["b", "a"]))])
        matched, _ = evaluate(tree, searcher, segments)
        assert set(np.flatnonzero(matched & segments.live).tolist()) == set(searcher.docs_for_query(tree))


def test_rare_and_frequent_words_read_only_the_blocks_needed(tmp_path, monkeypatch):
    """A rare word next to a word of every document: of the frequent word only the posting blocks
    that hold a candidate are read (and nothing is cached half); the result is still Whoosh's."""
    rng = random.Random(9)
    analyzer = RegexTokenizer(r"\w+") | LowercaseFilter()
    schema = fields.Schema(doc_id=fields.ID(stored=True, unique=True),
                           text_en=fields.TEXT(analyzer=analyzer, phrase=True))
    ix = whoosh_index.create_in(str(tmp_path), schema)
    number = 0
    for _ in range(2):
        writer = ix.writer()
        for _ in range(5000):  # 40 posting blocks of "the" in each segment
            words = ["the"] + [rng.choice(["the", "of", "camp", "war", "and"]) for _ in range(rng.randint(1, 5))]
            if rng.random() < 0.002:
                words.insert(rng.randrange(len(words) + 1), "zanzibar")
            if rng.random() < 0.001:
                words.insert(rng.randrange(len(words) + 1), "the zanzibar the")
            writer.add_document(doc_id=str(number), text_en=" ".join(words))
            number += 1
        writer.commit(merge=False)
    writer = ix.writer()
    writer.delete_by_term("doc_id", "3")
    writer.commit(merge=False)
    partial: list[bool] = []
    real = fast_matching._partial_positions

    def spy(*args):  # type: ignore[no-untyped-def]
        found = real(*args)
        partial.append(found is not None)
        return found

    monkeypatch.setattr(fast_matching, "_partial_positions", spy)
    with ix.searcher() as plain:
        weighting = documented_bm25f(plain)  # Whoosh's own searcher with the documented BM25F
    with ix.searcher() as searcher, ix.searcher(weighting=weighting) as scored:
        segments = LeafSegments(searcher, ("text_en",))
        with_hits = 0
        for words in (["the", "zanzibar"], ["zanzibar", "the"], ["the", "zanzibar", "the"], ["of", "zanzibar"],
                      ["zanzibar", "zanzibar"], ["camp", "the", "zanzibar"]):
            leaf = q.Phrase("text_en", words)
            found = _phrase(segments, searcher, leaf)
            assert found is not None
            assert set(np.flatnonzero(found[0]).tolist()) == set(searcher.docs_for_query(leaf)), words
            # scored as Whoosh's Phrase scores (its words' scores), from the blocks read or the whole lists
            theirs = {hit.docnum: hit.score for hit in scored.search(leaf, limit=None)}
            assert all(math.isclose(found[1][doc], score, rel_tol=1e-4) for doc, score in theirs.items()), words
            with_hits += bool(theirs)
        assert any(partial) and with_hits >= 4
        assert ("text_en", "the") not in segments.cache or segments.cache[("text_en", "the")].blob is None
        assert _phrase(segments, searcher, q.Phrase("text_en", ["the", "zanzibar"]))[0].any()
        # the frequent word alone is read whole (and kept)
        leaf = q.Phrase("text_en", ["the", "of"])
        assert set(np.flatnonzero(_phrase(segments, searcher, leaf)[0]).tolist()) == set(searcher.docs_for_query(leaf))
        assert segments.cache[("text_en", "the")].positions is not None


def test_positions_decoded_like_whoosh():
    """Every layout the Positions format writes: one position, many, gaps past 255 and 65,535,
    and more than 1,000 positions (pickled in batches)."""
    fmt = Positions()
    rng = random.Random(3)
    lists = [[0], [5], [255], [256], [0, 1, 2], [3, 300], [70_000, 70_001], list(range(1001)),
             list(range(0, 5000, 3)), [1, 2, 1000, 1001, 1002]]
    lists += [sorted(rng.sample(range(rng.choice((50, 300, 3000))), rng.randint(1, 40))) for _ in range(200)]
    rng.shuffle(lists)
    values = [fmt.encode(positions) for positions in lists]
    for chosen in (values, [v for v, p in zip(values, lists, strict=False) if max(p) < 256 and len(p) < 1000]):
        blob = b"".join(chosen)
        lengths = np.array([len(v) for v in chosen], dtype=np.int64)
        begin, positions = _decode_positions(blob, lengths, fmt)
        ends = np.append(begin[1:], len(positions))
        decoded = [positions[b:e].tolist() for b, e in zip(begin, ends, strict=False)]
        assert decoded == [fmt.decode_positions(v) for v in chosen]


def test_phrase_positions_are_cached_once(tmp_path, monkeypatch):
    ix = _random_index(tmp_path, 3)
    calls = []
    real = fast_matching._decode_positions

    def counting(*args):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(fast_matching, "_decode_positions", counting)
    with ix.searcher() as searcher:
        segments = LeafSegments(searcher, ("text_en",))
        first = _phrase(segments, searcher, q.Phrase("text_en", ["a", "b"]))
        again = _phrase(segments, searcher, q.Phrase("text_en", ["b", "a"]))
        assert first is not None and again is not None
        assert len(calls) == 2  # one decoding per word, kept with its posting list
