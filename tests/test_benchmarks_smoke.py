"""The benchmark scripts still run: both in --smoke mode, as a user would run them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


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
                    "import: read + validate YAML", "reindex (Archive.reindex, procs=1)",
                    "SQLite FTS5 build", "cold first query", "(a) single terms", "(b) phrases",
                    "(c) term + stance=critic", "ratio p95"):
        assert heading in done.stdout, heading
