"""The relevance benchmark's smoke run: a few judged queries per category meet the target."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.perf
def test_relevance_smoke_meets_the_target_in_every_category():
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "relevance.py"), "--smoke", "--check"],
                         capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    for category in ("case forms", "word families", "names across scripts and genders", "withheld data"):
        assert f"| {category} |" in run.stdout
    assert "in every category: met" in run.stdout
