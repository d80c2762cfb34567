#!/usr/bin/env python3
"""Load benchmark of the web site on a SYNTHETIC collection: locust against waitress, during imports.

What it does, in order:

1. the collection: generates a SYNTHETIC one with ``generate_synthetic.py`` (``--segments``),
   and imports it into an archive home with ``archive import`` (or reuses a prepared home:
   ``--home DIR``, or the one kept in ``--keep DIR`` when its parameters match);
2. the servers: ``--processes`` real ``archive serve`` processes (waitress, ``--threads`` each)
   on 127.0.0.1, each on its own port, with ``ARCHIVE_SECRET_KEY`` set to a random value
   (with ``--database-url URL``, e.g. a PostgreSQL database, the servers are web nodes of that
   one database: ``--home`` given once per node, server i serving home i mod N, each keeping its
   own search index in step with the database, ``archive/search/node_sync.py``; the load starts
   when every node's ``/healthz`` says it is in step);
   every locust user sticks to one of them (user i talks to server i mod N), as behind a
   sticky load balancer. (Waitress can also serve pre-bound sockets, so N processes could
   share one port with SO_REUSEPORT, but that needs a launcher other than ``archive serve``,
   and the kernel spreads connections by a hash, not evenly: the benchmark keeps the real
   command and an even spread.) Before the load, each server answers one request of each
   kind (warm-up, not counted);
3. the background import (on by default): ``archive import`` of an edited copy of the
   collection, again and again until the load ends; each round changes one quote of a few
   people and restores the previous round's people, so every import writes the database and
   updates the index while the site serves. It runs at ``nice 10`` (``--import-nice``), as a
   deployment would run an archivist's import next to its site; ``--import-nice 0`` gives it
   the servers' priority;
4. the load: ``locust --headless`` (``benchmarks/locustfile.py``, FastHttpUser) with
   ``--users`` concurrent users for ``--duration``, no think time by default (each user sends
   its next request as soon as the previous one is answered, like wrk's connections; ``--wait
   1-3`` gives locust's usual think time). With a think time the users start one after another
   over the longest think time (``--ramp``), as a running population's requests are spread;
   without one they start at once. Every request counts, those of the ramp too. Tasks, weighted: the home page, a
   person page (a random person an anonymous visitor may see), a search with facets (a deterministic list
   drawn from the generator's vocabulary, with stance and theme filters), a CSV export of such
   a search and a CSV export of one person;
5. the report: per kind of request, requests, requests/s, p50/p95/p99/max ms and errors (any
   answer but a 2xx is an error), the totals, the targets met or not, the background imports,
   the CPU time each part used and the load averages; ``--json PATH`` writes it all. The
   servers' page cache (``webapp/page_cache.py``) answers repeated pages between two imports:
   the report says which share of each kind it answered; ``--page-cache-mb 0`` turns it off.

Percentiles are exact (from every request's time, which the locustfile writes), measured by
locust on the client side: they include queueing in waitress. Nothing is asserted about them.

    python benchmarks/load_benchmark.py --segments 100000 --users 20 --duration 60s --keep /tmp/load100k
    python benchmarks/load_benchmark.py --keep /tmp/load100k --segments 100000 --processes 2 --json out.json
    python benchmarks/load_benchmark.py --home instance --collection data --users 5 --duration 20s
    python benchmarks/load_benchmark.py --database-url postgresql+psycopg://… --home node1 --home node2 \
        --processes 2 --no-background-import   # two web nodes of one PostgreSQL database
    python benchmarks/load_benchmark.py --segments 300 --users 3 --duration 3s --processes 1   # the CI smoke
"""

from __future__ import annotations

import argparse
import bisect
import json
import math
import os
import platform
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate_synthetic as synthetic  # noqa: E402
from run_info import code_version, percentile, table  # noqa: E402

LOCUSTFILE = HERE / "locustfile.py"
KINDS = ("home", "person", "search", "export search csv", "export person csv")
WEIGHTS = {"home": 2, "person": 4, "search": 4, "export search csv": 1, "export person csv": 1}
TARGETS = {"search": 300.0, "person": 100.0}  # p95 ms at 20 concurrent clients, 100k segments (issue 6)
IMPORTED_MARKER = "home-imported.json"  # in --keep DIR: which collection the home holds


# --- helpers --------------------------------------------------------------------------------------


def _num(value: float | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:,.{digits}f}"


def _share(kind: dict[str, Any]) -> str:
    """The share of a kind's requests the servers' page cache answered (webapp/page_cache.py)."""
    return f"{100 * kind.get('cache_hits', 0) / kind['requests']:.0f}%" if kind["requests"] else "—"


def _seconds(text: str) -> int:
    """'60s', '2m', '1h30m' or '90' → seconds."""
    text = text.strip().lower()
    if text.isdigit():
        return int(text)
    parts = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", text)
    if not parts or not any(parts.groups()):
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (e.g. 60s, 2m, 1m30s)")
    h, m, s = (int(x or 0) for x in parts.groups())
    return h * 3600 + m * 60 + s


def _wait(text: str) -> tuple[float, float]:
    """'0' → no think time; '1-3' → between 1 and 3 seconds."""
    try:
        low, _, high = text.partition("-")
        pair = (float(low), float(high or low))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a wait: {text!r} (e.g. 0 or 1-3)") from None
    if pair[0] < 0 or pair[1] < pair[0]:
        raise argparse.ArgumentTypeError(f"not a wait: {text!r}")
    return pair


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _archive_command() -> list[str]:
    script = Path(sys.executable).parent / "archive"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from archive.cli.main import main; sys.exit(main())"]


def _free_ports(count: int) -> list[int]:
    sockets, ports = [], []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
            ports.append(sock.getsockname()[1])
    finally:
        for sock in sockets:
            sock.close()
    return ports


def _loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _lower_priority(nice: int) -> None:
    """In the child, before ``archive import`` starts: ``nice -n`` that holds against the servers.

    Linux's autogroup scheduling (``/proc/sys/kernel/sched_autogroup_enabled``) shares the CPU
    between sessions first, and a process's nice value counts only inside its session: so the
    import gets a session of its own, and that session the nice value."""
    os.setsid()
    try:
        Path("/proc/self/autogroup").write_text(str(nice), encoding="ascii")
    except OSError:  # no autogroup (or not Linux): the plain nice value is what counts
        pass
    os.nice(nice)


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a live process (Linux /proc; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# --- the collection and the archive home -----------------------------------------------------------


def prepare(args: argparse.Namespace, workdir: Path) -> tuple[list[Path], Path | None, dict[str, Any], dict[str, Any]]:
    """(the homes to serve, collection or None, the collection's generation parameters, what was done)."""
    done: dict[str, Any] = {}
    if args.home:
        collection = args.collection
        meta_file = collection / synthetic.META_FILE if collection else None
        meta = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file and meta_file.exists() else {}
        return args.home, collection, meta, done
    collection, home = workdir / "collection", workdir / "home"
    people = args.people or synthetic.default_people(args.segments)
    wanted = {"segments": args.segments, "people": people, "seed": args.seed}
    meta_file = collection / synthetic.META_FILE
    meta = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.exists() else {}
    marker = workdir / IMPORTED_MARKER
    if any(meta.get(k) != v for k, v in wanted.items()):
        _log(f"generating {args.segments:,} SYNTHETIC segments for {people:,} people in {collection} …")
        meta = synthetic.generate(collection, args.segments, people, args.seed)
        done["generate_seconds"] = meta["seconds"]
        shutil.rmtree(home, ignore_errors=True)
        marker.unlink(missing_ok=True)
    else:
        _log(f"reusing the SYNTHETIC collection in {collection}")
    imported = json.loads(marker.read_text(encoding="utf-8")) if marker.exists() else {}
    if any(imported.get(k) != v for k, v in wanted.items()) or not (home / "archive.sqlite3").exists():
        shutil.rmtree(home, ignore_errors=True)
        _log(f"importing it into {home} (YAML → database → index) …")
        started = time.perf_counter()
        log = workdir / "initial-import.log"
        with log.open("w", encoding="utf-8") as out:
            rc = subprocess.run([*_archive_command(), "--home", str(home), "import", str(collection)],
                                stdout=out, stderr=subprocess.STDOUT).returncode
        if rc != 0:
            raise SystemExit(f"archive import failed ({rc}):\n{_tail(log)}")
        done["import_seconds"] = time.perf_counter() - started
        marker.write_text(json.dumps(wanted) + "\n", encoding="utf-8")
    else:
        _log(f"reusing the archive home {home}")
    return [home], collection, meta, done


def database_url(home: Path, url: str | None) -> str:
    """The database a home serves: ``url`` (``--database-url``), else the home's own SQLite file."""
    return url or f"sqlite:///{home / 'archive.sqlite3'}"


def _rows(url: str, statement: str, **params: Any) -> list[Any]:
    """Rows of one read-only query on the served database (SQLite or PostgreSQL)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(statement), params))
    finally:
        engine.dispose()


def visible_people(url: str) -> list[str]:
    """Ids of the people an anonymous visitor may see (public; an embargo that has ended)."""
    today = time.strftime("%Y-%m-%d")
    rows = _rows(url, "SELECT id FROM person WHERE visibility = 'public' OR (visibility = 'embargoed' "
                      "AND embargo_until IS NOT NULL AND embargo_until <= :today) ORDER BY position, id", today=today)
    return [r[0] for r in rows]


def collection_counts(url: str) -> dict[str, Any]:
    """The served collection's id, and its segments (quotes) and people, from the database."""
    ids = [r[0] for r in _rows(url, "SELECT id FROM collection")]
    return {"id": ", ".join(ids), "synthetic": bool(ids) and all(i == synthetic.COLLECTION_ID for i in ids),
            "segments": _rows(url, "SELECT count(*) FROM quote")[0][0],
            "people": _rows(url, "SELECT count(*) FROM person")[0][0]}


def _vocabulary(url: str) -> tuple[list[str], list[str]]:
    """(stance ids, theme ids) in the collection's order."""
    rows = _rows(url, "SELECT kind, id FROM vocabulary_term ORDER BY kind, position")
    stances = [i for k, i in rows if k in ("stance", "stances")]
    themes = [i for k, i in rows if k in ("theme", "themes")]
    return stances or ["admirer", "ambivalent", "critic", "not-stated"], themes


def build_searches(meta: dict[str, Any], stances: list[str], themes: list[str], count: int,
                   theme_share: float, salt: str) -> list[str]:
    """Deterministic query strings: one or two word forms of the generator's lexicon at
    log-uniformly drawn frequency ranks (frequent, middling and rare words), Russian or English,
    with a stance filter, and a theme filter on ``theme_share`` of them (frequent themes more often)."""
    seed = int(meta.get("seed", 1))
    lexicon = synthetic.build_lexicon(seed, int(meta.get("lemmas", synthetic.DEFAULT_LEMMAS)))
    rng = random.Random(f"load-{salt}-{seed}")
    theme_cum = synthetic.zipf_cumulative(len(themes), 0.8) if themes else ()

    def word() -> str:
        rank = min(int(math.exp(rng.uniform(0, math.log(len(lexicon))))) - 1, len(lexicon) - 1)
        lemma = lexicon[rank]
        return rng.choice(lemma.ru_forms if rng.random() < 0.5 else lemma.en_forms)

    searches = []
    for _ in range(count):
        query = word() if rng.random() < 0.8 else f"{word()} {word()}"
        params = [("q", query), ("stance", rng.choice(stances))]
        if themes and rng.random() < theme_share:
            index = min(bisect.bisect_right(theme_cum, rng.random() * theme_cum[-1]), len(themes) - 1)
            params.append(("theme", themes[index]))
        searches.append(urlencode(params))
    return searches


# --- the servers ---------------------------------------------------------------------------------


@dataclass
class Server:
    port: int
    process: subprocess.Popen
    log: Path
    cpu_start: float | None = None
    cpu_end: float | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def start_servers(homes: list[Path], collection: Path | None, count: int, threads: int, logs: Path,
                  page_cache_mb: int | None = None, url: str | None = None) -> list[Server]:
    """``count`` servers; server i serves ``homes[i % len(homes)]`` (on ``url``'s database when given)."""
    env = dict(os.environ)
    env["ARCHIVE_SECRET_KEY"] = secrets.token_hex(32)  # a fresh random key each run (the site may require one)
    if page_cache_mb is not None:
        env["ARCHIVE_PAGE_CACHE_MB"] = str(page_cache_mb)  # webapp/page_cache.py; 0 turns it off
    env.pop("ARCHIVE_VIEWER", None)  # the anonymous public site
    servers = []
    for n, port in enumerate(_free_ports(count)):
        log = logs / f"server-{n + 1}.log"
        home = homes[n % len(homes)]
        command = [*_archive_command(), "--home", str(home), *(["--database-url", url] if url else []), "serve",
                   "--host", "127.0.0.1", "--port", str(port), "--threads", str(threads)]
        if collection:
            command[command.index("serve") + 1:command.index("serve") + 1] = ["--collection", str(collection)]
        out = log.open("w", encoding="utf-8")
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        out.close()
        servers.append(Server(port, process, log))
    return servers


def _in_step(server: Server) -> bool:
    """Whether a web node of a shared database says its index is in step with it (``/healthz``)."""
    try:
        with urllib.request.urlopen(server.url + "/healthz", timeout=10) as answer:
            return bool(json.loads(answer.read()).get("status") == "ok")
    except (urllib.error.URLError, OSError, ValueError):
        return False


def wait_ready(servers: list[Server], timeout: float = 180.0, nodes: bool = False) -> None:
    """Until every server answers its home page (and, for ``nodes`` of a shared database, says it
    is in step: a node without an index builds it from the database first)."""
    deadline = time.monotonic() + timeout
    for server in servers:
        while True:
            if server.process.poll() is not None:
                raise SystemExit(f"archive serve on port {server.port} stopped ({server.process.returncode}):\n"
                                 f"{_tail(server.log)}")
            try:
                with urllib.request.urlopen(server.url + "/", timeout=10) as answer:
                    if answer.status == 200 and (not nodes or _in_step(server)):
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"archive serve on port {server.port} did not answer in {timeout:.0f} s:\n"
                                 f"{_tail(server.log)}")
            time.sleep(0.25)


def warm_up(servers: list[Server], paths: list[str]) -> dict[str, float]:
    """One request of each kind per server (opens the searcher, fills caches); not counted."""
    times: dict[str, float] = {}
    for server in servers:
        for path in paths:
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(server.url + path, timeout=120) as answer:
                    answer.read()
            except urllib.error.HTTPError as error:
                raise SystemExit(f"warm-up {path} on port {server.port}: HTTP {error.code}\n"
                                 f"{_tail(server.log)}") from None
            times[path] = max(times.get(path, 0.0), (time.perf_counter() - started) * 1000)
    return times


def stop_servers(servers: list[Server]) -> None:
    for server in servers:
        if server.process.poll() is None:
            server.process.send_signal(signal.SIGTERM)
    for server in servers:
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


def start_profilers(servers: list[Server], seconds: int, rundir: Path) -> list[tuple[subprocess.Popen, Path]]:
    """py-spy on every server for the load's duration (sampling, the servers run on)."""
    exe = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    started = []
    for n, server in enumerate(servers):
        out = rundir / f"profile-server-{n + 1}.txt"
        command = [exe, "record", "--pid", str(server.process.pid), "--duration", str(seconds), "--rate", "100",
                   "--format", "raw", "--function", "--nonblocking", "--output", str(out)]
        log = (rundir / "logs" / f"py-spy-{n + 1}.log").open("w", encoding="utf-8")
        started.append((subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT), out))
        log.close()
    return started


_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*)\)$")
_PROJECT_FILE = re.compile(r"(^|/)(archive|webapp)/|\.html:")  # py-spy names files from their package


def profile_summary(files: list[Path], top: int = 15) -> dict[str, Any]:
    """Where the servers' threads spent their samples (py-spy raw, idle waits left out): by the
    project's functions (inclusive) and by any function (self)."""
    total = 0
    inclusive: dict[str, int] = {}
    own: dict[str, int] = {}
    for path in files:
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            stack, _, count_text = line.rpartition(" ")
            if not stack or not count_text.isdigit():
                continue
            count = int(count_text)
            total += count
            names = []
            for frame in stack.split(";"):
                found = _FRAME.match(frame)
                if not found:
                    continue
                file = re.sub(r"^.*/site-packages/", "", found["file"])
                names.append((f"{found['function']} ({file})", file))
            if names:
                leaf = names[-1][0]
                own[leaf] = own.get(leaf, 0) + count
            for name in {n for n, file in names if _PROJECT_FILE.search(file)}:
                inclusive[name] = inclusive.get(name, 0) + count

    def ranked(counts: dict[str, int]) -> list[list[Any]]:
        return [[name, count, count / total if total else 0.0]
                for name, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]]

    return {"samples": total, "inclusive": ranked(inclusive), "self": ranked(own), "files": [str(f) for f in files]}


# --- the background import ---------------------------------------------------------------------


@dataclass
class ImportRound:
    number: int
    started: float  # time.time()
    seconds: float = 0.0
    returncode: int | None = None
    cpu_seconds: float = 0.0
    edited: list[str] = field(default_factory=list)
    summary: str = ""


class BackgroundImporter(threading.Thread):
    """``archive import`` of an edited copy of the collection, round after round, until stopped.

    Round r appends "SYNTHETIC edit r." to the English text of one quote of each of
    ``people`` people (chosen by r) and restores the people edited in round r-1, so each
    import changes the database and re-indexes about 2 × ``people`` people."""

    def __init__(self, home: Path, original: Path, copy: Path, logs: Path, people: int, nice: int = 0,
                 url: str | None = None):
        super().__init__(name="background-import", daemon=True)
        self.home, self.original, self.copy, self.logs, self.people = home, original, copy, logs, people
        self.url = url  # the shared database (--database-url), else the home's own
        self.nice = nice  # the import's CPU priority (``nice -n``): a batch job below the site
        self.rounds: list[ImportRound] = []
        self.stop_requested = threading.Event()
        self.current: subprocess.Popen | None = None
        self.error: str | None = None
        if copy.exists():
            shutil.rmtree(copy)
        shutil.copytree(original, copy)
        self.files = sorted(p.name for p in (original / "people").glob("*.yaml"))

    def _edit(self, number: int, previous: list[str]) -> list[str]:
        for name in previous:
            shutil.copy2(self.original / "people" / name, self.copy / "people" / name)
        rng = random.Random(f"background-import-{number}")
        chosen = rng.sample(self.files, min(self.people, len(self.files)))
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        for name in chosen:
            data = yaml.load((self.original / "people" / name).read_text(encoding="utf-8"), Loader=loader)
            quotes = data.get("quotes") or []
            if quotes:
                text = quotes[number % len(quotes)].setdefault("text", {})
                language = "en" if "en" in text else next(iter(text), "en")
                text[language] = (text.get(language) or "") + f" SYNTHETIC edit {number}."
            (self.copy / "people" / name).write_text(
                "# SYNTHETIC benchmark data, edited by benchmarks/load_benchmark.py\n"
                + yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False, width=120),
                encoding="utf-8")
        return chosen

    def run(self) -> None:
        previous: list[str] = []
        command = [*_archive_command(), "--home", str(self.home), *(["--database-url", self.url] if self.url else []),
                   "import", str(self.copy)]
        number = 0
        try:
            while not self.stop_requested.is_set():
                number += 1
                edited = self._edit(number, previous)
                previous = edited
                round_ = ImportRound(number, time.time(), edited=edited)
                log = self.logs / f"import-{number}.log"
                started = time.perf_counter()
                with log.open("w", encoding="utf-8") as out:
                    self.current = subprocess.Popen(
                        command, stdout=out, stderr=subprocess.STDOUT,
                        preexec_fn=(lambda: _lower_priority(self.nice)) if self.nice else None)
                    _, status, usage = os.wait4(self.current.pid, 0)  # its CPU time, as well as its end
                    self.current.returncode = os.waitstatus_to_exitcode(status)
                round_.seconds = time.perf_counter() - started
                round_.returncode = self.current.returncode
                round_.cpu_seconds = usage.ru_utime + usage.ru_stime
                round_.summary = " ".join(line.strip() for line in _tail(log, 6).splitlines() if line.strip())[:300]
                self.rounds.append(round_)
                self.current = None
        except Exception as exc:  # noqa: BLE001 - reported, the load goes on
            self.error = f"{type(exc).__name__}: {exc}"

    def stop(self, grace: float) -> bool:
        """Let the running import finish (at most ``grace`` seconds); True if it had to be killed."""
        self.stop_requested.set()
        self.join(timeout=grace)
        if self.is_alive() and self.current is not None:
            self.current.kill()
            self.join(timeout=30)
            return True
        return False


# --- the load ------------------------------------------------------------------------------------


def run_locust(config: dict[str, Any], rundir: Path, users: int, seconds: int, ramp: float) -> tuple[int, Path]:
    """Locust headless; the users start one after another over ``ramp`` seconds (all at once for 0)."""
    config_file = rundir / "locust-config.json"
    config_file.write_text(json.dumps(config), encoding="utf-8")
    env = dict(os.environ, LOAD_BENCHMARK_CONFIG=str(config_file))
    log = rundir / "locust.log"
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--users", str(users),
               "--spawn-rate", f"{users / ramp if ramp > 0 else users:g}", "--run-time", f"{seconds + 60}s",
               "--host", config["hosts"][0],
               "--csv", str(rundir / "locust"), "--only-summary", "--loglevel", "WARNING",
               "--exit-code-on-error", "0", "--stop-timeout", "0"]
    with log.open("w", encoding="utf-8") as out:
        rc = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, env=env, timeout=seconds + 300).returncode
    return rc, log


def summarize(samples: dict[str, Any]) -> dict[str, Any]:
    started, stopped = samples["started"], samples["stopped"]
    duration = max(stopped - started, 1e-9)
    kinds: dict[str, Any] = {}
    everything: list[float] = []
    total_errors = 0
    for kind in KINDS:
        rows = samples["samples"].get(kind, [])
        times = [r[1] for r in rows]
        errors = sum(1 for r in rows if not r[2])
        everything += times
        total_errors += errors
        kinds[kind] = {"requests": len(rows), "rps": len(rows) / duration, "p50_ms": percentile(times, 50),
                       "cache_hits": samples.get("cache_hits", {}).get(kind, 0),
                       "p95_ms": percentile(times, 95), "p99_ms": percentile(times, 99),
                       "max_ms": max(times) if times else float("nan"),
                       "mean_ms": sum(times) / len(times) if times else float("nan"), "errors": errors}
    total = {"requests": len(everything), "rps": len(everything) / duration, "p50_ms": percentile(everything, 50),
             "p95_ms": percentile(everything, 95), "p99_ms": percentile(everything, 99),
             "max_ms": max(everything) if everything else float("nan"),
             "mean_ms": sum(everything) / len(everything) if everything else float("nan"), "errors": total_errors,
             "cache_hits": sum(samples.get("cache_hits", {}).values())}
    return {"duration_s": duration, "kinds": kinds, "total": total}


def timeline(samples: dict[str, Any], rounds: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The load in time slices (by when requests started): requests, p95 of all and of searches,
    errors, and what the background import was doing (a round that ended in the slice swapped
    its changes into the database and the index then)."""
    started, stopped = samples["started"], samples["stopped"]
    duration = max(stopped - started, 1e-9)
    step = 10.0 if duration >= 30 else max(1.0, math.ceil(duration / 5))
    slices: list[dict[str, Any]] = []
    for n in range(int(math.ceil(duration / step))):
        low, high = n * step, min((n + 1) * step, duration)
        everything, searches, errors = [], [], 0
        for kind, rows in samples["samples"].items():
            for start, ms, ok in rows:
                if low <= start - started < high or (n == 0 and start - started < 0):
                    everything.append(ms)
                    errors += not ok
                    if kind == "search":
                        searches.append(ms)
        doing = []
        for r in rounds:
            begin, end = r["offset_s"], r["offset_s"] + r["seconds"]
            if low <= end < high:
                doing.append(f"round {r['number']} ended at {end:.0f} s")
            elif begin < high and end >= low:
                doing.append(f"round {r['number']} running")
        slices.append({"from_s": low, "to_s": high, "requests": len(everything),
                       "p95_ms": percentile(everything, 95), "search_p95_ms": percentile(searches, 95),
                       "errors": errors, "import": ", ".join(doing)})
    return slices


def targets(summary: dict[str, Any]) -> list[dict[str, Any]]:
    found = [{"what": "errors", "target": "0", "value": summary["total"]["errors"],
              "met": summary["total"]["errors"] == 0}]
    for kind, limit in TARGETS.items():
        value = summary["kinds"][kind]["p95_ms"]
        found.append({"what": f"{kind} p95", "target": f"< {limit:.0f} ms", "value": value,
                      "met": not math.isnan(value) and value < limit})
    return found


def report(result: dict[str, Any]) -> None:
    summary, config = result["summary"], result["config"]
    print()
    found = result["collection"]
    label = "SYNTHETIC" if result["synthetic"] else f"NOT SYNTHETIC (collection {found['id']!r})"
    print(f"{label} load benchmark: {found['segments']:,} segments, {found['people']:,} people"
          + (f" (seed {found['seed']})" if found.get("seed") is not None else "")
          + f", {result['visible_people']:,} people visible to anonymous visitors")
    print(f"machine: {result['machine']['cpus']} CPUs, Python {result['machine']['python']}, "
          f"{result['machine']['platform']}")
    print(f"archive code measured: {result['machine']['code']}")
    print(f"database: {result.get('database', 'sqlite')}; homes: {', '.join(result.get('homes') or [result['home']])}")
    print(f"servers: {config['processes']} × archive serve (waitress, {config['threads']} threads) on 127.0.0.1 "
          f"ports {', '.join(str(p) for p in config['ports'])}; locust {config['users']} users "
          f"(FastHttpUser, think time {config['wait'][0]:g}–{config['wait'][1]:g} s, started over "
          f"{config.get('ramp_s', 0):g} s) for {config['duration_s']} s; "
          f"background import: {'on' if config['background_import'] else 'off'}"
          + (f" at nice {config['import_nice']}" if config.get("import_nice") else "")
          + (f", started {config['import_lead_s']:.0f} s before the load" if config.get("import_lead_s") else "")
          + "; page cache: " + ("the servers' default" if config.get("page_cache_mb") is None
                                else "off" if config["page_cache_mb"] == 0 else f"{config['page_cache_mb']} MB"))
    print()
    print(f"## Requests ({label}, {summary['duration_s']:.1f} s of load; ms, measured by the client)")
    rows = []
    for kind in KINDS:
        k = summary["kinds"][kind]
        rows.append([kind, f"{k['requests']:,}", _num(k["rps"]), _num(k["p50_ms"]), _num(k["p95_ms"]),
                     _num(k["p99_ms"]), _num(k["max_ms"]), f"{k['errors']:,}", _share(k)])
    t = summary["total"]
    rows.append(["total", f"{t['requests']:,}", _num(t["rps"]), _num(t["p50_ms"]), _num(t["p95_ms"]),
                 _num(t["p99_ms"]), _num(t["max_ms"]), f"{t['errors']:,}", _share(t)])
    print(table(["kind", "requests", "req/s", "p50", "p95", "p99", "max", "errors", "from page cache"], rows))
    print()
    print("## Targets (issue 6: 20 concurrent clients, 100k segments)")
    print(table(["what", "target", "measured", "met"],
                 [[x["what"], x["target"], _num(x["value"]) + ("" if x["what"] == "errors" else " ms"),
                   "met" if x["met"] else "NOT MET"] for x in result["targets"]]))
    if result["failures"]:
        print()
        print("## Errors (first kinds)")
        for text, count in sorted(result["failures"].items(), key=lambda kv: -kv[1])[:10]:
            print(f"- {count} × {text}")
    print()
    background = result["background_import"]
    if background:
        print("## Background import (archive import of an edited copy, round after round)")
        rows = [[str(r["number"]), _num(r["offset_s"]), _num(r["seconds"]), _num(r["cpu_seconds"]),
                 str(r["returncode"]), "yes" if r["during_load"] else "no"] for r in background["rounds"]]
        print(table(["round", "started at s", "seconds", "CPU s", "exit", "overlaps the load"], rows))
        print(f"imports completed during the load: {background['completed_during_load']}, failed: "
              f"{background['failed']}; an import was running for {background['busy_share'] * 100:.0f}% of the load"
              + ("; the last one was killed at the end" if background.get("killed") else "")
              + (f"; importer error: {background['error']}" if background.get("error") else ""))
        print()
    profile = result.get("profile")
    if profile:
        print(f"## Where the servers' time goes (py-spy, {profile['samples']:,} samples of busy threads at 100/s)")
        print(table(["project function (inclusive)", "samples", "share"],
                     [[name, f"{count:,}", f"{share * 100:.0f}%"] for name, count, share in profile["inclusive"]]))
        print()
        print(table(["function (self)", "samples", "share"],
                     [[name, f"{count:,}", f"{share * 100:.0f}%"] for name, count, share in profile["self"]]))
        print()
    print("## Over time (by when requests started; ms)")
    print(table(["seconds", "requests", "p95 all", "p95 search", "errors", "background import"],
                 [[f"{x['from_s']:.0f}–{x['to_s']:.0f}", f"{x['requests']:,}", _num(x["p95_ms"]),
                   _num(x["search_p95_ms"]), f"{x['errors']:,}", x["import"] or "—"] for x in result["timeline"]]))
    print()
    cpu = result["cpu_seconds"]
    print("## CPU during the load (seconds of CPU over the load's wall time; the machine has "
          f"{result['machine']['cpus']} CPUs)")
    print(", ".join(f"{name} {_num(value)} s" for name, value in cpu.items() if value is not None))
    load = result["load_average"]
    print(f"load average (1, 5, 15 min): before the servers started {load['before']}, when the load started "
          f"{load['load_start']}, when it ended {load['load_end']}")
    print(f"uptime at the end: {load['uptime']}")
    print("warm-up (one request of each kind per server, not counted; slowest ms): "
          + ", ".join(f"{k} {_num(v)}" for k, v in result["warm_up_ms"].items()))
    print("Every request is a GET without redirects; anything but a 2xx (or an export that is not CSV) is an "
          "error. Times include the wait in waitress's queue; with no think time, each user has one request "
          "in flight at all times, so the latency is mostly queueing once the CPUs are busy.", flush=True)


# --- main ------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--segments", type=int, default=100_000, help="SYNTHETIC segments to generate")
    parser.add_argument("--people", type=int, help="interviewees (default: segments / 30)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it; the collection and the imported "
                                                   "home are reused when their parameters match")
    parser.add_argument("--home", type=Path, action="append",
                        help="serve this prepared archive home instead (nothing is generated); with --database-url, "
                             "once per web node of that database")
    parser.add_argument("--database-url", help="with --home: the database the homes share (an SQLAlchemy URL, e.g. "
                                               "PostgreSQL's), instead of each home's own SQLite file")
    parser.add_argument("--collection", type=Path, help="with --home: the collection it was imported from (for "
                                                         "the background import)")
    parser.add_argument("--users", type=int, default=20, help="concurrent locust users")
    parser.add_argument("--duration", type=_seconds, default=60, help="how long the load runs (60s, 2m)")
    parser.add_argument("--wait", type=_wait, default=(0.0, 0.0),
                        help="think time of a user between requests, seconds: 0 (none) or MIN-MAX, e.g. 1-3")
    parser.add_argument("--ramp", type=float,
                        help="seconds over which the users start, one after another (locust's spawn rate is "
                             "users / ramp). Default: the longest think time with --wait (a running population's "
                             "requests are spread over it; all users firing their first request in the same "
                             "millisecond is an artefact of the harness), 0 (all at once) without")
    parser.add_argument("--processes", default="1", help="waitress server processes: a number, or 'auto' (CPUs)")
    parser.add_argument("--threads", type=int, default=4, help="waitress threads per process (archive serve's default)")
    parser.add_argument("--background-import", action=argparse.BooleanOptionalAction, default=True,
                        help="re-import an edited copy of the collection while the load runs")
    parser.add_argument("--import-people", type=int, default=5, help="people edited per background import round")
    parser.add_argument("--import-lead", type=float, default=0.0,
                        help="start the background import this many seconds before the load (at 100k segments "
                             "an import takes minutes: a lead puts its database write and index update, which the "
                             "servers then reload, inside the load)")
    parser.add_argument("--import-grace", type=float, default=600.0,
                        help="seconds to let the running background import finish after the load")
    parser.add_argument("--import-nice", type=int, default=10,
                        help="CPU priority of the background import (nice -n; 0: the same as the servers). "
                             "10, as a deployment runs its imports: a batch job that yields to the site")
    parser.add_argument("--page-cache-mb", type=int, help="each server's page cache (ARCHIVE_PAGE_CACHE_MB; "
                        "0 turns it off; default: the server's own)")
    parser.add_argument("--searches", type=int, default=200, help="distinct searches in the deterministic list")
    parser.add_argument("--profile", action="store_true",
                        help="sample the servers with py-spy during the load and report where their time goes")
    parser.add_argument("--ready-timeout", type=float, default=180.0,
                        help="seconds the servers may take to answer (a web node of a shared database without an "
                             "index builds it first)")
    parser.add_argument("--json", type=Path, help="also write the result as JSON here")
    args = parser.parse_args(argv)

    if args.processes == "auto":
        processes = os.cpu_count() or 1
    elif args.processes.isdigit() and int(args.processes) >= 1:
        processes = int(args.processes)
    else:
        parser.error("--processes must be a whole number >= 1 or 'auto'")
    if args.users < 1 or args.duration < 1:
        parser.error("--users and --duration must be at least 1")
    ramp = args.wait[1] if args.ramp is None else args.ramp
    if ramp < 0 or ramp >= args.duration:
        parser.error(f"--ramp ({ramp:g} s{', the longest think time' if args.ramp is None else ''}) must be "
                     f"at least 0 and shorter than --duration ({args.duration} s)")
    if args.database_url and not args.home:
        parser.error("--database-url needs --home (once per web node)")
    for home in args.home or []:
        if not args.database_url and not (home / "archive.sqlite3").exists():
            parser.error(f"--home {home}: no archive.sqlite3 there")
    if args.home and args.background_import and not args.collection:
        parser.error("--home needs --collection DIR for the background import (or --no-background-import)")

    workdir = args.keep or Path(tempfile.mkdtemp(prefix="load-benchmark-"))
    workdir.mkdir(parents=True, exist_ok=True)
    rundir = workdir / "load-run"
    shutil.rmtree(rundir, ignore_errors=True)
    (rundir / "logs").mkdir(parents=True)
    servers: list[Server] = []
    importer: BackgroundImporter | None = None
    try:
        homes, collection, meta, prepared = prepare(args, workdir)
        home, url = homes[0], database_url(homes[0], args.database_url)
        people = visible_people(url)
        if not people:
            raise SystemExit(f"no person in {home} is visible to anonymous visitors")
        stances, themes = _vocabulary(url)
        searches = build_searches(meta, stances, themes, args.searches, 0.6, "search")
        export_searches = build_searches(meta, stances, themes, args.searches, 1.0, "export")
        load_before = _loadavg()

        _log(f"starting {processes} × archive serve ({args.threads} threads) …")
        servers = start_servers(homes, collection, processes, args.threads, rundir / "logs", args.page_cache_mb,
                                args.database_url)
        wait_ready(servers, args.ready_timeout, nodes=bool(args.database_url))
        warm = warm_up(servers, ["/", f"/people/{people[0]}", f"/search?{searches[0]}",
                                 f"/search/export.csv?{export_searches[0]}", f"/people/{people[0]}/export.csv"])
        labels = dict(zip(["/", f"/people/{people[0]}", f"/search?{searches[0]}",
                           f"/search/export.csv?{export_searches[0]}", f"/people/{people[0]}/export.csv"],
                          KINDS, strict=False))
        warm_ms = {labels[path]: ms for path, ms in warm.items()}

        if args.background_import:
            assert collection is not None
            _log("starting the background import loop …")
            importer = BackgroundImporter(home, collection, rundir / "import-copy", rundir / "logs",
                                          args.import_people, args.import_nice, args.database_url)
            importer.start()
            if args.import_lead > 0:
                _log(f"letting the import run {args.import_lead:.0f} s before the load …")
                time.sleep(args.import_lead)

        config = {"hosts": [s.url for s in servers], "person_ids": people, "searches": searches,
                  "export_searches": export_searches, "weights": WEIGHTS, "wait": list(args.wait),
                  "seed": args.seed, "samples": str(rundir / "samples.json"), "duration_s": args.duration}
        for server in servers:
            server.cpu_start = _cpu_seconds(server.process.pid)
        profilers = start_profilers(servers, args.duration + 2, rundir) if args.profile else []
        load_start = _loadavg()
        _log(f"load: {args.users} locust users for {args.duration} s …")
        load_started = time.time()
        rc, locust_log = run_locust(config, rundir, args.users, args.duration, ramp)
        load_ended = time.time()
        load_end = _loadavg()
        for server in servers:
            server.cpu_end = _cpu_seconds(server.process.pid)
        samples_file = rundir / "samples.json"
        if rc != 0 or not samples_file.exists():
            raise SystemExit(f"locust failed ({rc}):\n{_tail(locust_log)}")
        samples = json.loads(samples_file.read_text(encoding="utf-8"))
        for profiler, _ in profilers:
            try:
                profiler.wait(timeout=60)
            except subprocess.TimeoutExpired:
                profiler.send_signal(signal.SIGINT)
                profiler.wait(timeout=30)
        profile = profile_summary([out for _, out in profilers]) if profilers else None

        background: dict[str, Any] | None = None
        if importer is not None:
            if importer.is_alive():
                _log("waiting for the running background import to finish …")
            killed = importer.stop(args.import_grace)
            start, end = samples["started"], samples["stopped"]
            busy = 0.0
            rounds = []
            for r in importer.rounds:
                overlap = max(0.0, min(end, r.started + r.seconds) - max(start, r.started))
                busy += overlap
                rounds.append({"number": r.number, "offset_s": r.started - start, "seconds": r.seconds,
                               "cpu_seconds": r.cpu_seconds, "returncode": r.returncode,
                               "during_load": overlap > 0, "edited": r.edited, "summary": r.summary})
            background = {
                "rounds": rounds, "people_per_round": args.import_people, "killed": killed,
                "completed_during_load": sum(1 for r in importer.rounds
                                             if start <= r.started + r.seconds <= end and r.returncode == 0),
                "failed": sum(1 for r in importer.rounds if r.returncode != 0),
                "busy_share": busy / max(end - start, 1e-9), "error": importer.error,
            }

        summary = summarize(samples)
        slices = timeline(samples, background["rounds"] if background else [])
        server_cpu = [(s.cpu_end - s.cpu_start) if s.cpu_start is not None and s.cpu_end is not None else None
                      for s in servers]
        import_cpu = None
        if background:  # the share of each round's CPU that fell inside the load
            import_cpu = sum(r["cpu_seconds"] * max(0.0, min(samples["stopped"], r_start + r["seconds"])
                                                    - max(samples["started"], r_start)) / max(r["seconds"], 1e-9)
                             for r in background["rounds"] for r_start in [samples["started"] + r["offset_s"]])
        cpu: dict[str, float | None] = {f"server {i + 1}": v for i, v in enumerate(server_cpu)}
        cpu["locust"] = samples.get("locust_cpu_seconds")
        if import_cpu is not None:
            cpu["background import (prorated)"] = import_cpu
        uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip() if shutil.which("uptime") \
            else str(_loadavg())
        result = {
            "synthetic": collection_counts(url)["synthetic"],
            "command": " ".join([Path(sys.argv[0]).name, *(argv if argv is not None else sys.argv[1:])]),
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                        "code": code_version()},
            "collection": {**{k: meta.get(k) for k in ("seed", "relatives", "words")}, **collection_counts(url)},
            "prepared": prepared, "home": str(home), "homes": [str(h) for h in homes],
            "database": "sqlite" if url.startswith("sqlite") else url.split(":", 1)[0].split("+", 1)[0],
            "visible_people": len(people),
            "config": {"processes": processes, "threads": args.threads, "ports": [s.port for s in servers],
                       "users": args.users, "duration_s": args.duration, "wait": list(args.wait), "ramp_s": ramp,
                       "weights": WEIGHTS, "searches": len(searches), "background_import": args.background_import,
                       "import_lead_s": args.import_lead if args.background_import else None,
                       "import_nice": args.import_nice if args.background_import else None,
                       "page_cache_mb": args.page_cache_mb},
            "summary": summary, "timeline": slices, "targets": targets(summary),
            "failures": samples.get("failures", {}),
            "background_import": background, "cpu_seconds": cpu,
            "load_average": {"before": load_before, "load_start": load_start, "load_end": load_end,
                             "uptime": uptime},
            "warm_up_ms": warm_ms, "load_wall": [load_started, load_ended], "profile": profile,
            "locust_csv": str(rundir / "locust_stats.csv"),
        }
        report(result)
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    finally:
        if importer is not None and importer.is_alive():
            importer.stop(0)
        stop_servers(servers)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
