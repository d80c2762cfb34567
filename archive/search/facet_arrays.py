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

import numpy as np

from archive.search.request import FACETS


@dataclass
class FacetArray:
    values: list[str]  # value number -> value
    docs: np.ndarray  # int32, document number of each (document, value) pair
    codes: np.ndarray  # int32, value number of each pair

    def count(self, matched: np.ndarray) -> dict[str, int]:
        """Counts of each value among the matched documents (a boolean mask over all documents)."""
        if not len(self.docs):
            return {}
        selected = self.codes[matched[self.docs]]
        counts = np.bincount(selected, minlength=len(self.values))
        return {self.values[i]: int(counts[i]) for i in np.flatnonzero(counts)}


@dataclass
class SearcherArrays:
    doc_count: int
    facets: dict[str, FacetArray]
    sort_date: np.ndarray  # int32 day ordinal, 0 when unknown
    sort_person: np.ndarray  # int32 rank of the person's name

    @classmethod
    def load(cls, reader) -> "SearcherArrays":  # type: ignore[no-untyped-def]
        count = reader.doc_count_all()
        pairs: dict[str, tuple[list[int], list[int], dict[str, int]]] = {f: ([], [], {}) for f in FACETS}
        column = reader.column_reader("facets") if reader.has_column("facets") else None
        for docnum in range(count):
            raw = column[docnum] if column is not None else b""
            if not raw:
                continue
            for name, values in json.loads(raw).items():
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
        return cls(count, facets, sort_date, rank)

    def mask(self, docnums: np.ndarray) -> np.ndarray:
        matched = np.zeros(self.doc_count, dtype=bool)
        matched[docnums] = True
        return matched
