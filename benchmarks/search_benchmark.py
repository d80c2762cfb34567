#!/usr/bin/env python3
"""Import, index and search benchmark on a SYNTHETIC collection, side by side with tantivy and SQLite FTS5.

Generates (or reuses) a synthetic bilingual collection with ``generate_synthetic.py``, then,
each heavy step in its own process so that its peak memory is its own:

1. import: ``Archive.import_collection`` into a fresh archive home, timed in its parts
   (YAML to database: the files read, checked and written in one pass; then the index
   that the first import builds);
2. reindex: ``Archive.reindex(procs=P)`` for each ``--reindex-procs`` value;
3. tantivy: its index of the same quotes, built from the archive's database (English and Russian
   Snowball stems, the facets, whether a record is public), when the ``tantivy`` package is
   installed (``pip install tantivy``; the report says when it is not);
4. search: 200 deterministic queries per set: (a) single terms, (b) phrases, (c) a term with the
   stance filter ``critic`` (every search of ours also counts all facets and highlights snippets),
   (d) typos of the single terms (two neighbouring letters swapped: "did you mean"); top 10.
   One process opens the three engines: one ``Archive`` (one searcher), tantivy's index, and an
   SQLite FTS5 table built over ``quote_text`` in the same database, each cold first query timed
   on its own. Then each query runs through the three in turn (interleaved). tantivy and FTS5
   give a plain top 10, and for (c) the stance filter and public records only, snippets and the
   counts of stance, person stance, theme and person. Each search's wall-clock and CPU time.

Times are wall-clock (``time.perf_counter``); nothing is asserted about them. The import's
YAML → DB rate is printed on a line of its own (``IMPORT YAML → DB: … segments per second``) with the
``ARCHIVE_IMPORT_WORKERS`` setting it ran with and the CPU time it used, which says whether the
work changed when the machine's speed did.

    python benchmarks/search_benchmark.py                       # 100k segments, in a temporary folder
    python benchmarks/search_benchmark.py --segments 100000 --keep /tmp/bench100k --reindex-procs 1,2
    python benchmarks/search_benchmark.py --segments 100000 --keep /tmp/bench100k --only import
    python benchmarks/search_benchmark.py --smoke               # tiny, for CI
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate_synthetic as synthetic  # noqa: E402
from run_info import code_version, describe_speed, percentile, reference_seconds, table  # noqa: E402

COLD_QUERY = "Сталин победа"
FTS_TABLE = "bench_fts"
MUST_TERMS = ["лагерь", "лагерях", "Сталин", "войны", "camp", "camps", "war", "Stalin", "victory", "parade"]
TARGETS = ("targets at 100k: search with all facets + snippets p50 <= 30 ms, p95 <= 100 ms and below FTS5 at p95; "
           "index build >= 1,000 segments per second; import YAML → DB >= 5,000 segments per second (PyYAML)")
IMPORT_TARGET = 5_000  # segments per second of the import's YAML → DB step at 100k


# --- helpers ------------------------------------------------------------------------------


def _rss_mb() -> dict[str, float]:
    """Peak resident memory of this process and of its (waited-for) children, in MB."""
    scale = 1 / 1024 if sys.platform != "darwin" else 1 / 1024 / 1024  # Linux: KB, macOS: bytes
    return {"self": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale,
            "children": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * scale}


def _folder_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6 if path.exists() else 0.0


def _db_path(home: Path) -> Path:
    return home / "archive.sqlite3"


def _checkpoint(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _db_mb(db: Path) -> float:
    return sum(p.stat().st_size for p in (db, Path(f"{db}-wal")) if p.exists()) / 1e6


def _index_folder(home: Path) -> Path:
    name = (home / "index" / "CURRENT").read_text(encoding="utf-8").strip()
    return home / "index" / name


def _start_tracemalloc(enabled: bool) -> None:
    if enabled:
        import tracemalloc

        tracemalloc.start()


def _tracemalloc_mb(enabled: bool) -> float | None:
    if not enabled:
        return None
    import tracemalloc

    return tracemalloc.get_traced_memory()[1] / 1e6


def _cpu_seconds() -> tuple[float, float]:
    """CPU time (user + system) of this process, and of its children that have ended."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


class _Timer:
    """Wraps a function and records how long its calls took, in seconds and in CPU time.

    The CPU time is that of this process and of the worker processes it started and joined:
    on a machine whose speed changes from minute to minute it says whether the work itself
    changed, which the elapsed time alone cannot."""

    def __init__(self, function: Callable[..., Any]):
        self.function = function
        self.seconds = 0.0
        self.cpu_self = 0.0
        self.cpu_children = 0.0
        self.calls = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        started, (own, children) = time.perf_counter(), _cpu_seconds()
        try:
            return self.function(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started
            own_now, children_now = _cpu_seconds()
            self.cpu_self += own_now - own
            self.cpu_children += children_now - children
            self.calls += 1


class _DocCounter:
    """An index progress hook: notes when indexing starts and how many documents pass."""

    def __init__(self) -> None:
        self.started: float | None = None
        self.documents = 0

    def __call__(self, documents: Iterable[dict[str, Any]], total: int) -> Iterator[dict[str, Any]]:
        self.started = time.perf_counter()
        for doc in documents:
            self.documents += 1
            yield doc


# --- phases (each runs in its own process) ---------------------------------------------------


def phase_import(config: dict[str, Any]) -> dict[str, Any]:
    from archive.facade import Archive
    from archive.store import folder_import as folder_import_module

    _start_tracemalloc(config["tracemalloc"])
    home = Path(config["home"])
    shutil.rmtree(home, ignore_errors=True)
    # Time the YAML -> database step of Archive.import_collection by wrapping the function it
    # calls: the files are read, checked and written in one pass (archive/store/folder_import.py).
    to_db = _Timer(folder_import_module.import_folder)
    folder_import_module.import_folder = to_db  # type: ignore[assignment]
    counter = _DocCounter()
    speed_before = reference_seconds()
    started = time.perf_counter()
    archive = Archive.open(home)
    opened = time.perf_counter()
    workers = archive.settings.import_workers
    report = archive.import_collection(config["collection"], index_progress=counter)
    finished = time.perf_counter()
    speed_after = reference_seconds()
    archive.close()
    db = _db_path(home)
    _checkpoint(db)
    with sqlite3.connect(db) as conn:
        segments = conn.execute("SELECT count(*) FROM quote").fetchone()[0]
        texts = conn.execute("SELECT count(*) FROM quote_text").fetchone()[0]
        people = conn.execute("SELECT count(*) FROM person").fetchone()[0]
        relatives = conn.execute("SELECT count(*) FROM relative").fetchone()[0]
    total = finished - opened
    index_seconds = finished - counter.started if counter.started else None
    return {
        "segments": segments, "quote_texts": texts, "people": people, "relatives": relatives,
        "documents": counter.documents, "open_seconds": opened - started,
        "to_db_seconds": to_db.seconds if to_db.calls else None,
        "to_db_cpu": {"self": to_db.cpu_self, "workers": to_db.cpu_children} if to_db.calls else None,
        "import_workers": workers,
        "index_seconds": index_seconds, "total_seconds": total, "speed": [speed_before, speed_after],
        "added": {k: len(v) for k, v in report.added.items()},
        "db_mb": _db_mb(db), "index_mb": _folder_mb(_index_folder(home)),
        "rss_mb": _rss_mb(), "tracemalloc_mb": _tracemalloc_mb(config["tracemalloc"]), "code": code_version(),
    }


def phase_reindex(config: dict[str, Any]) -> dict[str, Any]:
    from archive.facade import Archive

    _start_tracemalloc(config["tracemalloc"])
    archive = Archive.open(Path(config["home"]))
    counter = _DocCounter()
    started = time.perf_counter()
    count = archive.reindex(counter, procs=config["procs"])
    seconds = time.perf_counter() - started
    archive.close()
    return {"procs": config["procs"], "documents": count, "seconds": seconds,
            "index_mb": _folder_mb(_index_folder(Path(config["home"]))),
            "rss_mb": _rss_mb(), "tracemalloc_mb": _tracemalloc_mb(config["tracemalloc"])}


_WORD = re.compile(r"\w+")


def build_queries(db: Path, meta: dict[str, Any], count: int) -> dict[str, list[str]]:
    """Deterministic query sets: (a) single terms, (b) phrases, (c) terms for the filtered search.

    Terms are lemma forms of the generator's lexicon at log-uniformly drawn frequency ranks (so
    frequent, middling and rare words all occur), half Russian, half English, with a few real
    words first. Phrases are two or three adjacent words of stored quote texts.
    """
    seed = int(meta.get("seed", 1))
    lexicon = synthetic.build_lexicon(seed, int(meta.get("lemmas", synthetic.DEFAULT_LEMMAS)))
    rng = random.Random(f"queries-{seed}")

    def terms(n: int, taken: set[str], first: list[str]) -> list[str]:
        chosen = [t for t in first if t not in taken][:n]
        seen = taken | set(chosen)
        while len(chosen) < n:
            rank = min(int(math.exp(rng.uniform(0, math.log(len(lexicon))))) - 1, len(lexicon) - 1)
            lemma = lexicon[rank]
            forms = lemma.ru_forms if rng.random() < 0.5 else lemma.en_forms
            form = rng.choice(forms)
            if form not in seen:
                seen.add(form)
                chosen.append(form)
        return chosen

    single = terms(count, set(), MUST_TERMS)
    filtered = terms(count, set(single), ["лагерях", "Сталина", "войне", "camps", "Stalin", "victories"])

    function_words = set(synthetic.RU_FUNCTION) | set(synthetic.EN_FUNCTION)
    with sqlite3.connect(db) as conn:
        quote_ids = [r[0] for r in conn.execute("SELECT id FROM quote ORDER BY id")]
        sample = rng.sample(quote_ids, min(len(quote_ids), count * 3))
        texts = []
        for start in range(0, len(sample), 500):
            part = sample[start:start + 500]
            marks = ",".join("?" * len(part))
            rows = conn.execute(f"SELECT quote_id, lang, text FROM quote_text WHERE quote_id IN ({marks}) "
                                "ORDER BY quote_id, lang", part).fetchall()
            texts.extend(rows)
    position = {quote_id: i for i, quote_id in enumerate(sample)}
    texts.sort(key=lambda r: (position[r[0]], r[1]))
    phrases: list[str] = []
    seen: set[str] = set()
    attempts = 0
    while len(phrases) < count and texts and attempts < count * 50:
        attempts += 1
        _, _, text = texts[rng.randrange(len(texts))]
        words = [w.lower() for w in _WORD.findall(text)]
        length = rng.choice((2, 2, 3))
        if len(words) < length:
            continue
        start = rng.randrange(len(words) - length + 1)
        chunk = words[start:start + length]
        if all(w in function_words for w in chunk):
            continue
        phrase = '"' + " ".join(chunk) + '"'
        if phrase not in seen:
            seen.add(phrase)
            phrases.append(phrase)
    # (d) typos: single terms with two neighbouring letters swapped, the query "did you mean" answers
    typos = [w[:len(w) // 2 - 1] + w[len(w) // 2] + w[len(w) // 2 - 1] + w[len(w) // 2 + 1:]
             for w in single if len(w) >= 5 and w[len(w) // 2] != w[len(w) // 2 - 1]]
    return {"a": single, "b": phrases, "c": filtered, "d": typos}


SETS = {
    "a": ("(a) single terms", {}),
    "b": ("(b) phrases", {}),
    "c": ("(c) term + stance=critic, all facets, snippets", {"stance": ("critic",)}),
    "d": ("(d) typos (did you mean)", {}),
}


def _fts_expression(query: str) -> str:
    """FTS5 syntax: a phrase stays a phrase; plain words become quoted terms, all required."""
    if query.startswith('"'):
        return query
    return " ".join(f'"{word}"' for word in _WORD.findall(query))


FTS_TOP10 = f"""
SELECT rowid, bm25({FTS_TABLE}) AS score FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ? ORDER BY score LIMIT 10
"""
FTS_FILTERED_TOP10 = f"""
SELECT qt.quote_id, bm25({FTS_TABLE}) AS score, snippet({FTS_TABLE}, 0, '<mark>', '</mark>', '…', 24)
FROM {FTS_TABLE} JOIN quote_text qt ON qt.rowid = {FTS_TABLE}.rowid
JOIN quote q ON q.id = qt.quote_id JOIN person p ON p.id = q.person_id
WHERE {FTS_TABLE} MATCH ? AND q.stance IN ('critic') AND q.visibility = 'public' AND p.visibility = 'public'
ORDER BY score LIMIT 10
"""
FTS_FACETS = f"""
WITH m AS MATERIALIZED (
  SELECT DISTINCT q.id AS id, q.stance AS stance, q.person_id AS person_id, p.stance AS person_stance
  FROM {FTS_TABLE} JOIN quote_text qt ON qt.rowid = {FTS_TABLE}.rowid
  JOIN quote q ON q.id = qt.quote_id JOIN person p ON p.id = q.person_id
  WHERE {FTS_TABLE} MATCH ? AND q.stance IN ('critic') AND q.visibility = 'public' AND p.visibility = 'public')
SELECT 'stance', stance, count(*) FROM m GROUP BY stance
UNION ALL SELECT 'person_stance', person_stance, count(*) FROM m GROUP BY person_stance
UNION ALL SELECT 'theme', t.theme, count(*) FROM m CROSS JOIN quote_theme t ON t.quote_id = m.id GROUP BY t.theme
UNION ALL SELECT 'person', person_id, count(*) FROM m GROUP BY person_id
"""


def _fts_search(conn: sqlite3.Connection, key: str, query: str) -> int:
    """One FTS5 search; returns the total (for the filtered set) or the number of rows returned."""
    expression = _fts_expression(query)
    if key != "c":
        return len(conn.execute(FTS_TOP10, (expression,)).fetchall())
    conn.execute(FTS_FILTERED_TOP10, (expression,)).fetchall()
    facets = conn.execute(FTS_FACETS, (expression,)).fetchall()
    return sum(count for name, _, count in facets if name == "stance")


def _tantivy() -> Any | None:
    """The tantivy package (``pip install tantivy``), or None when it is not installed."""
    try:
        import tantivy
    except ImportError:
        return None
    return tantivy


TANTIVY_MISSING = "tantivy is not installed (pip install tantivy, or the bench extra): its figures are left out"
TANTIVY_FACETS = ("stance", "person_stance", "theme", "person")  # the facets FTS5 (c) counts too


def _tantivy_analyzers(tantivy: Any, index: Any) -> None:
    """Words → lower case → Snowball stem (Russian, English), and unstemmed words for typos."""
    for name, language in (("ru_words", "russian"), ("en_words", "english"), ("plain_words", None)):
        builder = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).filter(tantivy.Filter.lowercase())
        if language:
            builder = builder.filter(tantivy.Filter.stemmer(language))
        index.register_tokenizer(name, builder.build())


def _tantivy_schema(tantivy: Any) -> Any:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("quote_id", stored=True, tokenizer_name="raw")
    builder.add_text_field("text_en", stored=True, tokenizer_name="en_words")
    builder.add_text_field("text_ru", stored=True, tokenizer_name="ru_words")
    builder.add_text_field("words", stored=False, tokenizer_name="plain_words")  # what a typo is matched against
    for name in (*TANTIVY_FACETS, "visible"):
        builder.add_text_field(name, stored=False, tokenizer_name="raw", fast=True)
    return builder.build()


def _tantivy_open(tantivy: Any, folder: Path) -> Any:
    index = tantivy.Index.open(str(folder))
    _tantivy_analyzers(tantivy, index)
    index.reload()
    return index


def phase_tantivy(config: dict[str, Any]) -> dict[str, Any]:
    """tantivy's index over the same quotes (each quote one document: its English and Russian texts,
    stemmed, its facets and whether it is public), built from the archive's database."""
    tantivy = _tantivy()
    if tantivy is None:
        return {"missing": TANTIVY_MISSING}
    db, folder = _db_path(Path(config["home"])), Path(config["tantivy_dir"])
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    started = time.perf_counter()
    index = tantivy.Index(_tantivy_schema(tantivy), path=str(folder))
    _tantivy_analyzers(tantivy, index)
    writer = index.writer(256_000_000, 1)
    documents = 0
    with sqlite3.connect(db) as conn:
        themes: dict[str, list[str]] = {}
        for quote_id, theme in conn.execute("SELECT quote_id, theme FROM quote_theme"):
            themes.setdefault(quote_id, []).append(theme)
        rows = conn.execute(
            "SELECT q.id, q.stance, p.stance, q.person_id, q.visibility = 'public' AND p.visibility = 'public', "
            "qt.lang, qt.text FROM quote q JOIN person p ON p.id = q.person_id "
            "JOIN quote_text qt ON qt.quote_id = q.id ORDER BY q.id, qt.lang")
        current: tuple[Any, ...] | None = None
        texts: dict[str, str] = {}

        def add(row: tuple[Any, ...], texts: dict[str, str]) -> None:
            doc = tantivy.Document()
            doc.add_text("quote_id", row[0])
            for lang, text in texts.items():
                if lang in ("en", "ru"):
                    doc.add_text(f"text_{lang}", text)
            doc.add_text("words", " ".join(texts.values()))
            for name, value in zip(("stance", "person_stance", "person"), row[1:4], strict=True):
                doc.add_text(name, value or "")
            for theme in themes.get(row[0], ()):
                doc.add_text("theme", theme)
            doc.add_text("visible", "yes" if row[4] else "no")
            writer.add_document(doc)

        for row in rows:
            if current is not None and row[0] != current[0]:
                add(current, texts)
                documents += 1
                texts = {}
            current = row
            texts[row[5]] = row[6] or ""
        if current is not None:
            add(current, texts)
            documents += 1
    writer.commit()
    writer.wait_merging_threads()
    return {"build_seconds": time.perf_counter() - started, "documents": documents, "mb": _folder_mb(folder),
            "rss_mb": _rss_mb()}


class _TantivySearch:
    """The same query sets through tantivy: (a), (b) and (d) a plain top 10 (a typo that finds nothing is
    searched again as a fuzzy term, one edit away, a swap counting as one); (c) the stance filter and
    the public records only, snippets of the top 10 in both languages, and counts of the FTS5 facets."""

    def __init__(self, tantivy: Any, folder: Path):
        self.tantivy = tantivy
        self.index = _tantivy_open(tantivy, folder)
        self.schema = self.index.schema
        self.searcher = self.index.searcher()

    def __call__(self, key: str, query: str) -> int:
        t, schema, searcher = self.tantivy, self.schema, self.searcher
        parsed = self.index.parse_query_lenient(query, ["text_en", "text_ru"])[0]
        if key != "c":
            found = searcher.search(parsed, 10)
            if key == "d" and not found.count:
                words = _WORD.findall(query.lower())
                fuzzy = t.Query.boolean_query([(t.Occur.Should, t.Query.fuzzy_term_query(schema, "words", word))
                                               for word in words])
                found = searcher.search(fuzzy, 10)
            return len(found.hits)
        filtered = t.Query.boolean_query([(t.Occur.Must, parsed),
                                          (t.Occur.Must, t.Query.term_query(schema, "stance", "critic")),
                                          (t.Occur.Must, t.Query.term_query(schema, "visible", "yes"))])
        found = searcher.search(filtered, 10)
        snippets = [t.SnippetGenerator.create(searcher, filtered, schema, name) for name in ("text_en", "text_ru")]
        for _, address in found.hits:
            doc = searcher.doc(address)
            for generator in snippets:
                generator.snippet_from_doc(doc).to_html()
        facets = searcher.aggregate(filtered, {name: {"terms": {"field": name, "size": 100}}
                                               for name in TANTIVY_FACETS})
        return sum(bucket["doc_count"] for bucket in facets["stance"]["buckets"])


ENGINES = ("ours", "tantivy", "fts")


def phase_search(config: dict[str, Any]) -> dict[str, Any]:
    """The query sets through the three engines in one process, interleaved: each query runs through
    ours, tantivy and FTS5 one after the other (their order turning from query to query), so that a
    change in the machine's speed falls on all three alike. Each search's wall-clock and CPU time
    (this process's user + system, all its threads) are recorded."""
    from archive.facade import Archive
    from archive.search.request import SearchRequest

    _start_tracemalloc(config["tracemalloc"])
    home = Path(config["home"])
    db = _db_path(home)
    queries = build_queries(db, config["meta"], config["queries"])
    result: dict[str, Any] = {"queries": {k: len(v) for k, v in queries.items()},
                              **{engine: {} for engine in ENGINES}}

    # SQLite FTS5 over the same database: an external-content table over quote_text.
    _checkpoint(db)
    before = _db_mb(db)
    with sqlite3.connect(db) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
        started = time.perf_counter()
        conn.execute(f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(text, content='quote_text', "
                     "content_rowid='rowid', tokenize='unicode61')")
        conn.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES('rebuild')")
        conn.commit()
        result["fts_build_seconds"] = time.perf_counter() - started
    _checkpoint(db)
    result["fts_mb"] = _db_mb(db) - before

    def cold(run: Callable[[], int]) -> tuple[float, int]:
        started = time.perf_counter()
        total = run()
        return (time.perf_counter() - started) * 1000, total

    started = time.perf_counter()
    archive = Archive.open(home)
    result["open_ms"] = (time.perf_counter() - started) * 1000
    result["cold_ms"], result["cold_total"] = cold(
        lambda: archive.search(SearchRequest(query=COLD_QUERY, per_page=10)).total)
    conn = sqlite3.connect(db)
    result["fts_cold_ms"], result["fts_cold_total"] = cold(lambda: _fts_search(conn, "c", COLD_QUERY))
    tantivy = _tantivy()
    tantivy_dir = Path(config["tantivy_dir"])
    tantivy_search = _TantivySearch(tantivy, tantivy_dir) if tantivy and tantivy_dir.exists() else None
    if tantivy_search is None:
        result["tantivy_missing"] = TANTIVY_MISSING if tantivy is None else "tantivy's index was not built"
    else:
        result["tantivy_cold_ms"], result["tantivy_cold_total"] = cold(lambda: tantivy_search("c", COLD_QUERY))

    def ours(key: str, text: str) -> int:
        return archive.search(SearchRequest(query=text, filters=SETS[key][1], per_page=10)).total

    def fts(key: str, text: str) -> int:
        return _fts_search(conn, key, text)

    engines: dict[str, Callable[[str, str], int]] = {"ours": ours, "fts": fts}
    if tantivy_search is not None:
        engines["tantivy"] = tantivy_search
    errors = 0
    try:
        for key in SETS:
            figures: dict[str, dict[str, list[float]]] = {engine: {"ms": [], "cpu_ms": [], "totals": []}
                                                          for engine in engines}
            for number, text in enumerate(queries[key]):
                names = list(engines)
                turn = number % len(names)
                for engine in names[turn:] + names[:turn]:
                    started, cpu = time.perf_counter(), time.process_time()
                    try:
                        total = engines[engine](key, text)
                    except Exception as exc:  # record, go on: a benchmark reports, it does not stop
                        errors += 1
                        print(f"{engine} search error for {text!r}: {type(exc).__name__}: {exc}", file=sys.stderr)
                        continue
                    figures[engine]["cpu_ms"].append((time.process_time() - cpu) * 1000)
                    figures[engine]["ms"].append((time.perf_counter() - started) * 1000)
                    figures[engine]["totals"].append(total)
            for engine, found in figures.items():
                result[engine][key] = found
    finally:
        conn.close()
        archive.close()
    result["errors"] = errors
    result["rss_after_ours_mb"] = _rss_mb()
    result["tracemalloc_mb"] = _tracemalloc_mb(config["tracemalloc"])
    if not config.get("keep_fts"):
        with sqlite3.connect(db) as conn:
            conn.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    result["rss_mb"] = _rss_mb()
    result["sample_queries"] = {k: v[:5] for k, v in queries.items()}
    result["code"] = code_version()
    return result


PHASES = {"import": phase_import, "reindex": phase_reindex, "tantivy": phase_tantivy, "search": phase_search}


def run_phase(name: str, config: dict[str, Any]) -> dict[str, Any]:
    """Run one phase in a fresh Python process; its last line of output is its JSON result."""
    command = [sys.executable, str(Path(__file__).resolve()), "--phase", name, "--phase-config", json.dumps(config)]
    load_before = os.getloadavg()[0]
    completed = subprocess.run(command, stdout=subprocess.PIPE, text=True)
    if completed.returncode != 0:
        sys.stdout.write(completed.stdout)
        raise SystemExit(f"phase {name!r} failed with exit status {completed.returncode}")
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    # Other work on the machine distorts the figures: the report shows the load around each phase.
    result["load"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    return result


def _saved(results: Path | None, name: str, compute: Callable[[], Any], reuse: bool) -> Any:
    """A phase's result, from ``results/NAME.json`` when reusing, else computed (and saved if kept)."""
    path = results / f"{name}.json" if results else None
    if reuse and path and path.exists():
        value = json.loads(path.read_text(encoding="utf-8"))
        print(f"reusing the {name} figures of a previous run ({path})", file=sys.stderr, flush=True)
        return value
    value = compute()
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value), encoding="utf-8")
    return value


# --- the report -----------------------------------------------------------------------------


def _num(value: float | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:,.{digits}f}"


def _rate(count: float, seconds: float | None) -> str:
    return _num(count / seconds, 0) if seconds else "—"


def _ratio(ours: float, theirs: float) -> str:
    return f"{ours / theirs:.2f}×" if theirs and not math.isnan(theirs) and not math.isnan(ours) else "—"


def report_import(meta: dict[str, Any], generated: dict[str, Any] | None, imported: dict[str, Any],
                  reindexed: list[dict[str, Any]], searched: dict[str, Any] | None,
                  tantivy_built: dict[str, Any] | None = None) -> None:
    """The run's header, the import and index table, and the import's YAML → DB rate on a line of its own."""
    segments = imported["segments"]
    docs = imported["documents"]
    print()
    print(f"SYNTHETIC search benchmark: {segments:,} segments ({imported['quote_texts']:,} quote texts), "
          f"{imported['people']:,} people, {imported['relatives']:,} relatives, {docs:,} index documents, "
          f"seed {meta.get('seed')}")
    print(f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
          f"{platform.platform()}")
    print(f"archive code measured: {imported.get('code') or code_version()}")
    if imported.get("speed"):
        print(describe_speed(*imported["speed"]))
    print()
    print("## Import and index")
    rows = []
    if generated:
        rows.append(["generate YAML (generate_synthetic.py)", _num(generated["seconds"], 2),
                     _rate(segments, generated["seconds"]), "—", "—"])
    rss = imported["rss_mb"]["self"]
    rows += [
        ["import: YAML → DB (read, check and write the files, one pass)", _num(imported.get("to_db_seconds"), 2),
         _rate(segments, imported.get("to_db_seconds")), "—", "—"],
        ["import: index build (first import, default procs)", _num(imported["index_seconds"], 2),
         _rate(segments, imported["index_seconds"]), _rate(docs, imported["index_seconds"]), "—"],
        ["import total (Archive.import_collection)", _num(imported["total_seconds"], 2),
         _rate(segments, imported["total_seconds"]), "—", _num(rss, 0)],
    ]
    for r in reindexed:
        rss = r["rss_mb"]["self"] + (r["rss_mb"]["children"] if r["procs"] > 1 else 0)
        rows.append([f"reindex (Archive.reindex, procs={r['procs']})", _num(r["seconds"], 2),
                     _rate(segments, r["seconds"]), _rate(r["documents"], r["seconds"]),
                     _num(rss, 0) + (" (+children)" if r["procs"] > 1 else "")])
    if searched is not None:
        rows.append(["SQLite FTS5 build (quote_text, for comparison)", _num(searched["fts_build_seconds"], 2),
                     _rate(segments, searched["fts_build_seconds"]), "—", "—"])
    if tantivy_built and "build_seconds" in tantivy_built:
        rows.append(["tantivy build (quotes, one writer thread, for comparison)",
                     _num(tantivy_built["build_seconds"], 2), _rate(segments, tantivy_built["build_seconds"]),
                     _rate(tantivy_built["documents"], tantivy_built["build_seconds"]),
                     _num(tantivy_built["rss_mb"]["self"], 0)])
    print(table(["step", "seconds", "segments/s", "docs/s", "peak RSS MB"], rows))
    seconds = imported.get("to_db_seconds")
    if seconds:
        workers = imported.get("import_workers")
        rate = segments / seconds
        print()
        print(f"IMPORT YAML → DB: {rate:,.0f} segments per second ({segments:,} segments in {seconds:.2f} s; PyYAML; "
              f"ARCHIVE_IMPORT_WORKERS={workers if workers is not None else '?'}; target >= {IMPORT_TARGET:,}: "
              f"{'met' if rate >= IMPORT_TARGET else 'NOT met'})")
    cpu = imported.get("to_db_cpu")
    if cpu and segments and seconds:
        used = cpu["self"] + cpu["workers"]
        cores = os.cpu_count() or 1
        print(f"import: YAML → DB used {used:.2f} s of CPU (this process {cpu['self']:.2f}, its workers "
              f"{cpu['workers']:.2f}): {1e6 * used / segments:.0f} µs per segment; the {cores} CPUs were busy "
              f"{100 * used / (cores * seconds):.0f}% of the step, which at full use would "
              f"reach {segments * cores / used:,.0f} segments per second")


LATENCY_HEADERS = ["query set", "engine", "p50", "p95", "p99", "CPU p50", "CPU p95", "CPU p99",
                   "ratio p50", "ratio p95", "mean hits"]
ENGINE_NAMES = {"ours": "this archive", "tantivy": "tantivy", "fts": "SQLite FTS5"}


def _latency_rows(label: str, figures: dict[str, dict[str, list[float]]], key: str,
                  chosen: list[int] | None = None) -> list[list[str]]:
    """One row per engine: wall-clock and CPU percentiles, ours over the engine's (the ratio), mean hits."""
    def pick(values: list[float]) -> list[float]:
        return values if chosen is None else [values[i] for i in chosen if i < len(values)]

    ours_ms = pick(figures["ours"]["ms"])
    rows = []
    for engine in ENGINES:
        if engine not in figures:
            continue
        ms, cpu, totals = pick(figures[engine]["ms"]), pick(figures[engine]["cpu_ms"]), pick(figures[engine]["totals"])
        ratio = ["—", "—"] if engine == "ours" else [_ratio(percentile(ours_ms, pct), percentile(ms, pct))
                                                      for pct in (50, 95)]
        counted = engine == "ours" or key == "c"  # the others' plain searches return their top 10 only
        hits = _num(sum(totals) / len(totals), 0) if totals and counted else "—"
        rows.append([label, ENGINE_NAMES[engine], *(_num(percentile(ms, pct), 2) for pct in (50, 95, 99)),
                     *(_num(percentile(cpu, pct), 2) for pct in (50, 95, 99)), *ratio, hits])
    return rows


def report(args: argparse.Namespace, meta: dict[str, Any], generated: dict[str, Any] | None,
           imported: dict[str, Any], reindexed: list[dict[str, Any]], searched: dict[str, Any],
           tantivy_built: dict[str, Any] | None = None) -> None:
    report_import(meta, generated, imported, reindexed, searched, tantivy_built)
    print()
    print("## Sizes and memory")
    rows = [
        ["database (SQLite, without FTS5)", _num(imported["db_mb"]) + " MB"],
        ["search index on disk (Whoosh)", _num(imported["index_mb"]) + " MB"],
    ]
    for r in reindexed:
        rows.append([f"search index after reindex procs={r['procs']}", _num(r["index_mb"]) + " MB"])
    rows += [["SQLite FTS5 index (growth of the database)", _num(searched["fts_mb"]) + " MB"]]
    if tantivy_built and "mb" in tantivy_built:
        rows.append(["tantivy index on disk", _num(tantivy_built["mb"]) + " MB"])
    rows += [
        ["peak RSS, import process", _num(imported["rss_mb"]["self"], 0) + " MB"],
        ["peak RSS, search process (ours, tantivy and FTS5 open)",
         _num(searched["rss_after_ours_mb"]["self"], 0) + " MB"],
    ]
    for name, value in (("import", imported.get("tracemalloc_mb")), ("search", searched.get("tracemalloc_mb"))):
        if value is not None:
            rows.append([f"tracemalloc peak, {name}", _num(value, 0) + " MB"])
    print(table(["what", "size"], rows))
    print()
    n = searched["queries"]
    print(f"## Search latency (top 10, one opened searcher each, queries interleaved; "
          f"{'/'.join(str(n.get(k, 0)) for k in SETS)} queries; ms)")
    if searched.get("tantivy_missing"):
        print(f"tantivy: {searched['tantivy_missing']}")
    cold = [["cold first query (first search after opening)", ENGINE_NAMES["ours"], _num(searched["cold_ms"], 2)]
            + ["—"] * 7 + [f"{searched['cold_total']:,}"]]
    for engine in ("tantivy", "fts"):
        if f"{engine}_cold_ms" in searched:
            cold.append(["cold first query (first search after opening)", ENGINE_NAMES[engine],
                         _num(searched[f"{engine}_cold_ms"], 2), "—", "—", "—", "—", "—",
                         _ratio(searched["cold_ms"], searched[f"{engine}_cold_ms"]), "—",
                         f"{searched[f'{engine}_cold_total']:,}"])
    rows = cold
    figures_by_set = {key: {engine: searched[engine][key] for engine in ENGINES if key in searched.get(engine, {})}
                      for key in SETS}
    for key, (label, _) in SETS.items():
        figures = figures_by_set[key]
        rows += _latency_rows(label, figures, key)
        ours = figures["ours"]
        if key == "c" and ours["totals"] and len(ours["totals"]) == len(ours["ms"]):
            # the fifth of the queries with the most hits: the expensive case for facets and scoring
            order = sorted(range(len(ours["totals"])), key=lambda i: (-ours["totals"][i], i))
            order = order[:max(1, len(order) // 5)]
            rows += _latency_rows(f"(c) frequent fifth ({len(order)} queries)", figures, key, order)
    print(table(LATENCY_HEADERS, rows))
    print()
    print("ratio p50 / ratio p95 = this archive's wall-clock percentile over the engine's (2× means twice as "
          "slow). CPU = this process's user + system time per search (every thread). Each query runs through the "
          "three engines in turn, in an order that turns from query to query. This archive: Archive.search as an "
          "anonymous viewer, which always counts all 10 facets over every kind of record (quotes, portraits, "
          "relatives), stems (word families too), corrects typos (did you mean) and highlights HTML-safe snippets. "
          "tantivy (a)/(b)/(d): a top 10 over the quotes' English and Russian texts (Snowball stems), a typo that "
          "finds nothing searched again as a fuzzy word (one edit); tantivy (c): stance + public records, snippets "
          "of the top 10 in both languages and counts of stance, person stance, theme and person. FTS5 (a)/(b)/(d): "
          "plain bm25() ORDER BY LIMIT 10 over quote texts, no stemming, no visibility, no typo handling; FTS5 (c): "
          "stance + visibility join, snippet(), and GROUP BY counts for the same four facets. Hits differ because "
          "FTS5 does not stem and neither of the others searches portraits and relatives.")
    if searched.get("errors"):
        print(f"search errors: {searched['errors']} (see stderr)")
    loads = [("import", imported)] + [(f"reindex procs={r['procs']}", r) for r in reindexed] + [("search", searched)]
    print("load average (1 min) before → after each phase: "
          + ", ".join(f"{name} {r['load'][0]:.1f} → {r['load'][1]:.1f}" for name, r in loads if r.get("load"))
          + f" (on {os.cpu_count()} CPUs; a load above the phase's own processes means other work shared the CPUs)")
    if getattr(args, "only", "all") == "search":
        print("import and reindex figures were reused from a previous run (--only search); "
              f"the searches measured {searched.get('code') or code_version()}")
    print(f"Archive.open: {_num(searched['open_ms'])} ms; the OS file cache is warm (the indexes were just built).")
    print(TARGETS, flush=True)


# --- main -------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--segments", type=int, default=100_000)
    parser.add_argument("--people", type=int, help="interviewees (default: segments / 30)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--queries", type=int, default=200, help="queries per set")
    parser.add_argument("--smoke", action="store_true", help="tiny (150 segments, 15 queries per set), for CI")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (the collection is reused "
                                                   "when its parameters match)")
    parser.add_argument("--reindex-procs", default="1",
                        help="comma-separated writer process counts for separate reindex runs, or 'none'")
    parser.add_argument("--tracemalloc", action="store_true", help="also report tracemalloc peaks (slows import)")
    parser.add_argument("--keep-fts", action="store_true", help="leave the FTS5 table in the database")
    parser.add_argument("--only", choices=("all", "import", "search"), default="all",
                        help="'import': only the import (YAML → DB, then the first index build), no reindex "
                             "or search; 'search': with --keep, re-run only the search phase on the kept archive "
                             "and reuse the saved import and reindex figures")
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--phase-config", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.phase:
        print(json.dumps(PHASES[args.phase](json.loads(args.phase_config))))
        return 0

    if args.smoke:
        args.segments, args.people, args.queries = 150, args.people or 6, min(args.queries, 15)
    people = args.people or synthetic.default_people(args.segments)
    procs = [] if args.reindex_procs.strip().lower() == "none" else \
        [int(p) for p in args.reindex_procs.split(",") if p.strip()]
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="search-benchmark-"))
    workdir.mkdir(parents=True, exist_ok=True)
    collection, home = workdir / "collection", workdir / "home"
    try:
        meta_file = collection / synthetic.META_FILE
        meta = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.exists() else {}
        generated = None
        wanted = {"segments": args.segments, "people": people, "seed": args.seed}
        if args.only == "search" and (not args.keep or any(meta.get(k) != v for k, v in wanted.items())
                                      or not (workdir / "results" / "import.json").exists()):
            parser.error("--only search needs --keep DIR holding a previous complete run with the same parameters")
        if any(meta.get(k) != v for k, v in wanted.items()):
            print(f"generating {args.segments:,} SYNTHETIC segments for {people:,} people in {collection} …",
                  file=sys.stderr, flush=True)
            generated = synthetic.generate(collection, args.segments, people, args.seed)
            meta = generated
        else:
            print(f"reusing the SYNTHETIC collection in {collection}", file=sys.stderr, flush=True)
        base = {"home": str(home), "collection": str(collection), "tracemalloc": args.tracemalloc}
        results = workdir / "results" if args.keep else None
        reuse = args.only == "search"

        def imported_now() -> dict[str, Any]:
            print("importing (YAML → database → index) …", file=sys.stderr, flush=True)
            return run_phase("import", base)

        imported = _saved(results, "import", imported_now, reuse)
        if args.only == "import":
            report_import(meta, generated, imported, [], None)
            load = imported.get("load")
            if load:
                print(f"load average (1 min) before → after the import: {load[0]:.1f} → {load[1]:.1f} "
                      f"(on {os.cpu_count()} CPUs; above the import's own processes, other work shared the CPUs)")
            print(TARGETS, flush=True)
            return 0
        reindexed = []
        for p in procs:
            def reindexed_now(p: int = p) -> dict[str, Any]:
                print(f"reindexing with procs={p} …", file=sys.stderr, flush=True)
                return run_phase("reindex", {**base, "procs": p})

            reindexed.append(_saved(results, f"reindex-{p}", reindexed_now, reuse))
        tantivy_dir = str(workdir / "tantivy")
        if _tantivy() is None:
            print(TANTIVY_MISSING, file=sys.stderr, flush=True)
            tantivy_built = {"missing": TANTIVY_MISSING}
        else:
            def tantivy_now() -> dict[str, Any]:
                print("building tantivy's index of the same quotes …", file=sys.stderr, flush=True)
                return run_phase("tantivy", {**base, "tantivy_dir": tantivy_dir})

            tantivy_built = _saved(results, "tantivy", tantivy_now, reuse and Path(tantivy_dir).exists())
        print("searching (ours, tantivy and SQLite FTS5, interleaved) …", file=sys.stderr, flush=True)
        searched = _saved(results, "search", lambda: run_phase(
            "search", {**base, "meta": meta, "queries": args.queries, "keep_fts": args.keep_fts,
                       "tantivy_dir": tantivy_dir}), False)
        report(args, meta, generated, imported, reindexed, searched, tantivy_built)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
