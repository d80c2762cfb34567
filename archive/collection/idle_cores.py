"""How many CPU cores are idle now: whether worker processes would have a core to run on.

The load average is a one-minute mean: a command that ended seconds ago still counts, so an
import started right after a rebuild saw no spare core (load 1.0 on 2 cores) and read its
files in one process at half the speed. Linux's ``/proc/stat`` gives the idle time of every
core since boot; two readings a tenth of a second apart say how idle they are now. Elsewhere
the load average is the estimate.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

PROC_STAT = Path("/proc/stat")
SAMPLE_S = 0.1
_IDLE_COLUMNS = (3, 4)  # idle, iowait (after user, nice, system)


def _cpu_times() -> tuple[int, int] | None:
    """All cores' (idle, total) time in ticks since boot, or None where /proc/stat is not."""
    try:
        first = PROC_STAT.read_text().split("\n", 1)[0].split()
    except OSError:
        return None
    if not first or first[0] != "cpu":
        return None
    ticks = [int(value) for value in first[1:]]
    return sum(ticks[i] for i in _IDLE_COLUMNS if i < len(ticks)), sum(ticks[:8])  # not guest time, counted in user


def idle_cores(sample_s: float = SAMPLE_S) -> float:
    """The number of cores idle over the next ``sample_s`` seconds (a fraction of ``os.cpu_count()``)."""
    cores = os.cpu_count() or 1
    before = _cpu_times()
    if before is not None:
        time.sleep(sample_s)
        after = _cpu_times()
        if after is not None and after[1] > before[1]:
            return cores * (after[0] - before[0]) / (after[1] - before[1])
    try:
        return max(0.0, cores - os.getloadavg()[0])
    except (AttributeError, OSError):
        return float(cores)
