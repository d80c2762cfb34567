"""What the benchmark scripts share: the code they measured and the tables they print."""

from __future__ import annotations

import math
import subprocess
import time
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


REFERENCE_ADDITIONS = 3_000_000


def reference_seconds(additions: int = REFERENCE_ADDITIONS) -> float:
    """The time of a fixed piece of pure-Python work (a loop of additions), best of three.

    A shared machine changes speed from minute to minute. Printed beside a run's figures, it
    says roughly how fast the machine was around the run. Only roughly: the speed
    also changes within seconds, and a loop of additions does not share the import's use of
    memory, so compare runs by their CPU time per segment first."""
    best = math.inf
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for i in range(additions):
            total += i
        best = min(best, time.perf_counter() - started)
    return best


def describe_speed(before: float, after: float, additions: int = REFERENCE_ADDITIONS) -> str:
    """One line on the machine's speed during a run (``reference_seconds`` before and after)."""
    return (f"machine speed: {additions:,} additions in a Python loop took {1000 * before:.0f} ms before the run "
            f"and {1000 * after:.0f} ms after it (best of three; lower is faster; a rough guide, as the speed "
            f"also changes within seconds)")


def table(headers: list[str], rows: list[list[str]]) -> str:
    """A Markdown table, numbers right-aligned, so a report pastes into a note as it is."""
    widths = [max(len(str(x)) for x in column) for column in zip(headers, *rows, strict=False)]
    lines = ["| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=False)) + " |",
             "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                                         for i, (c, w) in enumerate(zip(row, widths, strict=False))) + " |")
    return "\n".join(lines)


def percentile(values: list[float], pct: float) -> float:
    """The ``pct`` percentile, interpolated between the two nearest values (NaN for none)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)
