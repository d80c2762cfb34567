#!/usr/bin/env python3
"""Profile one web node's update after an import that changed ONE person, on a SYNTHETIC collection.

For each ``--segments`` size, in a work folder of its own:

1. ``generate_synthetic.py`` writes the SYNTHETIC collection (reused from ``--keep`` when its
   parameters match);
2. an importer's home imports it into an SQLite database (``DATABASE_URL`` works the same way on
   PostgreSQL: ``--database-url`` names one);
3. a node (a second home on the same database) makes its first build (``node_sync.sync_once``);
4. one person's YAML is edited (a SYNTHETIC sentence appended to a quote) and the importer imports
   the collection again; by default after waiting out ``node_sync.CLOCK_MARGIN`` from the first
   import, as imports spaced by more than the margin are (``--no-wait`` does not wait);
5. the node's ``sync_once`` runs under cProfile: the CPU seconds of this process during it, the
   wall-clock seconds, what it did, and the ``--top`` functions by cumulative time (``--top 0``:
   without the profiler, whose own work inflates the CPU seconds); then the CPU seconds of the
   node's first search after it (its searcher, open since before the import, is reopened on the
   new build).

The CPU seconds are this process's alone (the node's update runs in it), so other work on the
machine changes them less than the wall-clock ones.

    python benchmarks/node_update_profile.py --segments 2000 10000 --keep /tmp/node-profile
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import generate_synthetic as synthetic  # noqa: E402

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def prepare_collection(folder: Path, segments: int, seed: int) -> Path:
    """The SYNTHETIC collection of ``segments`` segments in ``folder`` (generated when its parameters differ)."""
    people = synthetic.default_people(segments)
    wanted = {"segments": segments, "people": people, "seed": seed}
    meta_file = folder / synthetic.META_FILE
    meta = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.exists() else {}
    if any(meta.get(k) != v for k, v in wanted.items()):
        _log(f"generating {segments:,} SYNTHETIC segments for {people:,} people in {folder} …")
        synthetic.generate(folder, segments, people, seed)
    return folder


def edit_one_person(collection: Path, seed: int) -> str:
    """Append a SYNTHETIC sentence to the first quote of one person chosen by ``seed``; the file's name."""
    files = sorted(p.name for p in (collection / "people").glob("*.yaml"))
    name = random.Random(f"node-update-profile-{seed}").choice(files)
    path = collection / "people" / name
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=LOADER)
    quote = next(iter(data.get("quotes") or []), None)
    if quote is None:
        raise SystemExit(f"{path}: the chosen SYNTHETIC person has no quote to edit")
    text = quote.setdefault("text", {})
    text["en"] = (text.get("en") or "") + " SYNTHETIC edit for the node update profile."
    path.write_text("# SYNTHETIC benchmark data, edited by benchmarks/node_update_profile.py\n"
                    + yaml.dump(data, Dumper=DUMPER, allow_unicode=True, sort_keys=False, width=120),
                    encoding="utf-8")
    return name


def _cpu() -> float:
    return time.process_time()


def profile_size(workdir: Path, segments: int, args: argparse.Namespace) -> dict[str, Any]:
    from archive.facade import Archive
    from archive.search import node_sync
    from archive.search.request import SearchRequest

    original = prepare_collection(workdir / f"collection-{segments}", segments, args.seed)
    run = workdir / f"run-{segments}"
    shutil.rmtree(run, ignore_errors=True)
    run.mkdir(parents=True)
    collection = run / "collection"
    shutil.copytree(original, collection)
    url = args.database_url or f"sqlite:///{run / 'archive.sqlite3'}"
    importer = Archive.open(run / "importer", url)
    node = Archive.open(run / "node", url)
    try:
        _log(f"{segments:,} segments: the first import …")
        importer.import_collection(collection)
        imported = time.monotonic()
        _log(f"{segments:,} segments: the node's first build …")
        first = node_sync.sync_once(node.index)
        if first.action != "rebuilt":
            raise SystemExit(f"the node's first look did {first.action!r}, not a rebuild")
        node.search(SearchRequest(query=""))  # the node serves: its searcher is open before the update
        pause = imported + node_sync.CLOCK_MARGIN.total_seconds() + 1 - time.monotonic()
        if pause > 0 and not args.no_wait:
            _log(f"{segments:,} segments: waiting {pause:.0f} s (the imports are spaced by the clock margin) …")
            time.sleep(pause)
        edited = edit_one_person(collection, args.seed)
        _log(f"{segments:,} segments: {edited} edited; the import of one changed person …")
        report = importer.import_collection(collection)
        _log(f"{segments:,} segments: the node's update, profiled …")
        profiler = cProfile.Profile(_cpu) if args.top else None
        cpu_before, wall_before = _cpu(), time.perf_counter()
        if profiler is not None:
            profiler.enable()
        outcome = node_sync.sync_once(node.index)
        if profiler is not None:
            profiler.disable()
        cpu, wall = _cpu() - cpu_before, time.perf_counter() - wall_before
        search_before = _cpu()
        node.search(SearchRequest(query=""))  # the first search after the update reopens the searcher
        search_cpu = _cpu() - search_before
        out = io.StringIO()
        if profiler is not None:
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.top)
        check = node.index.check()
        return {"segments": segments, "touched_people": len(report.touched_people), "action": outcome.action,
                "people": outcome.people, "cpu_seconds": round(cpu, 3), "wall_seconds": round(wall, 3),
                "first_search_cpu_seconds": round(search_cpu, 3),
                "check_ok": check.ok, "check_problems": check.problems, "profile": out.getvalue()}
    finally:
        node.close()
        importer.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--segments", type=int, nargs="+", default=[2000, 10000], help="SYNTHETIC sizes to profile")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--top", type=int, default=30,
                        help="functions listed per profile (0: no profiler, the update's own CPU time)")
    parser.add_argument("--keep", type=Path, help="work folder to keep (and reuse the collections from)")
    parser.add_argument("--database-url", help="a database for the run (default: a new SQLite file per size)")
    parser.add_argument("--no-wait", action="store_true", help="import again at once, within the clock margin")
    parser.add_argument("--json", type=Path, help="write the figures (and profiles) here")
    args = parser.parse_args(argv)
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="node-update-profile-"))
    workdir.mkdir(parents=True, exist_ok=True)
    results = []
    try:
        for segments in args.segments:
            result = profile_size(workdir, segments, args)
            results.append(result)
            print(f"## {segments:,} SYNTHETIC segments: sync_once {result['action']} "
                  f"({result['people']} people) in {result['cpu_seconds']:.2f} s CPU, "
                  f"{result['wall_seconds']:.2f} s wall; the first search after it "
                  f"{result['first_search_cpu_seconds']:.2f} s CPU; "
                  f"archive check {'ok' if result['check_ok'] else 'FAILED'}")
            print(result["profile"])
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    print("| segments | action | people | sync_once CPU s | wall s | first search CPU s |")
    print("|---:|---|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['segments']:,} | {r['action']} | {r['people']} | {r['cpu_seconds']:.2f} "
              f"| {r['wall_seconds']:.2f} | {r['first_search_cpu_seconds']:.2f} |")
    if args.json:
        args.json.write_text(json.dumps({"synthetic": True, "results": results}, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
