"""How many processes read a collection's people files: the ``ARCHIVE_IMPORT_WORKERS`` setting
(``archive/settings.py``), used from ``PARALLEL_FILES`` files on, never in a process that runs
other threads; the files are then really read by other processes, and taken back in order."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from archive.collection.loader import PARALLEL_FILES, each_person, worker_processes
from archive.collection.yaml_source import YamlLimits
from archive.settings import IMPORT_WORKERS_VARIABLE, default_import_workers, resolve


def reader_and_name(path: Path, display: str, limits: YamlLimits) -> tuple[int, str]:
    """A job for ``each_person``: which process read the file, and which file it was."""
    return os.getpid(), path.name


def some_files(folder: Path, count: int) -> list[Path]:
    paths = []
    for n in range(count):
        path = folder / f"person-{n:03}.yaml"
        path.write_text(f"id: person-{n:03}\n", encoding="utf-8")
        paths.append(path)
    return paths


def test_worker_processes_follow_the_setting_from_the_file_count_on() -> None:
    assert worker_processes(0, 10_000) == 0
    assert worker_processes(1, 10_000) == 0
    assert worker_processes(2, PARALLEL_FILES - 1) == 0
    assert worker_processes(2, PARALLEL_FILES) == 2
    assert worker_processes(3, 5, parallel_from=5) == 3
    assert worker_processes(2, 1, parallel_from=1) == 0  # one file: nothing to share out


def test_a_process_that_runs_threads_reads_its_files_itself() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert worker_processes(2, 10_000) == 0
    finally:
        stop.set()
        thread.join()


@pytest.mark.parametrize("workers", [0, 1, 2])
def test_files_are_read_by_the_worker_processes_and_come_back_in_order(tmp_path: Path, workers: int) -> None:
    paths = some_files(tmp_path, 40)
    ticked: list[Path] = []

    def progress(files: list[Path]):  # type: ignore[no-untyped-def]
        for path in files:
            ticked.append(path)
            yield path

    results = list(each_person(paths, YamlLimits(), reader_and_name, progress, workers, parallel_from=8))
    assert [name for _, name in results] == [path.name for path in paths]
    assert ticked == paths
    readers = {pid for pid, _ in results}
    if workers < 2:
        assert readers == {os.getpid()}
    else:
        assert os.getpid() not in readers and 1 <= len(readers) <= workers


def test_below_the_file_count_the_files_are_read_here(tmp_path: Path) -> None:
    paths = some_files(tmp_path, 7)
    results = list(each_person(paths, YamlLimits(), reader_and_name, None, 2, parallel_from=8))
    assert {pid for pid, _ in results} == {os.getpid()}


@pytest.mark.parametrize("value, expected", [("0", 0), ("1", 1), ("3", 3), (" 2 ", 2)])
def test_the_setting_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, value: str,
                                                expected: int) -> None:
    monkeypatch.setenv(IMPORT_WORKERS_VARIABLE, value)
    assert resolve(tmp_path).import_workers == expected


def test_the_default_is_at_most_two_and_at_most_the_cpus(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(IMPORT_WORKERS_VARIABLE, raising=False)
    assert resolve(tmp_path).import_workers == default_import_workers() == min(2, os.cpu_count() or 1)
    assert resolve(tmp_path, import_workers=0).import_workers == 0  # given explicitly, the environment is not read


@pytest.mark.parametrize("value", ["lots", "-1", "1.5"])
def test_a_setting_that_is_not_a_count_is_refused_clearly(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                          value: str) -> None:
    monkeypatch.setenv(IMPORT_WORKERS_VARIABLE, value)
    with pytest.raises(ValueError, match=IMPORT_WORKERS_VARIABLE) as raised:
        resolve(tmp_path)
    assert repr(value) in str(raised.value)
