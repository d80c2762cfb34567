"""The collector kept off what an import reads and keeps (``archive/store/gc_pause.py``), and only that."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import pytest

from archive.collection.loader import read_collection
from archive.store.gc_pause import ObjectsKept
from archive.facade import Archive


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


@pytest.fixture(autouse=True)
def _nothing_frozen():  # type: ignore[no-untyped-def]
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_what_is_made_is_frozen_every_so_often_and_given_back_at_the_end() -> None:
    with ObjectsKept(every=3) as kept:
        kept_objects = [[object()] for _ in range(1000)]
        kept.made()
        kept.made()
        assert gc.get_freeze_count() == 0
        kept.made()
        assert gc.get_freeze_count() >= 1000  # what existed on the third piece
    assert gc.get_freeze_count() == 0
    assert kept_objects


def test_new_garbage_is_still_collected_meanwhile() -> None:
    with ObjectsKept(every=1) as kept:
        kept.made()
        node = _Node()
        alive = weakref.ref(node)
        del node
        gc.collect()
        assert alive() is None


def test_a_cycle_dropped_after_the_import_is_collected() -> None:
    with ObjectsKept(every=1) as kept:
        node = _Node()
        alive = weakref.ref(node)
        kept.made()  # frozen with the rest
        del node
        gc.collect()
        assert alive() is not None  # out of the collector's sight while frozen
    gc.collect()
    assert alive() is None  # given back, and freed


def test_objects_frozen_by_the_process_itself_stay_frozen() -> None:
    gc.freeze()  # as a pre-forking server does
    before = gc.get_freeze_count()
    assert before > 0
    with ObjectsKept(every=1) as kept:
        kept.made()
        kept.freeze_now()
        assert not kept.active
    assert gc.get_freeze_count() == before


def _noting_frozen(function, counts: list[int]):  # type: ignore[no-untyped-def]
    """``function``, noting how many objects are frozen each time it is called."""
    def noted(*args):  # type: ignore[no-untyped-def]
        counts.append(gc.get_freeze_count())
        return function(*args)

    return noted


def test_reading_and_importing_leave_nothing_frozen(tmp_path: Path, fixture_collection: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from archive.collection import loader as collection_loader
    monkeypatch.setattr(collection_loader, "ObjectsKept", lambda: ObjectsKept(every=1))
    frozen_while_reading: list[int] = []
    monkeypatch.setattr(collection_loader, "_check_person",
                        _noting_frozen(collection_loader._check_person, frozen_while_reading))
    collection = read_collection(fixture_collection, workers=1)
    assert collection.people and frozen_while_reading[-1] > 0  # the files read before were frozen
    assert gc.get_freeze_count() == 0
    from archive.store import folder_import
    frozen_while_writing: list[int] = []
    monkeypatch.setattr(folder_import, "keyed_person_rows",
                        _noting_frozen(folder_import.keyed_person_rows, frozen_while_writing))
    archive = Archive.open(tmp_path / "home")
    try:
        archive.import_collection(fixture_collection)
        assert frozen_while_writing and frozen_while_writing[0] > 0  # the rows read back, out of sight
        assert gc.get_freeze_count() == 0
    finally:
        archive.close()
