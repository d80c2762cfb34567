"""Locust users for ``benchmarks/load_benchmark.py`` (SYNTHETIC collection): not meant to run alone.

The driver writes a JSON configuration and names it in ``$LOAD_BENCHMARK_CONFIG``:

    hosts        the base URLs of the waitress processes; user i talks to hosts[i % len(hosts)]
    person_ids   ids of people an anonymous visitor may see (read from the database)
    searches     query strings of searches with facets (``q=…&stance=…&theme=…``), deterministic
    weights      task weights per kind of request (see KINDS)
    wait         [min, max] seconds of think time between two requests of a user ([0, 0]: none)
    duration_s   how long the load lasts from its start (then the locustfile stops locust)
    seed         for the choice of tasks, people and searches
    samples      where to write every request's timing when locust quits

Every request is a GET without redirects; anything but a 2xx answer (or an export that is
not CSV) is a failure. The timings locust measures are also written raw to ``samples``, so
that the driver computes exact percentiles (locust's own CSV rounds them).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import resource
import time
from pathlib import Path
from typing import Any

import gevent
from locust import FastHttpUser, between, constant, events, task

KINDS = ("home", "person", "search", "export search csv", "export person csv")

_CONFIG_FILE = os.environ.get("LOAD_BENCHMARK_CONFIG")
if not _CONFIG_FILE:
    raise SystemExit("benchmarks/locustfile.py is run by benchmarks/load_benchmark.py "
                     "($LOAD_BENCHMARK_CONFIG names its configuration)")
CONFIG: dict[str, Any] = json.loads(Path(_CONFIG_FILE).read_text(encoding="utf-8"))

_SAMPLES: dict[str, list[list[float]]] = {kind: [] for kind in KINDS}  # kind -> [start, ms, ok]
_FAILURES: dict[str, int] = {}
_CACHE_HITS: dict[str, int] = {}  # kind -> answers the server's page cache gave (X-Archive-Cache: hit)
_STATE: dict[str, Any] = {}
_USER_NUMBERS = itertools.count()


@events.test_start.add_listener
def _started(environment: Any = None, **_: Any) -> None:
    _STATE["started"] = time.time()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    _STATE["cpu_start"] = usage.ru_utime + usage.ru_stime
    if CONFIG.get("duration_s") and environment is not None and environment.runner is not None:
        # the load lasts duration_s from its real start (locust's --run-time also counts its own start-up)
        gevent.spawn_later(CONFIG["duration_s"], environment.runner.quit)


@events.test_stop.add_listener
def _stopped(**_: Any) -> None:
    _STATE["stopped"] = time.time()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    _STATE["cpu_seconds"] = usage.ru_utime + usage.ru_stime - _STATE.get("cpu_start", 0.0)


@events.request.add_listener
def _record(name: str, response_time: float, exception: BaseException | None = None,
            start_time: float | None = None, **_: Any) -> None:
    _SAMPLES.setdefault(name, []).append([start_time or 0.0, response_time, exception is None])
    if exception is not None:
        key = f"{name}: {exception}"[:300]
        _FAILURES[key] = _FAILURES.get(key, 0) + 1


@events.quitting.add_listener
def _write_samples(**_: Any) -> None:
    Path(CONFIG["samples"]).write_text(json.dumps({
        "started": _STATE.get("started"), "stopped": _STATE.get("stopped") or time.time(),
        "locust_cpu_seconds": _STATE.get("cpu_seconds"), "samples": _SAMPLES, "failures": _FAILURES,
        "cache_hits": _CACHE_HITS,
    }), encoding="utf-8")


def _wait_time():  # type: ignore[no-untyped-def]
    low, high = CONFIG.get("wait", [0, 0])
    return constant(low) if low == high else between(low, high)


class ArchiveVisitor(FastHttpUser):
    """One visitor of the site: home, people, searches with facets, and downloads.

    A visitor deals its requests from a shuffled deck holding each kind as often as its
    weight, so the mix is exactly the weights; visitor n's first deck starts with kinds 2n
    and 2n + 1, so that three visitors have asked for every kind after two requests each."""

    host = CONFIG["hosts"][0]
    wait_time = _wait_time()

    def __init__(self, environment: Any) -> None:
        self.number = next(_USER_NUMBERS)
        self.host = CONFIG["hosts"][self.number % len(CONFIG["hosts"])]  # before the client is made
        self.rng = random.Random(f"{CONFIG.get('seed', 1)}-user-{self.number}")
        self.deck: list[str] = []
        self.dealt = 0
        super().__init__(environment)

    def _next_kind(self) -> str:
        if not self.deck:
            kinds = [k for k in KINDS if CONFIG["weights"].get(k)]
            self.deck = [k for k in kinds for _ in range(int(CONFIG["weights"][k]))]
            self.rng.shuffle(self.deck)
            if not self.dealt:
                for kind in reversed([kinds[(2 * self.number + i) % len(kinds)] for i in range(2)]):
                    self.deck.remove(kind)
                    self.deck.append(kind)  # popped first
        self.dealt += 1
        return self.deck.pop()

    def _get(self, kind: str, path: str) -> None:
        with self.client.get(path, name=kind, catch_response=True, allow_redirects=False) as response:
            status = response.status_code or 0
            if not 200 <= status < 300:
                response.failure(f"HTTP {status}")
            elif kind.startswith("export") and not (response.headers.get("Content-Type") or "").startswith("text/csv"):
                response.failure(f"export answered {response.headers.get('Content-Type')!r}, not CSV")
            elif not response.content:
                response.failure("empty body")
            else:
                if response.headers.get("X-Archive-Cache") == "hit":
                    _CACHE_HITS[kind] = _CACHE_HITS.get(kind, 0) + 1
                response.success()

    def _path(self, kind: str) -> str:
        if kind == "home":
            return "/"
        if kind == "person":
            return f"/people/{self.rng.choice(CONFIG['person_ids'])}"
        if kind == "search":
            return f"/search?{self.rng.choice(CONFIG['searches'])}"
        if kind == "export search csv":
            return f"/search/export.csv?{self.rng.choice(CONFIG['export_searches'])}"
        return f"/people/{self.rng.choice(CONFIG['person_ids'])}/export.csv"

    @task
    def visit(self) -> None:
        kind = self._next_kind()
        self._get(kind, self._path(kind))
