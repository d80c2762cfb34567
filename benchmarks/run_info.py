"""What a benchmark measured: shared by the benchmark scripts so every report names its code."""

from __future__ import annotations

import subprocess
from pathlib import Path


def code_version() -> str:
    """Which ``archive`` package runs, and its git commit when it is a checkout (read-only git calls)."""
    try:
        import archive
    except ImportError:
        return "archive not importable"
    folder = Path(archive.__file__).resolve().parent
    try:
        commit = subprocess.run(["git", "-C", str(folder), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "--no-optional-locks", "-C", str(folder), "status", "--porcelain", "--", "."],
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit, dirty = "", ""
    if not commit:
        return f"{folder} (not a git checkout)"
    return f"{folder} at commit {commit}" + (" with uncommitted changes" if dirty else "")
