"""The start-up benchmark runs, and the command line's help loads none of the heavy libraries."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def test_startup_benchmark_smoke(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(BENCHMARKS / "startup.py"), "--smoke"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "| command | median wall s | median CPU s | target wall s |" in done.stdout
    for command in ("archive --help", "archive search WORD"):
        row = re.search(rf"^\| {re.escape(command)} \| (\d+\.\d\d) \| (\d+\.\d\d) \| \d\.\d \|$", done.stdout, re.M)
        assert row, (command, done.stdout)
        assert float(row.group(1)) > 0, done.stdout
    assert "heavy libraries loaded by `archive --help`: none" in done.stdout, done.stdout
