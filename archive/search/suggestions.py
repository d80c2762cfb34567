""""Did you mean": the nearest word the viewer may see, found without walking the vocabulary in Python.

Every indexed document carries its own words, unstemmed, in the ``spell`` field (a quote its texts,
a portrait its prose and names, a family-history entry its details). The spelling words of an open
index are read once into a ``SpellingWords`` (words grouped by length, with their document counts);
the candidates for a typo are the words within a small edit distance of it that begin with the
same letter (a typo in the first letter is not corrected: people rarely make one, and keeping the
first letter keeps the words compared few), computed in C by rapidfuzz over the words of that
letter and nearby lengths only. A candidate is offered only when a document the
viewer may see (and the request's filters let through) holds it, so a word that exists only in
withheld text is as unknown to the visitor as a made-up word, and is never confirmed or suggested.

``plain_candidates`` is the same answer computed the plain way (every word, edit distance in
Python); ``tests/search/test_search_quality.py`` compares the two.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

MIN_WORD = 3  # shorter words are not corrected: too many neighbours
MAX_WORD = 40  # longer "words" are pasted text, not typos
CANDIDATES = 24  # nearest words looked at per typo (by distance, then frequency)


def max_distance(word: str) -> int:
    """The edits a typo of this length may be corrected across (a transposition counts as one)."""
    return 1 if len(word) <= 4 else 2


def auto_correct_distance(word: str) -> int:
    """The edits within which a query that finds nothing is replaced by its suggestion and answered;
    a farther suggestion is only offered."""
    return 1 if len(word) < 8 else 2


@dataclass(frozen=True)
class Candidate:
    word: str
    distance: int
    documents: int  # documents holding the word in the whole index (before visibility)


class SpellingWords:
    """The ``spell`` field's words of an open index, grouped by first letter and length."""

    def __init__(self, counted: dict[str, int]):
        grouped: dict[tuple[str, int], list[str]] = {}
        for word in counted:
            grouped.setdefault((word[:1], len(word)), []).append(word)
        self.grouped = {key: sorted(words) for key, words in grouped.items()}
        self.documents = counted

    @classmethod
    def read(cls, reader) -> SpellingWords:  # type: ignore[no-untyped-def]
        """The words and document counts of every segment, each segment's terms read in order (a
        combined reader would look every word up again in every segment)."""
        counted: dict[str, int] = {}
        if "spell" in reader.schema:
            for leaf, _ in reader.leaf_readers():
                for text, info in leaf.iter_field("spell"):
                    word = text.decode("utf-8") if isinstance(text, bytes) else text
                    counted[word] = counted.get(word, 0) + info.doc_frequency()
        return cls(counted)

    def candidates(self, word: str, limit: int = CANDIDATES) -> list[Candidate]:
        """The words within ``max_distance(word)`` edits of ``word`` that begin with its first letter
        (not the word itself), nearest and most frequent first."""
        from rapidfuzz import process  # imported when a search first meets a typo
        from rapidfuzz.distance import OSA

        reach = max_distance(word)
        found: list[Candidate] = []
        for length in range(len(word) - reach, len(word) + reach + 1):
            words = self.grouped.get((word[:1], length))
            if not words:
                continue
            for choice, distance, _ in process.extract_iter(word, words, scorer=OSA.distance, score_cutoff=reach):
                if choice != word:
                    found.append(Candidate(choice, int(distance), self.documents[choice]))
        found.sort(key=lambda c: (c.distance, -c.documents, c.word))
        return found[:limit]


def plain_candidates(words: SpellingWords, word: str, limit: int = CANDIDATES) -> list[Candidate]:
    """``SpellingWords.candidates`` computed over every word with the edit distance in Python."""
    reach = max_distance(word)
    found = [Candidate(other, d, count) for other, count in words.documents.items()
             if other != word and other[:1] == word[:1] and (d := _osa(word, other)) <= reach]
    found.sort(key=lambda c: (c.distance, -c.documents, c.word))
    return found[:limit]


def _osa(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def normal(word: str) -> str:
    """A typed word as the spelling words hold it."""
    return word.lower().replace("ё", "е")


def suggest(words: Callable[[], SpellingWords], typed: list[str], visible_count: Callable[[str], int],
            finds_alone: Callable[[str], bool]) -> tuple[str, bool] | None:
    """A spelling of the typed words whose changed words are the nearest ones the viewer may see,
    and whether it is near enough to answer in the query's place; None when no word needs changing.

    ``words()``: the index's spelling words (asked only when a word needs correcting).
    ``visible_count(word)``: the documents holding the spelling word that the viewer may see (and
    the filters let through). ``finds_alone(word)``: the typed word finds something by itself
    (another form of an indexed word, found through its stem), so it is no typo; asked first, as the
    search has mostly answered it already."""
    out: list[str] = []
    changed = False
    near = True
    for word in typed:
        lowered = normal(word)
        if not MIN_WORD <= len(lowered) <= MAX_WORD or finds_alone(word) or visible_count(lowered) > 0:
            out.append(word)
            continue
        best: tuple[int, int, str] | None = None
        for candidate in words().candidates(lowered):
            # nearest first, then most documents: the viewer sees at most a candidate's documents, so
            # once they are fewer than the best's visible ones no later candidate can win
            if best is not None and (candidate.distance > best[0] or candidate.documents < -best[1]):
                break
            seen = visible_count(candidate.word)
            if seen and (best is None or (candidate.distance, -seen, candidate.word) < best):
                best = (candidate.distance, -seen, candidate.word)
        if best is None:
            out.append(word)
            continue
        out.append(best[2])
        changed = True
        near = near and best[0] <= auto_correct_distance(lowered)
    return (" ".join(out), near) if changed else None


def visible_documents(ids: np.ndarray, allowed: np.ndarray) -> int:
    """How many of these document numbers the mask lets through."""
    return int(np.count_nonzero(allowed[ids])) if len(ids) else 0
