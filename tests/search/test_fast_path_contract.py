"""The fast path answers as plain Whoosh does.

``SearchIndex.search`` (and ``iter_records``) match with numpy over whole posting lists
(``fast_matching``), filter and count facets with per-searcher arrays (``facet_arrays``) and mask
withheld records with the visibility rule spread over arrays. Here the same requests run through
Whoosh's own ``Searcher.search`` on the same build, opened with Whoosh's own storage: the same
parsed query, the filter fields (``f_*``) as Whoosh term queries, the viewer's visibility
decided record by record with ``access.visibility.is_visible`` from each document's stored
access, facets counted from the hits' ``facets`` column, sorting with Whoosh facets.

Compared: the hit ids, the count, the facet counts, and the order. Relevance is the documented
BM25F (``fast_matching``), given to Whoosh as a ``FunctionWeighting`` over its public
statistics: each hit's score must agree, and the order must agree with ties compared as sets of
equal score. A ``NOT`` scores nothing in ours, 1.0 in Whoosh (its inverse matcher's weight): the
same order, scores shifted, so only the order is compared. A phrase scores as Whoosh's own
``Phrase`` matcher does (the sum of its words' scores in each matching document, so a document
that says the phrase more often ranks higher): its scores are compared too, with phrases said
once and several times in a document. Prefixes and fuzzy terms score differently by design
(Whoosh gives a prefix a constant): for them the ids and counts are compared.
Person and date sorting compare the exact order: by name, or by date (undated last) then name,
the document number being the documented last key.

Two indexes: the fixture collection with the access people (restricted and embargoed records),
updated once so that it has two segments and deleted documents; and a SYNTHETIC collection made
by ``benchmarks/generate_synthetic.py``, with queries drawn from its own words.
"""

from __future__ import annotations

import importlib.util
import json
import math
import random
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from whoosh import index as whoosh_index
from whoosh import query as q
from whoosh import scoring, sorting
from whoosh.searching import Searcher

from archive.access.visibility import ANONYMOUS, Viewer, is_visible
from archive.facade import Archive
from archive.search.fast_matching import K1, B
from archive.search.index_schema import TEXT_FIELDS, facet_value
from archive.search.query_parsing import parse
from archive.search.request import FACETS, SearchRequest
from archive.store import models
from tests.support import ROOT, make_access_collection

pytestmark = pytest.mark.slow  # every query through both paths over a synthetic collection

RESEARCHER = Viewer(role="researcher")
LATER = Viewer(role="anonymous", today=date(3000, 1, 1))  # every embargo has ended
VIEWERS = {"anonymous": ANONYMOUS, "researcher": RESEARCHER, "anonymous-in-3000": LATER}
PER_PAGE = 100  # hits per page the fast path is asked for
SYNTHETIC_SEGMENTS = 300  # enough for answers of several pages and phrases said more than once in a passage
SCORE_DIGITS = 5  # significant digits two scores must share (ours are float32)


# --- plain Whoosh -----------------------------------------------------------------------------------


def documented_bm25f(searcher: Searcher) -> scoring.FunctionWeighting:
    """``fast_matching``'s BM25F from Whoosh's public statistics: idf over the stored documents
    (deleted ones count until merged away, as in the document frequencies), the stored
    (quantised) length of the field, and its mean over the stored documents."""
    stored = max(1, searcher.doc_count_all())
    average = {}
    for field in TEXT_FIELDS:
        total = sum(searcher.doc_field_length(n, field, 0) or 0 for n in range(searcher.doc_count_all()))
        average[field] = total / stored if total else 1.0

    def score(leaf_searcher: Searcher, fieldname: str, text: bytes, matcher: Any) -> float:
        if fieldname not in average:
            return 0.0  # a filter field: matching only
        df = leaf_searcher.get_parent().doc_frequency(fieldname, text)
        idf = math.log(1 + (stored - df + 0.5) / (df + 0.5))
        tf = matcher.weight()
        length = leaf_searcher.doc_field_length(matcher.id(), fieldname, 0) or 0
        return idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / average[fieldname]))

    return scoring.FunctionWeighting(score)


@dataclass
class Answer:
    ids: list[tuple[str, str]]  # (kind, record id) in order
    scores: dict[tuple[str, str], float]
    facets: dict[str, dict[str, int]]


def _payloads(searcher: Searcher) -> list[dict[str, Any]]:
    """Each document's ``facets`` column: its facet values and its access."""
    return [json.loads(raw) if raw else {} for raw in searcher.reader().column_reader("facets")]


@dataclass
class _Generation:
    """What plain Whoosh's answers read from one index generation besides the search: its BM25F
    weighting and each document's facets column. A generation's files never change once written,
    so they are read once per folder."""

    weighting: scoring.FunctionWeighting
    payloads: list[dict[str, Any]]


_GENERATIONS: dict[Path, _Generation] = {}


def _generation(folder: Path) -> _Generation:
    if folder not in _GENERATIONS:
        ix = whoosh_index.open_dir(str(folder))
        try:
            with ix.searcher() as plain:
                _GENERATIONS[folder] = _Generation(documented_bm25f(plain), _payloads(plain))
        finally:
            ix.close()
    return _GENERATIONS[folder]


def whoosh_answer(folder: Path, request: SearchRequest, viewer: Viewer) -> Answer:
    generation = _generation(folder)
    ix = whoosh_index.open_dir(str(folder))  # Whoosh's own storage and searcher
    try:
        with ix.searcher(weighting=generation.weighting) as searcher:
            return _whoosh_answer(searcher, generation.payloads, request, viewer)
    finally:
        ix.close()


def _whoosh_answer(searcher: Searcher, payloads: list[dict[str, Any]], request: SearchRequest,
                   viewer: Viewer) -> Answer:
    parsed = parse(request.query, searcher.schema)
    allowed = set()
    for docnum, payload in enumerate(payloads):
        status, day = payload.get("_access", ("restricted", 0))
        if is_visible(viewer, status, date.fromordinal(day) if day else None):
            allowed.add(docnum)
    filters = dict(request.filters)
    if request.within_person:
        filters["person"] = (request.within_person,)
        filters["kind"] = ("quote",)
    for name, values in filters.items():
        wanted = q.Or([q.Term(f"f_{name}", facet_value(v)) for v in values])
        allowed &= set(searcher.docs_for_query(wanted))
    docnum_key = sorting.FunctionFacet(lambda _searcher, docnum: docnum)
    person = sorting.FieldFacet("sort_person")
    day = sorting.FieldFacet("sort_date")
    if request.sort == "date":
        undated_last = sorting.TranslateFacet(lambda d: d if d else 2 ** 31 - 1, day)
        sortedby: Any = sorting.MultiFacet([undated_last, person, docnum_key])
    elif request.sort == "person" or isinstance(parsed.query, q.Every):
        sortedby = sorting.MultiFacet([person, docnum_key])
    else:
        sortedby = None
    results = searcher.search(parsed.query, filter=allowed, limit=None, sortedby=sortedby)
    ids, scores = [], {}
    facets: dict[str, dict[str, int]] = {name: {} for name in FACETS}
    for hit in results:
        key = (hit["kind"], hit["record_id"])
        ids.append(key)
        scores[key] = hit.score if sortedby is None else 0.0
        for name, values in payloads[hit.docnum].items():
            if name in facets:
                for value in values:
                    facets[name][value] = facets[name].get(value, 0) + 1
    if sortedby is None:  # Whoosh orders by score; ties are compared as sets
        ids.sort(key=lambda k: -scores[k])
    return Answer(ids, scores, facets)


# --- the fast path ---------------------------------------------------------------------------------


def fast_answer(archive: Archive, request: SearchRequest, viewer: Viewer) -> Answer:
    ids = list(archive.index.iter_records(request, viewer))
    first = archive.search(SearchRequest(query=request.query, filters=request.filters, sort=request.sort,
                                         within_person=request.within_person, per_page=PER_PAGE), viewer)
    assert first.corrected_query is None, "the contract is for queries that find what they ask"
    assert first.total == len(ids)
    scores = {}
    for page in range(1, math.ceil(len(ids) / PER_PAGE) + 1):
        result = first if page == 1 else archive.search(
            SearchRequest(query=request.query, filters=request.filters, sort=request.sort,
                          within_person=request.within_person, per_page=PER_PAGE, page=page), viewer)
        scores.update({(hit.kind, hit.id): hit.score for hit in result.hits})
        assert [(hit.kind, hit.id) for hit in result.hits] == ids[(page - 1) * PER_PAGE:page * PER_PAGE]
    facets = {name: {fv.value: fv.count for fv in first.facets[name].values if fv.count} for name in FACETS}
    return Answer(ids, scores, facets)


def _rounded(score: float) -> float:
    return float(f"{score:.{SCORE_DIGITS}g}")


def _score_groups(ids: list[tuple[str, str]], scores: dict[tuple[str, str], float]) -> list[frozenset[Any]]:
    """The ids in order, as sets of equal (rounded) score."""
    groups: list[tuple[float, set[Any]]] = []
    for key in ids:
        score = _rounded(scores[key])
        if groups and groups[-1][0] == score:
            groups[-1][1].add(key)
        else:
            groups.append((score, {key}))
    return [frozenset(members) for _, members in groups]


EXACT, ORDER, SET = "exact", "order", "set"  # what of the relevance ranking is compared


def assert_same(archive: Archive, request: SearchRequest, viewer: Viewer, scored: str) -> Answer:
    folder = archive.index.store.folder(archive.index.store.current_name())
    ours, theirs = fast_answer(archive, request, viewer), whoosh_answer(folder, request, viewer)
    label = f"{request} as {viewer.role} on {viewer.today}"
    assert len(ours.ids) == len(theirs.ids) and set(ours.ids) == set(theirs.ids), label
    assert ours.facets == theirs.facets, label
    plain_relevance = request.sort == "relevance" and parse(request.query, _schema(folder)).query != q.Every()
    if not plain_relevance:
        assert ours.ids == theirs.ids, label  # person or date order, then the document number
        return ours
    if scored == EXACT:
        for key in ours.ids:
            assert math.isclose(ours.scores[key], theirs.scores[key], rel_tol=1e-4, abs_tol=1e-6), (label, key)
    if scored in (EXACT, ORDER):
        # our order under Whoosh's scores: the same sets of equal score, in the same order
        assert _score_groups(ours.ids, theirs.scores) == _score_groups(theirs.ids, theirs.scores), label
    return ours


_SCHEMAS: dict[Path, Any] = {}


def _schema(folder: Path) -> Any:
    if folder not in _SCHEMAS:
        ix = whoosh_index.open_dir(str(folder))
        _SCHEMAS[folder] = ix.schema
        ix.close()
    return _SCHEMAS[folder]


# --- the fixture collection -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fixture_archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    base = tmp_path_factory.mktemp("contract-fixture")
    archive = Archive.open(base / "home")
    archive.import_collection(make_access_collection(base / "collection"))
    archive.index.update_people(["anna-synthetic", "tamara-synthetic"])  # a second segment, deletions
    yield archive
    archive.close()


# (query, filters, sort, within person, what of the ranking is compared)
FIXTURE_REQUESTS = [
    ("camp", {}, "relevance", None, EXACT),
    ("Stalin", {}, "relevance", None, EXACT),
    ("лагерь", {}, "relevance", None, EXACT),  # Russian case forms: one stem
    ("лагерях", {}, "relevance", None, EXACT),
    ("лагеря", {}, "relevance", None, EXACT),
    ("grandmother camp", {}, "relevance", None, EXACT),
    ("Stalin OR camp", {}, "relevance", None, EXACT),
    ("camp -grey", {}, "relevance", None, EXACT),
    ("camp NOT grey", {}, "relevance", None, ORDER),
    ('"sent to a camp"', {}, "relevance", None, EXACT),
    ('"был расстрелян"', {}, "relevance", None, EXACT),
    ('"sent camp"~3', {}, "relevance", None, EXACT),  # words apart: Whoosh matches it, scored as a phrase
    ("grand*", {}, "relevance", None, SET),
    ("лаг*", {}, "relevance", None, SET),
    ("stalen~", {}, "relevance", None, SET),
    ("synthetic", {"kind": ("quote",)}, "relevance", None, EXACT),
    ("synthetic", {"stance": ("critic", "admirer")}, "relevance", None, EXACT),
    ("", {"kind": ("quote", "person")}, "relevance", None, EXACT),
    ("", {}, "person", None, EXACT),
    ("synthetic", {}, "date", None, EXACT),
    ("synthetic", {}, "person", None, EXACT),
    ("", {}, "relevance", "anna-synthetic", EXACT),
    ("camp", {}, "relevance", "anna-synthetic", EXACT),
    # withheld records: marker words of restricted and embargoed people and passages
    ("Tardigradeski", {}, "relevance", None, EXACT),
    ("Zanzibar", {}, "relevance", None, EXACT),
    ("Marmaladeov", {}, "relevance", None, EXACT),
    ("synthetic passage", {}, "relevance", None, EXACT),
]


@pytest.mark.parametrize("viewer", list(VIEWERS), ids=list(VIEWERS))
@pytest.mark.parametrize("query, filters, sort, within, scored", FIXTURE_REQUESTS,
                         ids=[f"{r[0] or '(all)'}|{r[2]}|{r[3] or ''}|{','.join(r[1])}" for r in FIXTURE_REQUESTS])
def test_the_fixture_collection_answers_as_whoosh(fixture_archive: Archive, query: str, filters: dict[str, Any],
                                                  sort: str, within: str | None, scored: str, viewer: str) -> None:
    request = SearchRequest(query=query, filters=filters, sort=sort, within_person=within)
    assert_same(fixture_archive, request, VIEWERS[viewer], scored)


def test_withheld_records_differ_by_viewer_the_same_way(fixture_archive: Archive) -> None:
    """The comparison is not empty: the marker words find records for some viewers only."""
    found = {name: fast_answer(fixture_archive, SearchRequest(query="Tardigradeski OR Zanzibar OR Marmaladeov"),
                               viewer).ids for name, viewer in VIEWERS.items()}
    assert found["researcher"] and len(found["anonymous"]) < len(found["anonymous-in-3000"]) < len(found["researcher"])


def test_paging_gives_whoosh_order_page_by_page(fixture_archive: Archive) -> None:
    folder = fixture_archive.index.store.folder(fixture_archive.index.store.current_name())
    for sort in ("person", "date"):
        theirs = whoosh_answer(folder, SearchRequest(query="synthetic", sort=sort), RESEARCHER).ids
        assert len(theirs) > 6
        for page in (1, 2, 3):
            result = fixture_archive.search(SearchRequest(query="synthetic", sort=sort, page=page, per_page=3),
                                            RESEARCHER)
            assert [(h.kind, h.id) for h in result.hits] == theirs[(page - 1) * 3:page * 3]


# --- a synthetic collection --------------------------------------------------------------------------


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("generate_synthetic", ROOT / "benchmarks" / "generate_synthetic.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # (its dataclasses look their module up)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def synthetic_archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    base = tmp_path_factory.mktemp("contract-synthetic")
    _generator().generate(base / "collection", segments=SYNTHETIC_SEGMENTS, people=12, seed=11)
    archive = Archive.open(base / "home")
    archive.import_collection(base / "collection")
    with archive.engine.connect() as conn:
        people = sorted(conn.scalars(select(models.Person.id)))
    archive.index.update_people(people[:2])
    yield archive
    archive.close()


def _synthetic_requests(archive: Archive) -> list[tuple[SearchRequest, str]]:
    """Queries made from the collection's own words (seeded): words, pairs, OR, NOT, phrases,
    prefixes, fuzzy terms, filters and within-person, in English and Russian."""
    rng = random.Random(5)
    with archive.engine.connect() as conn:
        texts = sorted(conn.execute(select(models.QuoteText.lang, models.QuoteText.text)).all())
        people = sorted(conn.scalars(select(models.Person.id)))
    words = {lang: sorted({w.lower() for text_lang, t in texts if text_lang == lang
                           for w in t.split() if w.isalpha() and len(w) > 3})
             for lang in ("en", "ru")}
    requests: list[tuple[SearchRequest, str]] = []
    for lang in ("en", "ru"):
        pick = rng.sample(words[lang], 8)
        requests += [(SearchRequest(query=pick[0]), EXACT), (SearchRequest(query=f"{pick[1]} {pick[2]}"), EXACT),
                     (SearchRequest(query=f"{pick[3]} OR {pick[4]}"), EXACT),
                     (SearchRequest(query=f"{pick[5]} -{pick[6]}"), EXACT),
                     (SearchRequest(query=pick[7][:3] + "*"), SET),
                     (SearchRequest(query=pick[0][:-1] + "~"), SET)]
        text = next(t for text_lang, t in texts if text_lang == lang and len(t.split()) > 4)
        requests.append((SearchRequest(query='"' + " ".join(text.split()[1:3]) + '"'), EXACT))
        requests += [(SearchRequest(query=f'"{phrase}"'), EXACT)
                     for phrase in _repeated_phrases([str(t) for text_lang, t in texts if text_lang == lang])]
        requests.append((SearchRequest(query=pick[0], filters={"kind": ("quote",)}, sort="date"), EXACT))
    requests += [(SearchRequest(query="", sort="person"), EXACT),
                 (SearchRequest(query=words["en"][0], within_person=people[3]), EXACT),
                 (SearchRequest(query="", within_person=people[4], sort="date"), EXACT)]
    return requests


def _repeated_phrases(texts: list[str], count: int = 3) -> list[str]:
    """Phrases of two and three words that some passage says several times and another says once
    (the most repeated first): their hits score by how often they say them."""
    said: dict[str, list[int]] = {}  # phrase -> how often each passage saying it says it
    for text in texts:
        words = [w.lower() for w in re.findall(r"\w+", text)]
        here: dict[str, int] = {}
        for length in (2, 3):
            for start in range(len(words) - length + 1):
                phrase = " ".join(words[start:start + length])
                here[phrase] = here.get(phrase, 0) + 1
        for phrase, times in here.items():
            said.setdefault(phrase, []).append(times)
    repeated = [phrase for phrase, times in said.items() if max(times) > 1 and 1 in times and len(times) > 2]
    return sorted(repeated, key=lambda phrase: (-max(said[phrase]), phrase))[:count]


def test_a_synthetic_collection_answers_as_whoosh(synthetic_archive: Archive) -> None:
    found_some = 0
    paged = 0  # answers longer than one page of the fast path's search
    phrases_ranked = 0  # phrase searches whose hits score differently (said more or less often)
    for request, scored in _synthetic_requests(synthetic_archive):
        for viewer in (ANONYMOUS, RESEARCHER):
            answer = assert_same(synthetic_archive, request, viewer, scored)
            found_some += bool(answer.ids)
            paged += len(answer.ids) > PER_PAGE
            if request.query.startswith('"'):
                phrases_ranked += len({_rounded(score) for score in answer.scores.values()}) > 1
    assert found_some >= 20  # the queries find things, so the comparison compares something
    assert phrases_ranked >= 6
    assert paged >= 2  # page by page, as the site asks
