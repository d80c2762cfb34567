"""Facet counts from arrays loaded once per searcher.

Whoosh's own ``groupedby`` does Python work per matched document and per facet; with tens
of thousands of matches that dominates a search. Instead, when a searcher opens, the
``facets`` column of every document is read once into, per facet, two parallel numpy arrays
(document number, value number). Counting the facets of a result is then a boolean mask
and a ``bincount`` per facet: microseconds for any result size.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import numpy as np

from archive.search.request import FACETS

VISIBILITY_CODES = {"public": 0, "embargoed": 1, "restricted": 2}


@dataclass
class FacetArray:
    values: list[str]  # value number -> value
    docs: np.ndarray  # int32, document number of each (document, value) pair
    codes: np.ndarray  # int32, value number of each pair

    def having(self, values: list[str], doc_count: int) -> np.ndarray:
        """A mask of the documents with any of these values (one facet's values combine with OR)."""
        index = {value: code for code, value in enumerate(self.values)}
        codes = [index[v] for v in values if v in index]
        mask = np.zeros(doc_count, dtype=bool)
        if codes:
            mask[self.docs[np.isin(self.codes, codes)]] = True
        return mask

    def count(self, matched: np.ndarray, limit: int | None = None) -> dict[str, int]:
        """Counts of each value among the matched documents (a boolean mask over all documents),
        the ``limit`` most frequent when given."""
        if not len(self.docs):
            return {}
        selected = self.codes[matched[self.docs]]
        counts = np.bincount(selected, minlength=len(self.values))
        present = np.flatnonzero(counts)
        if limit is not None and len(present) > limit:
            present = present[np.argsort(-counts[present], kind="stable")[:limit]]
        return {self.values[i]: int(counts[i]) for i in present}


@dataclass
class SearcherArrays:
    doc_count: int
    facets: dict[str, FacetArray]
    sort_date: np.ndarray  # int32 day ordinal, 0 when unknown
    sort_person: np.ndarray  # int32 rank of the person's name
    visibility: np.ndarray  # int8: 0 public, 1 embargoed, 2 restricted (see VISIBILITY_CODES)
    embargo_day: np.ndarray  # int32 day ordinal an embargo ends, 0 when none

    def visible(self, cutoff: date | None) -> np.ndarray:
        """The documents a viewer may see, from ``visibility.embargo_cutoff(viewer)``: None sees
        everything; otherwise public ones, and embargoed ones whose day is on or before the cutoff."""
        if cutoff is None:
            return np.ones(self.doc_count, dtype=bool)
        lifted = (self.visibility == 1) & (self.embargo_day > 0) & (self.embargo_day <= cutoff.toordinal())
        return (self.visibility == 0) | lifted

    @classmethod
    def load(cls, reader) -> "SearcherArrays":  # type: ignore[no-untyped-def]
        count = reader.doc_count_all()
        pairs: dict[str, tuple[list[int], list[int], dict[str, int]]] = {f: ([], [], {}) for f in FACETS}
        column = reader.column_reader("facets") if reader.has_column("facets") else None
        visibility = np.full(count, VISIBILITY_CODES["restricted"], dtype=np.int8)  # unknown: withheld
        embargo_day = np.zeros(count, dtype=np.int32)
        for docnum in range(count):
            raw = column[docnum] if column is not None else b""
            if not raw:
                continue
            payload = json.loads(raw)
            access = payload.pop("_access", None)
            if access:
                visibility[docnum] = VISIBILITY_CODES.get(access[0], VISIBILITY_CODES["restricted"])
                embargo_day[docnum] = access[1]
            for name, values in payload.items():
                docs, codes, index = pairs[name]
                for value in values:
                    code = index.setdefault(value, len(index))
                    docs.append(docnum)
                    codes.append(code)
        facets = {
            name: FacetArray(list(index), np.asarray(docs, dtype=np.int32), np.asarray(codes, dtype=np.int32))
            for name, (docs, codes, index) in pairs.items()
        }
        sort_date = np.zeros(count, dtype=np.int32)
        if reader.has_column("sort_date"):
            values = reader.column_reader("sort_date")
            sort_date = np.fromiter((values[d] or 0 for d in range(count)), dtype=np.int32, count=count)
        names = [b""] * count
        if reader.has_column("sort_person"):
            values = reader.column_reader("sort_person")
            names = [values[d] or b"" for d in range(count)]
        order = sorted(range(count), key=names.__getitem__)
        rank = np.empty(count, dtype=np.int32)
        rank[np.asarray(order, dtype=np.int64)] = np.arange(count, dtype=np.int32)
        return cls(count, facets, sort_date, rank, visibility, embargo_day)
