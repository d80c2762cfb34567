#!/usr/bin/env python3
"""PostgreSQL beside SQLite on a SYNTHETIC collection: imports, a node's updates, and the lag to a node.

The same run on each database, side by side:

1. the collection: ``generate_synthetic.py`` writes ``--segments`` SYNTHETIC segments for
   ``--people`` people (kept in ``--keep DIR`` and reused when its parameters match);
2. the import: ``archive import`` in its own process, into an importer's home on the database (an
   SQLite file, or a new database on a PostgreSQL cluster this script starts for itself, with the
   tests' code ``tests/postgres_cluster.py``, durable: ``fsync`` and synchronous commits on);
3. a node: a second home on the same database, whose index is derived from it as a web node's is
   (``archive/search/node_sync.py``): its first build from the database, then, after an import
   that changed one person and one that changed ``--changed`` people (one quote each), the time
   the node takes to bring its index up to date (``sync_once``: the changed people only);
4. the lag: that node served by ``archive serve`` (looking at the database every
   ``--sync-seconds``; on PostgreSQL an import's commit also wakes it at once), an import that adds
   a new word to one person, and the time from the import's commit (the moment a reader of the
   database first sees the new data version) to the node's API first finding the word.
   ``--lag-rounds`` rounds; the median and the largest are printed;
5. the load: ``benchmarks/load_benchmark.py`` (locust) with ``--load-users`` users for
   ``--load-duration`` against the homes served as web nodes of the database: on PostgreSQL two
   nodes (the importer's home and the node's, each ``archive serve`` with its own index, users
   spread over both), on SQLite one; no import runs meanwhile. p50/p95 per kind of page.

Every figure is wall-clock time on this machine, with nothing else measured at once; the import
runs as a separate process, the node's update in this one. The report is a Markdown table
(``--json PATH`` writes it all).

    nice -n 5 python benchmarks/postgres_benchmark.py --segments 100000 --keep /tmp/pg100k --json /tmp/pg100k.json
    python benchmarks/postgres_benchmark.py --segments 20000 --people 1200
    python benchmarks/postgres_benchmark.py --smoke   # the CI smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import generate_synthetic as synthetic  # noqa: E402
from load_benchmark import _archive_command, _free_ports, _tail  # noqa: E402
from run_info import code_version, table  # noqa: E402

from tests.postgres_cluster import ClusterUnavailable, PostgresServer, start_server, stop_server  # noqa: E402

DATABASES = ("sqlite", "postgresql")
TITLES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# the benchmark's server is durable, as a deployment's is (the tests' cluster turns durability off)
DURABLE = "-c fsync=on -c synchronous_commit=on -c full_page_writes=on"
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the collection and its edits ---------------------------------------------------------------


def prepare_collection(folder: Path, segments: int, people: int, seed: int) -> dict[str, Any]:
    wanted = {"segments": segments, "people": people, "seed": seed}
    meta_file = folder / synthetic.META_FILE
    meta = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.exists() else {}
    if any(meta.get(k) != v for k, v in wanted.items()):
        _log(f"generating {segments:,} SYNTHETIC segments for {people:,} people in {folder} …")
        meta = synthetic.generate(folder, segments, people, seed)
    else:
        _log(f"reusing the SYNTHETIC collection in {folder}")
    return meta


class Editor:
    """A copy of the collection whose people are edited round by round: each round appends its own
    text to one quote of each person it picks, so each import changes exactly those people."""

    def __init__(self, original: Path, copy: Path) -> None:
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(original, copy)
        self.copy = copy
        self.files = sorted(p.name for p in (copy / "people").glob("*.yaml"))
        self.round = 0

    def edit(self, people: int, addition: str | None = None) -> list[str]:
        """Change ``people`` people (chosen by the round): a SYNTHETIC sentence naming the round is
        appended to one quote of each. ``addition`` (a word a visitor will search for) is appended
        instead, to a public quote of a public person: the generator withholds some people and
        quotes, and a word added to one of those would never be served to an anonymous visitor."""
        self.round += 1
        order = random.Random(f"postgres-benchmark-{self.round}").sample(self.files, len(self.files))
        chosen = []
        for name in order:
            if len(chosen) == people:
                break
            path = self.copy / "people" / name
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=LOADER)
            quotes = data.get("quotes") or []
            if addition is not None:
                quotes = [quote for quote in quotes if _public(quote)] if _public(data) else []
            if not quotes:
                continue
            text = quotes[0].setdefault("text", {})
            added = f" {addition}." if addition else f" SYNTHETIC edit {self.round}."
            text["en"] = (text.get("en") or "") + added
            path.write_text("# SYNTHETIC benchmark data, edited by benchmarks/postgres_benchmark.py\n"
                            + yaml.dump(data, Dumper=DUMPER, allow_unicode=True, sort_keys=False, width=120),
                            encoding="utf-8")
            chosen.append(name)
        return chosen


def _public(record: dict[str, Any]) -> bool:
    """Whether a person or quote of the collection is public (no status, or ``public``, and no embargo)."""
    visibility = record.get("visibility")
    if visibility is None:
        return True
    if isinstance(visibility, str):
        return visibility == "public"
    return visibility.get("status", "public") == "public" and not visibility.get("until")


# --- the archive ----------------------------------------------------------------------------------


def run_import(home: Path, url: str, collection: Path, log: Path) -> float:
    """``archive import`` in its own process; its wall-clock seconds (the process's start included)."""
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        command = [*_archive_command(), "--home", str(home), "--database-url", url, "import", str(collection)]
        rc = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, env=_environment()).returncode
    if rc != 0:
        raise SystemExit(f"archive import failed ({rc}):\n{_tail(log)}")
    return time.perf_counter() - started


class Spacing:
    """Keeps the measured imports apart by ``seconds``: a node re-reads the people stamped within
    ``node_sync.CLOCK_MARGIN`` before the newest change it has seen (for importers whose clocks
    differ) and compares their documents with its build, so an import closer than that to the one
    before adds that reading of the earlier import's people to the node's update, and its figure
    would not be the one it names."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.last: float | None = None
        self.waited = 0.0

    def imported(self) -> None:
        self.last = time.monotonic()

    def wait(self) -> None:
        if self.last is not None:
            pause = self.last + self.seconds - time.monotonic()
            if pause > 0:
                self.waited += pause
                time.sleep(pause)


def run_step(step: str, home: Path, url: str, log: Path, collection: Path | None = None) -> dict[str, Any]:
    """One measured step (``import`` or ``node-update``) in a process of its own (this script with
    ``--step``), which times its own parts; its figures, with the whole process's wall-clock seconds."""
    figures_file = log.with_suffix(".json")
    command = [sys.executable, str(Path(__file__).resolve()), "--step", step, "--home", str(home), "--url", url,
               "--figures", str(figures_file)]
    if collection is not None:
        command += ["--collection", str(collection)]
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        rc = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, env=_environment()).returncode
    process_seconds = time.perf_counter() - started
    if rc != 0:
        raise SystemExit(f"the benchmark's {step} step failed ({rc}):\n{_tail(log)}")
    figures: dict[str, Any] = json.loads(figures_file.read_text(encoding="utf-8"))
    figures["process_seconds"] = process_seconds
    return figures


class _IndexClock:
    """An import's ``index_progress``: notes when the index build pulls its first document (the
    rows are written by then, and the import's workers have finished: the CPU time used so far is
    the rows') and its last."""

    def __init__(self) -> None:
        self.first: float | None = None
        self.first_cpu: float | None = None
        self.last: float | None = None
        self.documents = 0

    def __call__(self, documents: Iterable[dict[str, Any]], total: int) -> Iterator[dict[str, Any]]:
        for document in documents:
            if self.first is None:
                self.first = time.perf_counter()
                self.first_cpu = _usage()["cpu_seconds"]
            self.documents += 1
            yield document
        self.last = time.perf_counter()


def _usage() -> dict[str, float]:
    """CPU seconds of this process and its finished children (the import's workers, the index
    writer's processes), and the largest resident memory among them."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"cpu_seconds": own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime,
            "peak_rss_mb": max(own.ru_maxrss, children.ru_maxrss) / 1024}


def _folder_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6


def step_import(home: Path, url: str, collection: Path) -> dict[str, Any]:
    """What ``archive import`` does (``Archive.import_collection``), timed in parts: opening the
    archive, the rows (YAML → database: the files read, checked and written, in one transaction),
    the index build the import makes in the importer's home before its commit (every document when
    the home has no index yet, else the changed people's), the commit."""
    started = time.perf_counter()
    from archive.facade import Archive

    loaded = time.perf_counter()
    archive = Archive.open(home, url)
    opened = time.perf_counter()
    clock = _IndexClock()
    report = archive.import_collection(collection, index_progress=clock)
    finished = time.perf_counter()
    store = archive.index.store
    current = store.current_name()
    index_mb = _folder_mb(store.folder(current)) if current else 0.0
    archive.close()
    index_started = clock.first  # None: no full build (the changed people were re-indexed in a clone)
    return {"load_seconds": loaded - started, "open_seconds": opened - loaded,
            "rows_seconds": (finished if index_started is None else index_started) - opened,
            "index_seconds": None if index_started is None else finished - index_started,
            "index_documents": None if index_started is None else clock.documents,
            "rows_cpu_seconds": clock.first_cpu,
            "total_seconds": finished - started, "changed_people": len(report.touched_people),
            "index_mb": index_mb, **_usage()}


def step_node_update(home: Path, url: str) -> dict[str, Any]:
    """The node's look at the database (``sync_once``), timed alone (not the process's start)."""
    from archive.facade import Archive
    from archive.search import node_sync

    archive = Archive.open(home, url, upgrade_schema=False)
    try:
        before = _usage()["cpu_seconds"]
        started = time.perf_counter()
        outcome = node_sync.sync_once(archive.index)
        seconds = time.perf_counter() - started
        usage = _usage()
        store = archive.index.store
        current = store.current_name()
        return {"seconds": seconds, "cpu_seconds": usage["cpu_seconds"] - before, "peak_rss_mb": usage["peak_rss_mb"],
                "action": outcome.action, "people": outcome.people,
                "index_mb": _folder_mb(store.folder(current)) if current else 0.0}
    finally:
        archive.close()


def _environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("ARCHIVE_HOME", "DATABASE_URL", "ARCHIVE_VIEWER")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    env.update(extra)
    return env


def node_update(home: Path, url: str, log: Path) -> tuple[float, str, int]:
    """The node's look at the database, in a process of its own: seconds, what it did, people re-indexed."""
    figures = run_step("node-update", home, url, log)
    return figures["seconds"], figures["action"], figures["people"]


class VersionWatch(threading.Thread):
    """Reads the database's data version every few milliseconds and notes when it first changes:
    the moment an import's commit becomes visible to a reader."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        from archive.store.database import make_engine

        self.engine = make_engine(url)
        self.first = self._version()
        self.changed_at: float | None = None
        self.stop_requested = threading.Event()

    def _version(self) -> int | None:
        from archive.search import index_state

        with self.engine.connect() as conn:
            return index_state.data_version(conn)[1]

    def run(self) -> None:
        while not self.stop_requested.is_set() and self.changed_at is None:
            if self._version() != self.first:
                self.changed_at = time.time()
            time.sleep(0.01)

    def finish(self) -> None:
        self.stop_requested.set()
        self.join(timeout=30)
        self.engine.dispose()


def served_at(port: int, word: str, deadline: float) -> float | None:
    """When the node's API first finds ``word`` (polled every few milliseconds), or None by ``deadline``."""
    address = f"http://127.0.0.1:{port}/api/search?{urlencode({'q': word})}"
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(address, timeout=30) as answer:
                if json.loads(answer.read()).get("total", 0) > 0:
                    return time.time()
        except (urllib.error.URLError, OSError, ValueError):
            pass
        time.sleep(0.02)
    return None


def _served_into(found: list[float | None], port: int, word: str, deadline: float) -> None:
    found.append(served_at(port, word, deadline))


def start_node(home: Path, url: str, sync_seconds: float, log: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_ports(1)[0]
    env = _environment(ARCHIVE_SECRET_KEY=secrets.token_hex(32), ARCHIVE_SYNC_SECONDS=str(sync_seconds))
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.Popen([*_archive_command(), "--home", str(home), "--database-url", url, "serve",
                                    "--host", "127.0.0.1", "--port", str(port), "--threads", "2"],
                                   stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    deadline = time.monotonic() + 180
    while True:
        if process.poll() is not None:
            raise SystemExit(f"archive serve stopped ({process.returncode}):\n{_tail(log)}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as answer:
                if json.loads(answer.read()).get("status") == "ok":
                    return process, port
        except urllib.error.HTTPError:
            pass
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            process.terminate()
            raise SystemExit(f"archive serve did not report ok in 180 s:\n{_tail(log)}")
        time.sleep(0.25)


def process_memory(pid: int) -> dict[str, float]:
    """A running process's resident memory now and at its peak (Linux's /proc), in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text(encoding="utf-8").splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024
    return {"rss_mb": fields.get("VmRSS", 0.0), "peak_rss_mb": fields.get("VmHWM", 0.0)}


def _word(database: str, number: int) -> str:
    """A word no record holds: letters only, so that every analyser keeps it whole, and ten drawn
    for each round, so that no round's word is within a fuzzy search's reach of another's."""
    letters = "".join(random.Random(f"lag-{database}-{number}").choices("abcdefghijklmnopqrstuvwxyz", k=10))
    return f"synthlag{letters}"


def measure_lag(home: Path, node_home: Path, url: str, database: str, editor: Editor, rounds: int,
                sync_seconds: float, logs: Path, spacing: Spacing) -> tuple[list[dict[str, float]], dict[str, float]]:
    process, port = start_node(node_home, url, sync_seconds, logs / f"{database}-node.log")
    results = []
    try:
        for number in range(1, rounds + 1):
            word = _word(database, number)
            editor.edit(1, addition=word)
            spacing.wait()
            watch = VersionWatch(url)
            watch.start()
            found: list[float | None] = []
            poller = threading.Thread(target=_served_into, args=(found, port, word, time.monotonic() + 900))
            poller.start()
            seconds = run_import(home, url, editor.copy, logs / f"{database}-lag-{number}.log")
            returned = time.time()
            spacing.imported()
            poller.join()
            watch.finish()
            if not found or found[0] is None or watch.changed_at is None:
                raise SystemExit(f"the node never served the import of round {number}:\n"
                                 f"{_tail(logs / f'{database}-node.log')}")
            results.append({"import_seconds": seconds, "lag_from_commit": found[0] - watch.changed_at,
                            "lag_from_return": found[0] - returned})
        memory = process_memory(process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return results, memory


# --- one database ---------------------------------------------------------------------------------


def database_mb(url: str) -> float:
    """The database's size on disk: the SQLite file (its WAL checkpointed), or PostgreSQL's own count."""
    from sqlalchemy import text

    from archive.store.database import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                return float(conn.scalar(text("SELECT pg_database_size(current_database())")) or 0) / 1e6
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            return (int(conn.exec_driver_sql("PRAGMA page_count").scalar() or 0)
                    * int(conn.exec_driver_sql("PRAGMA page_size").scalar() or 0)) / 1e6
    finally:
        engine.dispose()


def run_database(database: str, url: str, workdir: Path, collection: Path, args: argparse.Namespace,
                 segments: int) -> dict[str, Any]:
    folder = workdir / database
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "logs").mkdir(parents=True)
    importer, node, logs = folder / "importer", folder / "node", folder / "logs"
    result: dict[str, Any] = {"database": database, "load_average": {}}
    _log(f"{TITLES[database]}: importing {segments:,} segments …")
    result["load_average"]["import"] = os.getloadavg()
    first = run_step("import", importer, url, logs / "import.log", collection)
    spacing = Spacing(args.spacing)
    spacing.imported()
    result["import"] = first
    result["import_seconds"] = first["process_seconds"]
    result["import_rate"] = segments / first["rows_seconds"]
    result["database_mb"] = database_mb(url)
    _log(f"{TITLES[database]}: the node's first build …")
    result["load_average"]["node_build"] = os.getloadavg()
    built = run_step("node-update", node, url, logs / "node-build.log")
    result["node_build"] = built
    result["node_build_seconds"], result["node_build_action"] = built["seconds"], built["action"]
    editor = Editor(collection, folder / "edited")
    editor.edit(1)
    _log(f"{TITLES[database]}: an import that changed 1 person, and the node's update …")
    spacing.wait()
    result["load_average"]["update_one"] = os.getloadavg()
    result["reimport_one_seconds"] = run_import(importer, url, editor.copy, logs / "import-one.log")
    spacing.imported()
    result["update_one_seconds"], result["update_one_action"], result["update_one_people"] = node_update(
        node, url, logs / "node-update-one.log")
    _log(f"{TITLES[database]}: the lag from an import's commit to the node serving it …")
    result["load_average"]["lag"] = os.getloadavg()
    result["lag_rounds"], result["served_node_memory"] = measure_lag(
        importer, node, url, database, editor, args.lag_rounds, args.sync_seconds, logs, spacing)
    editor.edit(args.changed)
    _log(f"{TITLES[database]}: an import that changed {args.changed:,} people, and the node's update …")
    spacing.wait()
    result["load_average"]["update_many"] = os.getloadavg()
    result["reimport_many_seconds"] = run_import(importer, url, editor.copy, logs / "import-many.log")
    result["update_many_seconds"], result["update_many_action"], result["update_many_people"] = node_update(
        node, url, logs / "node-update-many.log")
    if args.load_users:
        nodes = args.load_nodes or (2 if database == "postgresql" else 1)
        _log(f"{TITLES[database]}: {args.load_users} users for {args.load_duration} s across {nodes} node(s) …")
        result["load_average"]["load"] = os.getloadavg()
        result["load"] = run_load([importer, node][:nodes], url, args, logs)
    return result


def run_load(homes: list[Path], url: str, args: argparse.Namespace, logs: Path) -> dict[str, Any]:
    """``load_benchmark.py`` against ``homes`` served as web nodes of ``url``: its summary."""
    figures = logs / "load.json"
    command = [sys.executable, str(HERE / "load_benchmark.py"), "--database-url", url,
               *[part for home in homes for part in ("--home", str(home))], "--processes", str(len(homes)),
               "--users", str(args.load_users), "--duration", f"{args.load_duration}s", "--no-background-import",
               "--ready-timeout", "3600", "--keep", str(logs / "load"), "--json", str(figures)]
    log = logs / "load.log"
    with log.open("w", encoding="utf-8") as out:
        rc = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, env=_environment()).returncode
    if rc != 0:
        raise SystemExit(f"the load benchmark failed ({rc}):\n{_tail(log)}")
    result = json.loads(figures.read_text(encoding="utf-8"))
    return {"nodes": len(homes), "users": args.load_users, "duration_s": args.load_duration,
            "summary": result["summary"], "load_average": result["load_average"], "cpu_seconds": result["cpu_seconds"]}


# --- the report -----------------------------------------------------------------------------------


def _s(value: float) -> str:
    return f"{value:,.2f} s" if value < 100 else f"{value:,.0f} s"


def report(results: dict[str, dict[str, Any]], meta: dict[str, Any], args: argparse.Namespace) -> str:
    databases = [d for d in DATABASES if d in results]
    rows: list[list[str]] = []

    def row(label: str, make: Any) -> None:
        rows.append([label, *(make(results[d]) for d in databases)])

    segments = meta["segments"]
    row(f"import of {segments:,} segments: the whole process", lambda r: _s(r["import_seconds"]))
    row("… of which the rows (YAML → database)", lambda r: _s(r["import"]["rows_seconds"]))
    row("import rate (YAML → database)", lambda r: f"{r['import_rate']:,.0f} segments/s"
        + (f" ({segments / r['import']['rows_cpu_seconds']:,.0f} per CPU second)"
           if r["import"].get("rows_cpu_seconds") else ""))
    row("… of which the importer's own first index build",
        lambda r: f"{_s(r['import']['index_seconds'])} ({r['import']['index_documents']:,} documents, "
                  f"{r['import']['index_documents'] / r['import']['index_seconds']:,.0f} documents/s)")
    row("… the rest: the process's start, opening the archive, the commit",
        lambda r: _s(r["import_seconds"] - r["import"]["rows_seconds"] - r["import"]["index_seconds"]))
    row("import: CPU time of every process (the workers included)", lambda r: _s(r["import"]["cpu_seconds"]))
    row("database size", lambda r: f"{r['database_mb']:,.0f} MB")
    row("node: first build from the database",
        lambda r: f"{_s(r['node_build_seconds'])} ({r['node_build_action']}; CPU {_s(r['node_build']['cpu_seconds'])})")
    row("node: its index on disk", lambda r: f"{r['node_build']['index_mb']:,.0f} MB")
    row("node: peak memory of its first build (largest process)",
        lambda r: f"{r['node_build']['peak_rss_mb']:,.0f} MB")
    row("node: memory of the serving node after the lag rounds (now / peak)",
        lambda r: f"{r['served_node_memory']['rss_mb']:,.0f} / {r['served_node_memory']['peak_rss_mb']:,.0f} MB")
    for label, people in (("one", 1), ("many", args.changed)):
        changed = "1 changed person" if people == 1 else f"{people:,} changed people"
        row(f"import with {changed}", lambda r, label=label: _s(r[f"reimport_{label}_seconds"]))
        row(f"node: update for {changed}",
            lambda r, label=label: f"{_s(r[f'update_{label}_seconds'])} ({r[f'update_{label}_action']}, "
                                   f"{r[f'update_{label}_people']:,} people)")
    row("lag: import commit → node serves it (median)",
        lambda r: _s(statistics.median(x["lag_from_commit"] for x in r["lag_rounds"])))
    row("lag: import commit → node serves it (largest)",
        lambda r: _s(max(x["lag_from_commit"] for x in r["lag_rounds"])))
    row("lag: import command returned → node serves it (median)",
        lambda r: _s(statistics.median(x["lag_from_return"] for x in r["lag_rounds"])))
    row("import of one changed person, while the node serves (median)",
        lambda r: _s(statistics.median(x["import_seconds"] for x in r["lag_rounds"])))
    if all("load" in results[d] for d in databases):
        row("load: users across nodes", lambda r: f"{r['load']['users']} users, {r['load']['nodes']} node(s), "
                                                  f"{r['load']['duration_s']} s")
        for kind in ("search", "person", "home", "export search csv", "export person csv"):
            row(f"load: {kind} p50 / p95",
                lambda r, kind=kind: f"{r['load']['summary']['kinds'][kind]['p50_ms']:,.0f} / "
                                     f"{r['load']['summary']['kinds'][kind]['p95_ms']:,.0f} ms")
        row("load: requests/s (errors)", lambda r: f"{r['load']['summary']['total']['rps']:,.1f} "
                                                   f"({r['load']['summary']['total']['errors']:,})")
    return table(["measure", *(TITLES[d] for d in databases)], rows)


def _loads(averages: tuple[float, float, float]) -> str:
    return " ".join(f"{value:.1f}" for value in averages)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--segments", type=int, default=100_000, help="SYNTHETIC segments to import")
    parser.add_argument("--people", type=int,
                        help="interviewees (default: segments / 30, at least one more than --changed)")
    parser.add_argument("--changed", type=int, default=1_000, help="people changed by the larger update")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--lag-rounds", type=int, default=3, help="imports whose lag to the node is measured")
    parser.add_argument("--sync-seconds", type=float, default=5.0,
                        help="how often the node looks at the database (ARCHIVE_SYNC_SECONDS)")
    parser.add_argument("--spacing", type=float,
                        help="seconds between the measured imports (default: node_sync's clock margin and one "
                             "second, so that a node's update reads only the people of the import before it)")
    parser.add_argument("--load-users", type=int, default=20, help="locust users of the load step (0: no load step)")
    parser.add_argument("--load-duration", type=int, default=60, help="seconds of load")
    parser.add_argument("--load-nodes", type=int, choices=(1, 2),
                        help="web nodes under the load (default: 2 on PostgreSQL, 1 on SQLite)")
    parser.add_argument("--databases", default="sqlite,postgresql", help="which, comma-separated")
    parser.add_argument("--keep", type=Path, help="work folder to keep (and reuse the collection from)")
    parser.add_argument("--json", type=Path, help="write every figure here")
    parser.add_argument("--smoke", action="store_true", help="a tiny run for CI (150 segments, 5 changed people)")
    parser.add_argument("--step", choices=("import", "node-update"), help=argparse.SUPPRESS)
    parser.add_argument("--home", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--collection", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--figures", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step:  # one measured step, in the process run_step started
        if args.step == "import":
            figures = step_import(args.home, args.url, args.collection)
        else:
            figures = step_node_update(args.home, args.url)
        args.figures.write_text(json.dumps(figures) + "\n", encoding="utf-8")
        return 0
    if args.smoke:
        args.segments, args.people, args.changed, args.lag_rounds = 150, args.people or 8, 5, 1
        args.load_users, args.load_duration = 3, 3
        args.sync_seconds = 0.5
        args.spacing = 0.0 if args.spacing is None else args.spacing
    if args.spacing is None:
        from archive.search.node_sync import CLOCK_MARGIN

        args.spacing = CLOCK_MARGIN.total_seconds() + 1
    people = args.people or max(synthetic.default_people(args.segments), args.changed + 1)
    databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    if any(d not in DATABASES for d in databases) or not databases:
        parser.error(f"--databases names {', '.join(DATABASES)}")
    if args.segments < 1 or people < 1 or args.changed < 1 or args.lag_rounds < 1:
        parser.error("--segments, --people, --changed and --lag-rounds must be 1 or more")
    args.changed = min(args.changed, people)

    load_before = os.getloadavg()
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="postgres-benchmark-"))
    workdir.mkdir(parents=True, exist_ok=True)
    meta = prepare_collection(workdir / "collection", args.segments, people, args.seed)
    server: PostgresServer | None = None
    results: dict[str, dict[str, Any]] = {}
    try:
        for database in databases:
            if database == "postgresql":
                try:
                    server = start_server(DURABLE)
                except ClusterUnavailable as error:
                    raise SystemExit(f"PostgreSQL: {error}") from None
                url = server.new_database("benchmark")
            else:
                url = f"sqlite:///{workdir / 'sqlite' / 'archive.sqlite3'}"
            results[database] = run_database(database, url, workdir, workdir / "collection", args, args.segments)
    finally:
        if server is not None:
            stop_server(server)
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)

    print(f"# SYNTHETIC PostgreSQL benchmark: {meta['segments']:,} segments, {meta['people']:,} people")
    print()
    print(f"code: {code_version()}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
          f"load average before {_loads(load_before)}, after {_loads(os.getloadavg())} (other work on the machine "
          "slows every figure)")
    print(f"the measured imports are {args.spacing:g} s apart at least (a node's update also reads the people of "
          "imports within node_sync's clock margin before the last it saw, and re-indexes those whose documents "
          "differ): the people column says how many it re-indexed")
    print(f"node: a second home on the same database, looking every {args.sync_seconds:g} s "
          "(PostgreSQL: also woken by each import's commit); PostgreSQL durable (fsync, synchronous commit)")
    print()
    print(report(results, meta, args))
    if args.json:
        args.json.write_text(json.dumps({"synthetic": True, "collection": meta, "config": vars(args) | {
            "keep": str(args.keep) if args.keep else None, "json": str(args.json)}, "results": results},
            indent=2, default=str) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
