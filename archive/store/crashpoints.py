"""Test instrumentation: die at a named point of an import or a reindex.

``ARCHIVE_CRASH_AT=db-committed archive import data/`` kills the process with SIGKILL (no
cleanup, no ``finally``, no atexit: as a power cut or the OOM killer would) when it reaches
that point. ``tests/store/test_crash_safety.py`` uses it to land kills inside the windows that
matter; random-time kills alone rarely hit them. Unset, it costs one dictionary lookup.

The points, in the order an import passes them (``archive/search/index_state.py``):

    db-written       the import's rows are written, not committed, no new index build yet
    index-building   the new index build has its first document (copy or rebuild under way)
    index-built      the new build is complete and the database names it, not committed
    db-committed     the database is committed, CURRENT still names the previous build
    swapped          CURRENT names the new build, old builds not yet collected

A reindex passes the same points from ``index-building`` on. A schema upgrade has one point of its
own, not in ``POINTS``: ``schema-revision-applied`` (a revision ran, not yet committed); so has a
node's update (``archive/search/node_sync.py``): ``node-version-written`` (``NODE`` names the new
build, ``CURRENT`` still the old one).
"""

from __future__ import annotations

import os
import signal

ENVIRONMENT_VARIABLE = "ARCHIVE_CRASH_AT"
POINTS = ("db-written", "index-building", "index-built", "db-committed", "swapped")


def crash_point(name: str) -> None:
    """SIGKILL this process if ``$ARCHIVE_CRASH_AT`` names this point."""
    if os.environ.get(ENVIRONMENT_VARIABLE) == name:
        os.kill(os.getpid(), signal.SIGKILL)
