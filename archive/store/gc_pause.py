"""Keeping Python's cyclic garbage collector off the objects a large import builds to keep.

Reading a collection builds millions of objects that all live until the import ends (the
validated people, quotes, texts). Each time allocations pass its threshold, the collector
walks the younger generations, and every so often all of them: at 100k segments that walking
was 40% of the time taken to read the YAML, and a tenth of the database write. None of these
objects is garbage, so ``gc.freeze()`` moves them out of its sight as they are made, and
``gc.unfreeze()`` gives them back (to the oldest generation) when the import is done, so
that they are collected as usual once dropped. New garbage is still collected meanwhile.

A process that froze objects of its own (a pre-forking server does, before it forks) is left
alone: freezing here would hand its objects back at the end.
"""

from __future__ import annotations

import gc
from types import TracebackType


class ObjectsKept:
    """``with ObjectsKept() as kept:`` … ``kept.made()`` after each piece that stays alive."""

    def __init__(self, every: int = 64):
        self.every = every
        self.active = False
        self._count = 0

    def __enter__(self) -> "ObjectsKept":
        self.active = gc.get_freeze_count() == 0
        return self

    def made(self) -> None:
        """One more piece built to keep: every ``every`` pieces, what exists now is frozen."""
        self._count += 1
        if self.active and self._count % self.every == 0:
            gc.freeze()

    def freeze_now(self) -> None:
        if self.active:
            gc.freeze()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if self.active:
            gc.unfreeze()
