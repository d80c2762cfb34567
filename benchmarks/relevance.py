#!/usr/bin/env python3
"""Relevance of search, measured on a SYNTHETIC bilingual collection with a judged query set.

The collection is the one the search-quality tests use (``tests/search/bilingual.py``: invented
people, places and sentences in Russian and English). Each judged query names, for one viewer,
every record that must come back: a passage that says a form of the word (or is tagged with a
theme whose label or synonym is the word), a portrait of the person named, a family-history entry
that says it. Queries are grouped in categories: case forms, word families, ё/е, names across
scripts and genders, phrases, operators, short and upper-case terms, facets, withheld data.

Per category it prints, over the top 10 of each query: recall@10 (the share of the judged records
found), precision@10 (the share of the hits shown that are judged relevant), MRR (one over the rank
of the first relevant hit) and nDCG@10 (binary gains). A query whose judged set is empty (withheld
words for an anonymous visitor) scores 1 on each when nothing comes back and 0 otherwise.

    python benchmarks/relevance.py            # every query, a table per category
    python benchmarks/relevance.py --smoke    # a few queries per category (CI: tests/search)
    python benchmarks/relevance.py --check    # exit 1 when a category misses the target
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from archive.access.visibility import ANONYMOUS, Viewer  # noqa: E402
from archive.facade import Archive  # noqa: E402
from archive.search.request import SearchRequest  # noqa: E402
from tests.search.bilingual import write_collection  # noqa: E402

TOP = 10
TARGET_RECALL = 0.95
TARGET_PRECISION = 0.95
RESEARCHER = Viewer(role="researcher")

CAMP_QUOTES = {"fyodor-camp", "fyodor-grey", "john-camp-letters"}  # say лагерь/camp or are tagged the Gulag
SHOT = {"ludmila-shooting", "fyodor-father-shot", "ludmila-shot-often", "fyodor-synthetic"}  # portrait: «расстреляли»
FYODOR_SPEAKS = "fyodor-synthetic/fyodor-2021#s1"  # a transcript segment of his interview, spoken by him
YOLKINS = {"fyodor-synthetic", "ludmila-synthetic", "ludmila-synthetic/mother", FYODOR_SPEAKS}


@dataclass(frozen=True)
class Judged:
    category: str
    query: str
    relevant: frozenset[str]
    viewer: Viewer = ANONYMOUS
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _j(category: str, query: str, relevant: set[str], viewer: Viewer = ANONYMOUS,
       **filters: tuple[str, ...]) -> Judged:
    return Judged(category, query, frozenset(relevant), viewer, filters)


JUDGED: list[Judged] = [
    _j("case forms", "лагерь", CAMP_QUOTES),
    _j("case forms", "лагерях", CAMP_QUOTES),
    _j("case forms", "Караганда", {"fyodor-camp"}),
    _j("case forms", "семья", {"ludmila-repressions", "ludmila-dekulakised"}),
    _j("case forms", "camps", CAMP_QUOTES | {"john-synthetic"}),  # his portrait says "camps"
    _j("word families", "расстрел", SHOT),
    _j("word families", "расстреляли", SHOT),
    _j("word families", "репрессирован", {"ludmila-repressions", "ludmila-repressed-uncle", "ludmila-synthetic"}),
    _j("word families", "депортировали", {"ludmila-deportation", "ludmila-deported"}),
    _j("word families", "реабилитация", {"ludmila-rehabilitation", "fyodor-rehabilitated"}),
    _j("word families", "раскулачили", {"ludmila-dekulakisation", "ludmila-dekulakised"}),
    _j("word families", "children", {"john-child", "fyodor-children"}),
    _j("ё/е", "все", {"fyodor-grey"}),
    # his portrait, a quote naming him, and the transcript passage he speaks (his name as its speaker)
    _j("ё/е", "Фёдор", {"fyodor-synthetic", "ludmila-fyodor", FYODOR_SPEAKS}),
    _j("ё/е", "Федор", {"fyodor-synthetic", "ludmila-fyodor", FYODOR_SPEAKS}),
    _j("names across scripts and genders", "Smithson", {"john-synthetic", "john-blacksmith"}),
    _j("names across scripts and genders", "Смитсон", {"john-synthetic", "john-blacksmith"}),
    _j("names across scripts and genders", "Fyodor", {"fyodor-synthetic", "ludmila-fyodor", FYODOR_SPEAKS}),
    _j("names across scripts and genders", "Ёлкин", YOLKINS),
    _j("names across scripts and genders", "Yolkina", YOLKINS),
    _j("names across scripts and genders", "Amstelburg", {"fyodor-synthetic", "fyodor-moved"}),
    _j("phrases", '"враг народа"', {"ludmila-synthetic/mother"}),
    _j("phrases", '"three years"', {"ludmila-fyodor"}),
    _j("phrases", '"отправили в лагерь"', {"fyodor-camp"}),
    _j("phrases", '"after the war"', {"fyodor-moved", "john-child"}),
    _j("operators", "лагерь -Караганда", CAMP_QUOTES - {"fyodor-camp"}),
    _j("operators", "Amstelburg OR Smithson", {"fyodor-synthetic", "fyodor-moved", "john-synthetic",
                                               "john-blacksmith"}),
    _j("operators", "депорт*", {"ludmila-deportation", "ludmila-deported"}),
    _j("short and upper-case terms", "НКВД", {"fyodor-nkvd"}),
    _j("short and upper-case terms", "NKVD", {"fyodor-nkvd"}),
    _j("short and upper-case terms", "ГУЛАГ", CAMP_QUOTES),
    _j("facets", "war", {"fyodor-moved", "fyodor-stalin", "john-child"}, kind=("quote",)),
    _j("facets", "camp", {"john-camp-letters", "john-synthetic"}, person=("john-synthetic",)),
    _j("facets", "Stalin", {"fyodor-stalin"}, stance=("admirer",)),
    _j("withheld data", "погибли", set()),
    _j("withheld data", "погибли", {"fyodor-withheld", "inna-withheld"}, RESEARCHER),
    _j("withheld data", "Restrova", set()),
    _j("withheld data", "Restrova", {"inna-synthetic"}, RESEARCHER),
    _j("withheld data", "депортированных", {"ludmila-deportation", "ludmila-deported"}),
]


@dataclass
class Scores:
    recall: float
    precision: float
    reciprocal_rank: float
    ndcg: float


def score(found: list[str], relevant: frozenset[str]) -> Scores:
    top = found[:TOP]
    if not relevant:
        empty = 1.0 if not top else 0.0
        return Scores(empty, empty, empty, empty)
    hits = [doc in relevant for doc in top]
    recall = sum(hits) / len(relevant)
    precision = sum(hits) / len(top) if top else 0.0
    first = next((i for i, hit in enumerate(hits) if hit), None)
    dcg = sum(1 / math.log2(i + 2) for i, hit in enumerate(hits) if hit)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(len(relevant), TOP)))
    return Scores(recall, precision, 1 / (first + 1) if first is not None else 0.0, dcg / ideal)


def run(archive: Archive, judged: list[Judged]) -> dict[str, list[tuple[Judged, Scores, list[str]]]]:
    by_category: dict[str, list[tuple[Judged, Scores, list[str]]]] = {}
    for item in judged:
        result = archive.search(SearchRequest(query=item.query, filters=item.filters, per_page=TOP), item.viewer)
        found = [hit.id for hit in result.hits]
        by_category.setdefault(item.category, []).append((item, score(found, item.relevant), found))
    return by_category


def smoke_subset(judged: list[Judged], per_category: int = 2) -> list[Judged]:
    taken: dict[str, int] = {}
    subset = []
    for item in judged:
        if taken.get(item.category, 0) < per_category:
            taken[item.category] = taken.get(item.category, 0) + 1
            subset.append(item)
    return subset


def report(by_category: dict[str, list[tuple[Judged, Scores, list[str]]]], verbose: bool) -> bool:
    """Prints the table; True when every category meets the target."""
    print(f"| category | queries | recall@{TOP} | precision@{TOP} | MRR | nDCG@{TOP} |")
    print("|---|---|---|---|---|---|")
    met = True
    for category, rows in by_category.items():
        n = len(rows)
        mean = Scores(*(sum(getattr(s, name) for _, s, _ in rows) / n
                        for name in ("recall", "precision", "reciprocal_rank", "ndcg")))
        met = met and mean.recall >= TARGET_RECALL and mean.precision >= TARGET_PRECISION
        print(f"| {category} | {n} | {mean.recall:.3f} | {mean.precision:.3f} | {mean.reciprocal_rank:.3f} "
              f"| {mean.ndcg:.3f} |")
    if verbose:
        for rows in by_category.values():
            for item, scores, found in rows:
                if scores.recall < 1 or scores.precision < 1:
                    viewer = item.viewer.role
                    print(f"  {item.category}: {item.query!r} ({viewer}) missing {sorted(item.relevant - set(found))}"
                          f" extra {[f for f in found if f not in item.relevant]}")
    print(f"target: recall@{TOP} >= {TARGET_RECALL} and precision@{TOP} >= {TARGET_PRECISION} in every category:"
          f" {'met' if met else 'NOT met'}")
    return met


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="two queries per category")
    parser.add_argument("--check", action="store_true", help="exit 1 when a category misses the target")
    parser.add_argument("--verbose", action="store_true", help="list the queries that miss or add records")
    args = parser.parse_args(argv)
    judged = smoke_subset(JUDGED) if args.smoke else JUDGED
    with tempfile.TemporaryDirectory(prefix="relevance-") as folder:
        root = Path(folder)
        archive = Archive.open(root / "home")
        try:
            archive.import_collection(write_collection(root / "collection"))
            print(f"# Relevance on the synthetic bilingual collection ({len(judged)} judged queries)")
            met = report(run(archive, judged), args.verbose)
        finally:
            archive.close()
    return 1 if args.check and not met else 0


if __name__ == "__main__":
    sys.exit(main())
