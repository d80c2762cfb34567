#!/usr/bin/env python3
"""CPU cost of each kind of page, in-process, one request at a time (SYNTHETIC collection).

Opens an archive home with the web app (Flask's test client, the anonymous public site),
picks deterministic requests of the kinds the load benchmark sends (``load_benchmark.py``:
the home page, person pages, searches with facets, CSV exports of a search and of a person)
and prints, per kind, the CPU milliseconds per request (``time.process_time``: the process's
own CPU, so other jobs on a loaded machine do not count) at p50 / p95 / mean:

* **cold**: every derived-data cache of the archive (``archive.catalogue.read_cache`` and the rendered
  citations of ``webapp.views.exports``) emptied before each request: what the first
  request after an import pays;
* **warm**: the same requests again, caches kept: the steady state between imports.

Each request is answered once before anything is measured (the searcher is opened, imports
and templates compiled), and every measurement is repeated ``--repeat`` times (the lowest
CPU time of the repeats is kept, the usual way to take scheduler noise out).

    python benchmarks/page_costs.py --home /tmp/load100k/home --collection /tmp/load100k/collection
    python benchmarks/page_costs.py --home /tmp/load100k/home --people 20 --searches 20 --json out.json
    python benchmarks/page_costs.py --home /tmp/load100k/home --profile person   # cProfile, top functions

The home is only read (no import, no reindex).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import math
import pstats
import secrets
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import load_benchmark as load  # noqa: E402
from run_info import percentile, table  # noqa: E402

KINDS = load.KINDS


def clear_caches() -> None:
    """Empty every in-process cache of derived data (what an import's new data version does)."""
    try:
        from archive.catalogue import read_cache
    except ImportError:  # an older tree without the read cache
        read_cache = None  # type: ignore[assignment]
    if read_cache is not None:
        read_cache.clear()
    try:
        from webapp.views import exports
    except ImportError:
        return
    rendered = getattr(exports, "_RENDERED", None)
    if rendered is not None:
        rendered.clear()


def requests_to_time(home: Path, collection: Path | None, people: int, searches: int,
                     homes: int) -> dict[str, list[str]]:
    """Deterministic paths per kind: evenly spread visible people, the load benchmark's searches."""
    url = load.database_url(home, None)
    visible = load.visible_people(url)
    step = max(1, len(visible) // max(people, 1))
    chosen = visible[::step][:people]
    meta_file = collection / load.synthetic.META_FILE if collection else None
    meta = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file and meta_file.exists() else {}
    stances, themes = load._vocabulary(url)
    found = load.build_searches(meta, stances, themes, searches, 0.6, "search")
    exported = load.build_searches(meta, stances, themes, searches, 1.0, "export")
    return {
        "home": ["/"] * homes,
        "person": [f"/people/{p}" for p in chosen],
        "search": [f"/search?{q}" for q in found],
        "export search csv": [f"/search/export.csv?{q}" for q in exported[:max(1, searches // 2)]],
        "export person csv": [f"/people/{p}/export.csv" for p in chosen[:max(1, people // 2)]],
    }


def cpu_ms(client: Any, path: str, before: Callable[[], None] | None = None) -> float:
    if before is not None:
        before()
    started = time.process_time()
    response = client.get(path)
    body = response.get_data()  # streamed exports: the whole body
    spent = (time.process_time() - started) * 1000
    if response.status_code != 200 or not body:
        raise SystemExit(f"{path}: HTTP {response.status_code}")
    return spent


def measure(client: Any, paths: dict[str, list[str]], repeat: int) -> dict[str, dict[str, list[float]]]:
    """{kind: {"cold": [ms per request], "warm": [...]}}: the lowest of ``repeat`` tries each."""
    result: dict[str, dict[str, list[float]]] = {}
    for kind, kind_paths in paths.items():
        cold = [min(cpu_ms(client, p, clear_caches) for _ in range(repeat)) for p in kind_paths]
        for p in kind_paths:  # fill the caches
            client.get(p).get_data()
        warm = [min(cpu_ms(client, p) for _ in range(repeat)) for p in kind_paths]
        result[kind] = {"cold": cold, "warm": warm}
    return result


def profile(client: Any, paths: list[str], cold: bool, top: int) -> str:
    profiler = cProfile.Profile()
    for p in paths:
        if cold:
            clear_caches()
        profiler.enable()
        client.get(p).get_data()
        profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, default=Path("/tmp/load100k/home"), help="the archive home to read")
    parser.add_argument("--collection", type=Path, default=None,
                        help="the SYNTHETIC collection (for its generator's seed; default: HOME/../collection)")
    parser.add_argument("--people", type=int, default=20, help="person pages to time")
    parser.add_argument("--searches", type=int, default=20, help="searches to time")
    parser.add_argument("--homes", type=int, default=5, help="home pages to time")
    parser.add_argument("--repeat", type=int, default=3, help="tries per request; the lowest CPU time is kept")
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--profile", choices=KINDS, help="print a cProfile of this kind instead of the table")
    parser.add_argument("--cold", action="store_true", help="with --profile: empty the caches before each request")
    args = parser.parse_args(argv)
    collection = args.collection or (args.home.parent / "collection")
    if not collection.exists():
        collection = None

    from webapp import create_app

    app = create_app({"ARCHIVE_HOME": str(args.home), "SECRET_KEY": secrets.token_hex(32)})
    client = app.test_client()
    paths = requests_to_time(args.home, collection, args.people, args.searches, args.homes)
    for kind_paths in paths.values():  # open the searcher, compile templates, import lazily imported modules
        cpu_ms(client, kind_paths[0])

    if args.profile:
        print(profile(client, paths[args.profile], args.cold, 40))
        return 0

    figures = measure(client, paths, args.repeat)
    rows = []
    for kind in KINDS:
        row = [kind, str(len(figures[kind]["cold"]))]
        for state in ("cold", "warm"):
            values = figures[kind][state]
            row += [f"{percentile(values, 50):,.1f}", f"{percentile(values, 95):,.1f}",
                    f"{sum(values) / len(values):,.1f}"]
        rows.append(row)
    print(f"CPU ms per request (time.process_time, lowest of {args.repeat}), {args.home}")
    print(table(["kind", "n", "cold p50", "cold p95", "cold mean", "warm p50", "warm p95", "warm mean"], rows))
    if args.json:
        args.json.write_text(json.dumps({"home": str(args.home), "repeat": args.repeat, "paths": paths,
                                         "cpu_ms": figures}, indent=2) + "\n", encoding="utf-8")
    return 0 if all(not math.isnan(v) for f in figures.values() for vs in f.values() for v in vs) else 1


if __name__ == "__main__":
    sys.exit(main())
