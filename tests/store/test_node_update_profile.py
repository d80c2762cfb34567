"""The node update profile (``benchmarks/node_update_profile.py``) runs end to end on a tiny SYNTHETIC collection."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_profile_of_a_one_person_node_update_runs(tmp_path: Path) -> None:
    figures = tmp_path / "profile.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "node_update_profile.py"), "--segments", "60",
                           "--no-wait", "--top", "3", "--json", str(figures)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    [result] = json.loads(figures.read_text(encoding="utf-8"))["results"]
    assert (result["segments"], result["action"], result["people"], result["check_ok"]) == (60, "updated", 1, True)
    assert "sync_once" in result["profile"] and result["cpu_seconds"] > 0
    assert "| 60 | updated | 1 |" in done.stdout
