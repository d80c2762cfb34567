"""Idle cores now, not over the last minute (``archive/collection/idle_cores.py``): whether an import's
files are read by worker processes."""

from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path

import pytest

from archive.collection import loader as collection_loader
from archive.collection import idle_cores
def _spin(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def test_idle_cores_are_a_share_of_the_machine() -> None:
    found = idle_cores.idle_cores()
    assert 0.0 <= found <= (os.cpu_count() or 1)


def test_busy_cores_are_not_idle() -> None:
    cores = os.cpu_count() or 1
    spinners = [multiprocessing.get_context("fork").Process(target=_spin, args=(3.0,)) for _ in range(cores)]
    for process in spinners:
        process.start()
    try:
        time.sleep(0.5)  # every spinner running
        assert idle_cores.idle_cores(0.5) < collection_loader.SPARE_CORE
        assert not collection_loader._spare_cores()  # the files are read in this process
    finally:
        for process in spinners:
            process.join()


def test_without_proc_stat_the_load_average_is_the_estimate(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(idle_cores, "PROC_STAT", tmp_path / "no-such-file")
    assert idle_cores._cpu_times() is None
    cores = os.cpu_count() or 1
    expected = max(0.0, cores - os.getloadavg()[0])
    assert idle_cores.idle_cores() == pytest.approx(expected, abs=0.5)


def test_a_process_that_runs_threads_reads_its_files_itself() -> None:
    import threading

    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not collection_loader._spare_cores()
    finally:
        stop.set()
        thread.join()
