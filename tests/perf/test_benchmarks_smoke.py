"""The benchmark scripts still run: both in --smoke mode, as a user would run them."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _run(script: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(BENCHMARKS / script), *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def test_generator_smoke(tmp_path: Path) -> None:
    out = tmp_path / "synthetic"
    done = _run("generate_synthetic.py", "--smoke", "--out", str(out), "--seed", "3", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "SYNTHETIC collection written" in done.stdout
    assert "| segments" in done.stdout
    assert (out / "collection.yaml").is_file() and (out / "vocabulary.yaml").is_file()
    assert len(list((out / "people").glob("*.yaml"))) == 10


def test_search_benchmark_smoke(tmp_path: Path) -> None:
    done = _run("search_benchmark.py", "--smoke", "--keep", str(tmp_path / "work"), cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    for heading in ("## Import and index", "## Sizes and memory", "## Search latency",
                    "import: YAML → DB (read, check and write the files, one pass)",
                    "reindex (Archive.reindex, procs=1)",
                    "SQLite FTS5 build", "µs per segment", "cold first query", "(a) single terms", "(b) phrases",
                    "(c) term + stance=critic", "ratio p95", "p99", "tantivy"):
        assert heading in done.stdout, heading
    speed = re.search(r"machine speed: 3,000,000 additions in a Python loop took (\d+) ms before the run "
                      r"and (\d+) ms after it", done.stdout)
    assert speed and all(int(ms) > 0 for ms in speed.groups()), done.stdout


def test_load_benchmark_smoke(tmp_path: Path) -> None:
    """A tiny load run: waitress serves, locust drives it, a background import runs; every kind answers."""
    import json

    result_file = tmp_path / "load.json"
    done = subprocess.run([sys.executable, str(BENCHMARKS / "load_benchmark.py"), "--segments", "300", "--users", "3",
                           "--duration", "3s", "--processes", "1", "--wait", "0.1-0.3",
                           "--keep", str(tmp_path / "work"), "--json", str(result_file)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    for heading in ("SYNTHETIC load benchmark", "## Requests", "## Targets", "## Background import",
                    "| kind", "req/s", "p95", "p99", "errors"):
        assert heading in done.stdout, heading
    result = json.loads(result_file.read_text(encoding="utf-8"))
    assert result["synthetic"] is True
    assert result["config"]["ramp_s"] == 0.3  # with a think time, users start over the longest one
    for kind in ("home", "person", "search", "export search csv", "export person csv"):
        figures = result["summary"]["kinds"][kind]
        assert figures["requests"] > 0, kind
        assert figures["errors"] == 0, (kind, result["failures"])
        assert f"| {kind} " in done.stdout, kind
    assert result["summary"]["total"]["errors"] == 0, result["failures"]
    assert result["background_import"]["rounds"], "no background import ran"
    assert result["background_import"]["failed"] == 0, result["background_import"]["rounds"]


def test_page_costs_smoke(tmp_path: Path) -> None:
    """CPU per kind of page, cold and warm, on a tiny SYNTHETIC home."""
    from archive.facade import Archive

    collection = tmp_path / "collection"
    assert _run("generate_synthetic.py", "--smoke", "--out", str(collection), cwd=tmp_path).returncode == 0
    archive = Archive.open(tmp_path / "home")
    try:
        archive.import_collection(collection)
    finally:
        archive.close()
    done = _run("page_costs.py", "--home", str(tmp_path / "home"), "--collection", str(collection), "--people", "3",
                "--searches", "3", "--homes", "1", "--repeat", "1", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    for heading in ("CPU ms per request", "| home", "| person", "| search", "| export search csv",
                    "| export person csv", "cold p50", "warm p95"):
        assert heading in done.stdout, heading


@pytest.mark.slow  # a PostgreSQL cluster of its own, four imports, a served node, then two under load
def test_postgres_benchmark_smoke(tmp_path: Path) -> None:
    """The PostgreSQL side of the benchmark (the SQLite side runs the same code on another URL):
    every figure of the table is printed, and the JSON holds them; the load reaches both nodes."""
    import json

    result_file = tmp_path / "postgres.json"
    done = subprocess.run([sys.executable, str(BENCHMARKS / "postgres_benchmark.py"), "--smoke",
                           "--databases", "postgresql", "--keep", str(tmp_path / "work"), "--json", str(result_file)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SYNTHETIC PostgreSQL benchmark: 150 segments" in done.stdout
    header = next(line for line in done.stdout.splitlines() if line.startswith("| measure"))
    assert "PostgreSQL" in header
    for measure in ("import rate (YAML → database)", "… of which the importer's own first index build",
                    "node: update for 1 changed person", "node: update for 5 changed people",
                    "lag: import commit → node serves it (median)", "load: search p50 / p95", "load: person p50 / p95"):
        [row] = [line for line in done.stdout.splitlines() if line.startswith(f"| {measure} ")]
        assert re.search(r"\d", row.split("|")[2]), row  # the figure in PostgreSQL's column
    result = json.loads(result_file.read_text(encoding="utf-8"))
    assert result["synthetic"] is True
    figures = result["results"]["postgresql"]
    assert figures["import_rate"] > 0 and figures["update_one_action"] == "updated"
    assert all(round_["lag_from_commit"] > -0.5 for round_ in figures["lag_rounds"])  # (polled: a few ms early)
    load = figures["load"]
    assert load["nodes"] == 2 and load["summary"]["total"]["errors"] == 0
    assert all(load["summary"]["kinds"][kind]["requests"] > 0 for kind in ("search", "person"))
