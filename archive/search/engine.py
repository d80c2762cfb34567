"""The search engine behind one small interface: rebuild, update people, check, search.

One ``SearchIndex`` per archive keeps a searcher open across requests, with its facet
arrays, and reopens it when the index changes (a rebuild swapped in, or an import
updated some people). A server-side engine could later implement the same methods.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from sqlalchemy import bindparam, func, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.expression import TableClause
from whoosh import query as q
from whoosh.searching import Searcher

from archive.access.visibility import Viewer, is_visible
from archive.search import index_state, node_version
from archive.search.facet_arrays import SearcherArrays
from archive.search.fast_matching import MAX_EXPANSION, Evaluated, LeafSegments, evaluate, term_documents
from archive.search.index_schema import TEXT_FIELDS, facet_value, text_language
from archive.search.index_store import Build, IndexCheck, IndexStore
from archive.search.query_parsing import ParsedQuery, parse
from archive.search.request import FACETS, Facet, FacetValue, Hit, SearchRequest, SearchResult
from archive.search.snippets import holds_a_term, name_terms, snippet
from archive.search.suggestions import SpellingWords, suggest, visible_documents
from archive.store.reflected import reflected_table
from archive.store.vocabulary_table import TermWords, term_words

PARALLEL_FROM = 20_000  # documents from which the index is written by two processes
FACET_VALUES = 100  # values listed per facet (the most frequent; selected ones always)
DocProgress = Callable[[Iterable[dict[str, Any]], int], Iterable[dict[str, Any]]]
# the vocabulary terms a hit names or may have matched (their labels, the words they are found by), by
# kind, then by term id
PageVocabulary = dict[str, dict[str, TermWords]]
# the kinds of terms the index finds a record by (archive/search/documents.py: the terms_* fields)
_MATCHED_KINDS = ("relations", "fates", "themes", "stances", "roles")


@dataclass
class _Open:
    name: str
    searcher: Searcher
    arrays: SearcherArrays
    segments: LeafSegments
    _spelling: SpellingWords | None = None
    _spelling_lock: threading.Lock = field(default_factory=threading.Lock)

    def spelling(self) -> SpellingWords:
        """The index's spelling words, read the first time a typo is looked up."""
        with self._spelling_lock:
            if self._spelling is None:
                self._spelling = SpellingWords.read(self.searcher.reader())
            return self._spelling


@dataclass
class _Matches:
    """What one build finds for a search, before its records are read from the database."""

    parsed: ParsedQuery
    page: list[tuple[int, float]]
    total: int
    facets: dict[str, Facet]
    suggestion: str | None
    corrected: str | None


class _SearchWork:
    """One search's parses and evaluations, each made once: the suggestions ask again about the
    query's own words (does this word find anything by itself?), and a corrected query is often
    the suggestion just checked."""

    def __init__(self, state: _Open):
        self.state = state
        self.parsed: dict[str, ParsedQuery] = {}
        self.evaluated: Evaluated = {}

    def parse(self, text: str) -> ParsedQuery:
        found = self.parsed.get(text)
        if found is None:
            found = self.parsed[text] = parse(text, self.state.searcher.schema)
        return found

    def select(self, text_query: q.Query, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(the matches ``allowed`` lets through, the scores) of a query."""
        matched, scores = evaluate(text_query, self.state.searcher, self.state.segments, self.evaluated)
        return matched & allowed, scores


class SearchIndex:
    def __init__(self, store: IndexStore, engine: Engine):
        self.store = store
        self.engine = engine
        self._lock = threading.Lock()
        self._open: _Open | None = None
        self._unrecoverable: tuple[str | None, str | None] | None = None
        # (build, people): while this node's index is behind a shared database, the people whose
        # documents in that build may be out of date; left out of its searches (archive/search/node_sync.py)
        self.excluded_people: tuple[str, frozenset[str]] | None = None
        # (data version, vocabulary): the vocabulary's terms, read again when an import changed the database
        self._kept_vocabulary: tuple[tuple[str | None, int | None], PageVocabulary] | None = None

    # --- lifecycle -----------------------------------------------------------------------

    def document_count_estimate(self) -> int:
        with self.engine.connect() as conn:
            return _document_count_estimate(conn)

    def rebuild(self, progress: DocProgress | None = None, procs: int | None = None, attempts: int = 3) -> int:
        """Build a new index from a snapshot of the database, name it in the database, swap it in.

        The write lock is not held while building: when an import commits meanwhile, the build
        is thrown away and made again (``archive/search/index_state.py``). ``procs`` writer processes;
        by default two on a machine that has them when the index is large enough to gain."""
        estimate = self.document_count_estimate()
        procs = procs or self._procs(estimate)
        for _ in range(attempts):
            with index_state.read_snapshot(self.engine) as conn:
                seen = index_state.named_build(conn)
                build = self._write_build(conn, progress, procs, estimate)
            try:
                with index_state.write_transaction(self.engine) as conn:
                    if index_state.named_build(conn) == seen:
                        index_state.commit_build(conn, self.store, build.name)
                        return build.count
                build.discard()  # an import committed while we built: its data is not in this build
            finally:
                build.release()
        raise RuntimeError(f"the database changed during each of {attempts} rebuilds; run `archive reindex` again")

    @staticmethod
    def _procs(estimate: int) -> int:
        return 2 if estimate >= PARALLEL_FROM and (os.cpu_count() or 1) >= 2 else 1

    def _write_build(self, conn: Connection, progress: DocProgress | None, procs: int | None = None,
                     estimate: int | None = None) -> Build:
        from archive.search.documents import documents_for  # only a writer of the index builds documents

        if estimate is None:
            estimate = _document_count_estimate(conn)
        documents: Iterable[dict[str, Any]] = documents_for(conn)
        if progress:
            documents = progress(documents, estimate)
        return self.store.write_build(documents, procs=procs or self._procs(estimate))

    def commit_import(self, conn: Connection, person_ids: Iterable[str], full: bool,
                      progress: DocProgress | None = None) -> int:
        """Bring the index up to the import written (not committed) in ``conn``, then commit both.

        A new build is written from what ``conn`` sees: the build the database names, cloned,
        with these people re-indexed; or every document when ``full``, when there is no
        build to start from, or when that build lacks a field of the schema (written before it).
        Returns the number of documents written."""
        from archive.search.documents import documents_for

        ids = sorted(set(person_ids))
        base = index_state.named_build(conn)
        if base is None and self.store.exists():
            base = self.store.current_name()  # an archive indexed before the database named its build
        if base and not self.store.has_index(base):
            # another node's build: this node's own current one serves when it holds the same data
            base = self.store.current_name() if node_version.build_in_step(conn, self.store,
                                                                           self.store.current_name()) else None
        if base and not (self.store.has_index(base) and self.store.has_every_field(base)):
            base = None
        if full or not base:
            build = self._write_build(conn, progress)
        elif ids:
            build = self.store.write_update(base, ids, documents_for(conn, ids))
        else:  # nothing to re-index: the database keeps (or starts) naming its build
            index_state.commit_build(conn, self.store, base)
            return 0
        try:  # on failure the build stays unnamed (or, failing after the commit, named): the collector decides
            index_state.commit_build(conn, self.store, build.name)
        finally:
            build.release()
        return build.count

    def update_people(self, person_ids: Iterable[str]) -> int:
        """Re-index the documents of these people only, in a new build named in the database."""
        with index_state.write_transaction(self.engine) as conn:
            return self.commit_import(conn, person_ids, full=False)

    def recover(self) -> index_state.Recovery:
        """Point CURRENT at the build the database names (after a crash), remove unnamed builds."""
        result = index_state.recover(self.engine, self.store)
        self._unrecoverable = (result.named, result.current) if result.problem else None
        return result

    def expected_fingerprints(self) -> dict[str, str]:
        from archive.search.documents import documents_for

        with self.engine.connect() as conn:
            return {doc["doc_id"]: doc["fingerprint"] for doc in documents_for(conn)}

    def check(self) -> IndexCheck:
        result = self.store.check(self.expected_fingerprints())
        problem = index_state.disagreement(self.engine, self.store)
        if problem and self.store.is_complete(self.store.current_name()):
            with self.engine.connect() as conn:  # a node of a shared database, at its version: no disagreement
                problem = None if node_version.build_in_step(conn, self.store, self.store.current_name()) else problem
        if problem:
            result.ok = False
            result.problems.insert(0, problem)
        return result

    def _roll_forward_if_needed(self) -> None:
        """A crash between an import's commit and its swap, noticed by a long-running searcher."""
        with self.engine.connect() as conn:
            named = index_state.named_build(conn)
        current = self.store.current_name()
        if named and named != current and self._unrecoverable != (named, current):
            self.recover()

    def _state(self) -> _Open:
        """The open searcher, reopened when the index changed since it was opened."""
        self._roll_forward_if_needed()
        with self._lock:
            current = self._open
            name = self.store.current_name()
            if current is not None and current.name == name and current.searcher.up_to_date():
                return current
            if current is not None and current.name == name:
                searcher = current.searcher.refresh()
            else:
                name, ix = self.store.open(for_search=True)  # segments read in place (whoosh_io)
                searcher = ix.searcher()
            # Requests still holding the previous searcher finish with it; Python closes it after.
            arrays = SearcherArrays.load(searcher.reader(), self.store.folder(name) if name else None,
                                         previous=current.arrays if current is not None else None)
            self._open = _Open(name or "", searcher, arrays, LeafSegments(searcher, TEXT_FIELDS))
            return self._open

    def close(self) -> None:
        with self._lock:
            if self._open is not None:
                self._open.searcher.close()
                self._open = None

    # --- searching -----------------------------------------------------------------------

    def search(self, request: SearchRequest, viewer: Viewer, attempts: int = 3) -> SearchResult:
        """One page of a search, built from one version of the data.

        The matches come from the searcher's build; the records shown are read from a database
        snapshot that names the same build (an import committed in between: search again, on the
        build it swapped in). Every record shown passes the visibility rule for the rows read, so
        even when the versions keep changing under it nothing withheld in the snapshot is shown.
        """
        started = time.perf_counter()
        for attempt in range(attempts):
            state = self._state()
            found = self._matches(state, request, viewer)
            with index_state.read_snapshot(self.engine) as conn:
                in_step = node_version.build_in_step(conn, self.store, state.name)  # this home's or a node's
                if not in_step and state.name and attempt + 1 < attempts:
                    continue  # the database is at another version than this searcher: search again
                hits = self._hits(conn, state, found.page, found.parsed, viewer, self._page_vocabulary,
                                  whole=request.within_person is not None)
            return SearchResult(
                request=request, hits=hits, total=found.total, facets=found.facets, suggestion=found.suggestion,
                elapsed_ms=(time.perf_counter() - started) * 1000, query_fell_back=found.parsed.fell_back,
                corrected_query=found.corrected,
            )
        raise AssertionError("unreachable: the last attempt always answers")

    def _matches(self, state: _Open, request: SearchRequest, viewer: Viewer) -> _Matches:
        """What the searcher's build finds for the request: the page's documents, counts, facets."""
        work = _SearchWork(state)
        parsed = work.parse(request.query)
        allowed = self._allowed(state, request, viewer)
        matched, scores = work.select(parsed.query, allowed)
        corrected = None
        suggested = self._suggest(work, parsed, allowed) if parsed.words else None
        suggestion = suggested[0] if suggested else None
        if not matched.any() and suggested and suggested[1]:
            corrected = suggestion
            parsed = work.parse(suggested[0])
            matched, scores = work.select(parsed.query, allowed)
        docnums = np.flatnonzero(matched)
        facets = self._facets(state.arrays, docnums, request)
        page = self._page(state, request, parsed, docnums, scores)
        return _Matches(parsed, page, int(len(docnums)), facets, suggestion, corrected)

    def iter_records(self, request: SearchRequest, viewer: Viewer) -> Iterator[tuple[str, str]]:
        """(kind, record id) of every match in the request's order, without pagination.

        Exports use this so that an export is exactly the search, whatever its size.
        """
        state = self._state()
        parsed = parse(request.query, state.searcher.schema)
        matched, scores = self._select(state, parsed.query, self._allowed(state, request, viewer))
        docnums = np.flatnonzero(matched)
        for docnum, _ in self._page(state, request, parsed, docnums, scores, window=(0, len(docnums))):
            fields = state.searcher.stored_fields(docnum)
            yield fields["kind"], fields["record_id"]

    def _allowed(self, state: _Open, request: SearchRequest, viewer: Viewer) -> np.ndarray:
        """The documents the request's filters and the viewer's visibility let through, as a mask."""
        arrays = state.arrays
        allowed = state.segments.live & arrays.visible(viewer)  # a new array: the masks it combines are shared
        excluded = self.excluded_people
        if excluded is not None and excluded[0] == state.name:  # a node behind its database
            allowed &= ~arrays.facets["person"].having(sorted(excluded[1]), arrays.doc_count)
        filters = dict(request.filters)
        if request.within_person:
            filters["person"] = (request.within_person,)
            filters["kind"] = ("quote",)
        for name, values in filters.items():
            allowed &= arrays.facets[name].having([facet_value(v) for v in values], arrays.doc_count)
        return allowed

    @staticmethod
    def _select(state: _Open, text_query: q.Query, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        matched, scores = evaluate(text_query, state.searcher, state.segments)
        return matched & allowed, scores

    def _facets(self, arrays: SearcherArrays, docnums: np.ndarray, request: SearchRequest) -> dict[str, Facet]:
        facets = {}
        counted = arrays.facet_counts(docnums, limit=FACET_VALUES)
        for name in FACETS:
            counts = counted[name]
            for value in request.filters.get(name, ()):
                counts.setdefault(value, 0)
            values = [FacetValue(v, c, request.selected(name, v)) for v, c in counts.items()]
            values.sort(key=lambda fv: (-fv.count, fv.value))
            facets[name] = Facet(name, values)
        return facets

    def _page(self, state: _Open, request: SearchRequest, parsed: ParsedQuery, docnums: np.ndarray,
              scores: np.ndarray, window: tuple[int, int] | None = None) -> list[tuple[int, float]]:
        """(docnum, score) of the request's page, or of ``window`` (start, end) in the same order."""
        start, end = window or ((request.page - 1) * request.per_page, request.page * request.per_page)
        if start >= len(docnums):
            return []
        arrays = state.arrays
        if request.sort == "relevance" and not isinstance(parsed.query, q.Every):
            found = scores[docnums]
            if end < len(docnums):  # only the best ``end`` need sorting, with every tie of the last
                # (so that a page ends where the whole order would, whatever ties straddle it)
                threshold = -np.partition(-found, end - 1)[end - 1]
                best = np.flatnonzero(found >= threshold)
            else:
                best = np.arange(len(docnums))
            order = best[np.lexsort((docnums[best], -found[best]))]
            return [(int(docnums[i]), float(found[i])) for i in order[start:end]]
        if request.sort == "date":
            dates = arrays.sort_date[docnums].astype(np.int64)
            dates = np.where(dates == 0, np.iinfo(np.int32).max, dates)  # undated last
            order = np.lexsort((docnums, arrays.sort_person[docnums], dates))
        else:  # by person (and for a query with no words): the name's rank, unique per document
            # (equal names in document order, i.e. each person's records in the collection's order)
            order = np.argsort(arrays.sort_person[docnums], kind="stable")
        return [(int(docnums[i]), 0.0) for i in order[start:end]]

    @staticmethod
    def _suggest(work: _SearchWork, parsed: ParsedQuery, allowed: np.ndarray) -> tuple[str, bool] | None:
        """A spelling of the query from the words this viewer may see, that finds what they may see,
        and whether it is near enough to answer in the query's place."""
        state = work.state

        def visible_count(word: str) -> int:
            return visible_documents(term_documents(state.segments, "spell", word), allowed)

        def finds_alone(word: str) -> bool:
            return bool(work.select(work.parse(word).query, allowed)[0].any())

        found = suggest(state.spelling, parsed.words, visible_count, finds_alone)
        if found is None or not finds_alone(found[0]):
            return None
        return found

    def _page_vocabulary(self, conn: Connection) -> PageVocabulary:
        """The vocabulary terms a hit names or may have been found by, as ``conn`` reads them, loaded
        once per version of the database's contents (every import's commit moves the
        version: ``index_state.data_version``)."""
        version = index_state.data_version(conn)
        kept = self._kept_vocabulary
        if kept is not None and kept[0] == version and version[1] is not None:
            return kept[1]
        vocabulary = term_words(conn, _MATCHED_KINDS)
        self._kept_vocabulary = (version, vocabulary)
        return vocabulary

    @staticmethod
    def _hits(conn: Connection, state: _Open, page: list[tuple[int, float]], parsed: ParsedQuery, viewer: Viewer,
              vocabulary: Callable[[Connection], PageVocabulary],
              whole: bool) -> list[Hit]:
        """The page's records as read through ``conn``; a record gone or withheld there is left out."""
        if not page:
            return []
        stored = [state.searcher.stored_fields(docnum) for docnum, _ in page]
        terms = _highlight_terms(parsed.query, state.searcher)
        details = _page_details(conn, stored, vocabulary)
        hits = []
        for fields, (_, score) in zip(stored, page, strict=False):
            if details.shown(fields, viewer):
                hits.append(details.hit(fields, score, terms, whole))
        return hits


def _highlight_terms(text_query: q.Query, searcher: Searcher) -> dict[str, set[str]]:
    """Analysed terms of the query per language field, with prefixes and fuzzy terms expanded.

    Negated terms never occur in a hit's text, so marking every term found is safe.
    """
    terms: dict[str, set[str]] = {"en": set(), "ru": set(), "names": set()}
    if isinstance(text_query, q.Every):
        return terms
    reader = searcher.reader()
    for leaf in text_query.leaves():
        field = getattr(leaf, "fieldname", None)
        if field == "names" and isinstance(getattr(leaf, "text", None), str):
            terms["names"].add(leaf.text)  # a name's matching key: marks it in either script
            continue
        if field in ("family_en", "family_ru"):
            terms[field] = terms.get(field, set()) | {getattr(leaf, "text", "")}
            continue
        if field not in ("text_en", "text_ru", "terms_en", "terms_ru"):  # terms_*: the vocabulary's labels
            continue
        if isinstance(leaf, q.MultiTerm):  # prefix, wildcard, fuzzy: the index's words they match
            try:
                words = [text for _, text in itertools.islice(leaf.expanded_terms(reader), MAX_EXPANSION)]
            except Exception:  # highlighting is a courtesy; the hit is shown unmarked
                words = []
        elif isinstance(leaf, q.Phrase):
            words = list(leaf.words)
        else:
            words = [getattr(leaf, "text", "")]
        for word in words:
            terms[field[-2:]].add(word.decode("utf-8") if isinstance(word, bytes) else word)
    return terms


def _marked(terms: dict[str, set[str]], text: str, lang: str) -> set[str]:
    """The terms to mark in a text: the query's own, and the text's words it matched by name or family."""
    return terms.get(lang, set()) | name_terms(text, lang, terms["names"], terms.get(f"family_{lang}", ()))


def _document_count_estimate(conn: Connection) -> int:
    """The people, relatives and quotes: about the number of documents an index of them holds."""
    return sum(conn.scalar(select(func.count()).select_from(reflected_table(conn, name))) or 0
               for name in ("person", "relative", "quote"))


# the tables a page's details are read from, taken from the database (archive/store/reflected.py)
# rather than from the table models, which a search does not build
_PAGE_TABLES = ("person", "quote", "quote_text", "quote_theme", "relative", "fate_event", "transcript_segment",
                "index_point")


def _page_statements(conn: Connection) -> dict[str, Any]:
    """The queries of a page's details on ``conn``'s database (the ids are bound when run)."""
    return _statements_on(*(reflected_table(conn, name) for name in _PAGE_TABLES))


@lru_cache(maxsize=8)
def _statements_on(P: TableClause, Q: TableClause, QT: TableClause, QTh: TableClause, R: TableClause,
                   F: TableClause, TS: TableClause, IP: TableClause) -> dict[str, Any]:
    """The queries of a page's details on these tables, each built once."""

    def ids() -> Any:
        return bindparam("ids", expanding=True)

    visibility = ("visibility", "embargo_until")  # of a record: archive/access/visibility.py

    def columns(table: TableClause, *names: str) -> list[Any]:
        return [table.c[name] for name in names]

    return {
        "people": select(*columns(P, "id", "name", "stance", "role", "portrait", *visibility)).where(P.c.id.in_(ids())),
        "quotes": select(*columns(Q, "id", "stance", "timecode_in", "timecode_out", *visibility))
        .where(Q.c.id.in_(ids())),
        "texts": select(QT.c.quote_id, QT.c.lang, QT.c.text).where(QT.c.quote_id.in_(ids()))
        .order_by(QT.c.quote_id, QT.c.lang),  # the same on every database
        "themes": select(QTh.c.quote_id, QTh.c.theme).where(QTh.c.quote_id.in_(ids())).order_by(QTh.c.position),
        "relatives": select(*columns(R, "id", "relation", "name", "notes", *visibility)).where(R.c.id.in_(ids())),
        "events": select(*columns(F, "relative_id", "kind", "date", "place", "details", *visibility))
        .where(F.c.relative_id.in_(ids())).order_by(F.c.position),
        "segments": select(*columns(TS, "id", "interview_id", "recording_id", "start_seconds", "speaker_name",
                                    "text", *visibility)).where(TS.c.id.in_(ids())),
        "index_points": select(*columns(IP, "id", "interview_id", "recording_id", "start_seconds", "title",
                                        "synopsis", "partial_transcript")).where(IP.c.id.in_(ids())),
    }


class _page_details:
    """The database rows behind one page of hits, fetched in a few queries."""

    def __init__(self, conn: Connection, stored: list[dict[str, Any]],
                 vocabulary: Callable[[Connection], PageVocabulary]):
        ids = {kind: [f["record_id"] for f in stored if f["kind"] == kind]
               for kind in ("quote", "person", "relative", "segment", "index_point")}
        person_ids = sorted({f["person_id"] for f in stored})
        statements = _page_statements(conn)
        # every read through the caller's connection: one snapshot of the database; a kind of record
        # the page does not show is not asked for
        self.people = {r.id: r for r in conn.execute(statements["people"], {"ids": person_ids})}
        self.quotes: dict[str, Any] = {}
        self.texts: dict[str, dict[str, str]] = {}
        self.themes: dict[str, list[str]] = {}
        if ids["quote"]:
            self.quotes = {r.id: r for r in conn.execute(statements["quotes"], {"ids": ids["quote"]})}
            for text_row in conn.execute(statements["texts"], {"ids": ids["quote"]}):
                self.texts.setdefault(text_row.quote_id, {})[text_row.lang] = text_row.text
            for theme_row in conn.execute(statements["themes"], {"ids": ids["quote"]}):
                self.themes.setdefault(theme_row.quote_id, []).append(theme_row.theme)
        self.relatives: dict[str, Any] = {}
        self.events: dict[str, list[Any]] = {}
        if ids["relative"]:
            self.relatives = {r.id: r for r in conn.execute(statements["relatives"], {"ids": ids["relative"]})}
            for event_row in conn.execute(statements["events"], {"ids": ids["relative"]}):
                self.events.setdefault(event_row.relative_id, []).append(event_row)
        # the vocabulary's terms: a relative's hit names its relation and fates, every hit says which
        # terms the query matched (read once per data version: SearchIndex._page_vocabulary)
        self.vocabulary = vocabulary(conn) if stored else {}
        self.segments = {r.id: r for r in conn.execute(statements["segments"], {"ids": ids["segment"]})} \
            if ids["segment"] else {}
        self.index_points = {r.id: r for r in conn.execute(statements["index_points"], {"ids": ids["index_point"]})} \
            if ids["index_point"] else {}

    def shown(self, fields: dict[str, Any], viewer: Viewer) -> bool:
        """Whether the record behind a document is still there and visible in these rows."""
        kind, record_id = fields["kind"], fields["record_id"]
        person = self.people.get(fields["person_id"])
        if person is None or not is_visible(viewer, person.visibility, person.embargo_until):
            return False
        if kind == "quote":
            quote = self.quotes.get(record_id)
            return quote is not None and is_visible(viewer, quote.visibility, quote.embargo_until)
        if kind == "relative":  # the relative and each of its fates, as its document's visibility combines them
            relative = self.relatives.get(record_id)
            return relative is not None and all(
                is_visible(viewer, row.visibility, row.embargo_until)
                for row in (relative, *self.events.get(record_id, [])))
        if kind == "segment":  # its recording's visibility is its document's, read in this build's snapshot
            segment = self.segments.get(record_id)
            return segment is not None and is_visible(viewer, segment.visibility, segment.embargo_until)
        if kind == "index_point":
            return record_id in self.index_points
        return kind == "person"

    def _relative_facts(self, relative: Any, events: list[Any]) -> dict[str, str]:
        """What the index finds a relative by besides the words of its notes and fates' details, per
        language: the relation's label, then each fate's label and place («Мать: Заключение в лагерь,
        Карлаг»), so that a hit found through them shows where it matched."""
        facts = {}
        for lang in ("en", "ru"):
            relation = self._label("relations", relative.relation, lang)
            fate_labels = [self._label("fates", e.kind, lang) for e in events]
            if not relation and not any(fate_labels):
                continue  # a language the vocabulary gives no label in
            told = "; ".join(", ".join(filter(None, [label, e.place]))
                             for label, e in zip(fate_labels, events, strict=True))
            facts[lang] = ": ".join(part for part in (relation, told) if part)
        return facts

    def _label(self, kind: str, term_id: str, lang: str) -> str | None:
        term = self.vocabulary.get(kind, {}).get(term_id)
        return term.label.get(lang) if term else None

    def _matched(self, terms: dict[str, set[str]], **ids: Iterable[str | None]) -> dict[str, tuple[str, ...]]:
        """Of the terms a record is found by (``themes=…``, ``stances=…``), by kind, those whose words
        in a language hold one of the query's terms: what the hit shows as matched."""
        matched = {}
        for kind, term_ids in ids.items():
            found = tuple(term_id for term_id in dict.fromkeys(term_ids) if term_id
                          and (term := self.vocabulary.get(kind, {}).get(term_id)) is not None
                          and any(holds_a_term(words, lang, terms.get(lang, ())) for lang, words in term.words.items()))
            if found:
                matched[kind] = found
        return matched

    def _moment_hit(self, kind: str, record_id: str, person_id: str, person_name: str, score: float,
                    terms: dict[str, set[str]]) -> Hit:
        """A transcript segment or an index point: its own words, and the moment of the interview it is at."""
        if kind == "segment":
            segment = self.segments[record_id]
            texts: dict[str, str] = segment.text or {}
            title = segment.speaker_name or person_name
            start, interview_id, recording_id = segment.start_seconds, segment.interview_id, segment.recording_id
        else:
            point = self.index_points[record_id]
            texts = {lang: " ".join(filter(None, [(point.title or {}).get(lang), (point.synopsis or {}).get(lang),
                                                  (point.partial_transcript or {}).get(lang)]))
                     for lang in {*(point.title or {}), *(point.synopsis or {})}}
            title = next(iter((point.title or {}).values()), person_name)
            start, interview_id, recording_id = point.start_seconds, point.interview_id, point.recording_id
        snippets = {lang: snippet(text, lang, _marked(terms, text, lang)) for lang, text in texts.items() if text}
        return Hit(kind, record_id, person_id, person_name, title, snippets, score, timecode_in=start,
                   interview_id=interview_id, recording_id=recording_id)

    def hit(self, fields: dict[str, Any], score: float, terms: dict[str, set[str]], whole: bool) -> Hit:
        kind, record_id, person_id = fields["kind"], fields["record_id"], fields["person_id"]
        person = self.people.get(person_id)
        person_name = person.name if person else person_id
        if kind == "quote":
            quote = self.quotes[record_id]
            texts = self.texts.get(record_id, {})
            snippets = {lang: snippet(text, lang, _marked(terms, text, lang),
                                      whole=whole) for lang, text in texts.items()}
            themes = tuple(self.themes.get(record_id, ()))
            return Hit("quote", record_id, person_id, person_name, person_name, snippets, score,
                       stance=quote.stance, themes=themes,
                       timecode_in=quote.timecode_in, timecode_out=quote.timecode_out,
                       matched_terms=self._matched(terms, themes=themes, stances=[quote.stance]))
        if kind == "relative":
            relative = self.relatives[record_id]
            events = self.events.get(record_id, [])
            text = "; ".join(filter(None, [e.details for e in events] + [relative.notes]))
            relation = self._label("relations", relative.relation, "en")
            title = f"{relative.name or relation or relative.relation} ({person_name})"
            lang = text_language(text)  # as the index analysed it (archive/search/documents.py)
            marked = snippet(text, lang, _marked(terms, text, lang))
            facts = {fact_lang: snippet(line, fact_lang, _marked(terms, line, fact_lang))
                     for fact_lang, line in self._relative_facts(relative, events).items()}
            return Hit("relative", record_id, person_id, person_name, title,
                       {lang: marked}, score, stance=person.stance if person else None, stance_of="person",
                       date=next((e.date for e in events if e.date), None), facts=facts,
                       matched_terms=self._matched(terms, relations=[relative.relation],
                                                   fates=[e.kind for e in events]))
        if kind in ("segment", "index_point"):
            return self._moment_hit(kind, record_id, person_id, person_name, score, terms)
        portrait = (person.portrait if person else None) or {}
        snippets = {lang: snippet(text, lang, _marked(terms, text, lang))
                    for lang, text in portrait.items()}
        return Hit("person", record_id, person_id, person_name, person_name, snippets, score,
                   stance=person.stance if person else None, stance_of="person",
                   matched_terms=self._matched(terms, stances=[person.stance if person else None],
                                               roles=[person.role if person else None]))
