"""Failures of the machine and hostile OHMS files end an ``archive`` command with one clear
line and a non-zero exit, never a traceback, and leave the archive as it was (issue 20, item 14).

Each case runs the real ``archive`` command in a subprocess: a second import while another
process holds the database's write lock, a disk that fills up during an import or a reindex
(the subprocess runs under ``RLIMIT_FSIZE``, so a write past the limit fails as it would on a
full disk), and malformed, billion-laughs, too deep, huge-text and oversized OHMS files.
"""

from __future__ import annotations

import os
import resource
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from archive.facade import Archive
from archive.interchange.ohms import MAX_OHMS_BYTES
from archive.search.request import SearchRequest
from tests.support import DATA, FIXTURES, copy_home

pytestmark = pytest.mark.slow  # real commands meeting a held lock, a full disk and hostile files

ROOT = Path(__file__).resolve().parents[2]


def run_archive(*args: str, file_size_limit: int | None = None, timeout: float = 300,
                env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The ``archive`` command (``archive.cli.main``) in a fresh interpreter."""

    def limit() -> None:
        if file_size_limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_size_limit, file_size_limit))

    return subprocess.run([sys.executable, "-m", "archive.cli.main", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, preexec_fn=limit,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})


def assert_one_clear_line(done: subprocess.CompletedProcess, *words: str) -> str:
    assert done.returncode != 0
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, done.stderr
    for word in words:
        assert word in errors[0], errors[0]
    return errors[0]


def contents(home: Path) -> dict:
    """What the archive shows: its people and what a search finds (opened after the command)."""
    archive = Archive.open(home)
    try:
        result = archive.search(SearchRequest(query="", per_page=100))
        check = archive.check_index()
        return {"hits": sorted(hit.id for hit in result.hits), "index_ok": check.ok, "total": result.total}
    finally:
        archive.close()


# --- the database held by another process ---------------------------------------------------------------


def test_a_second_import_while_another_holds_the_lock_says_so(imported_fixture_home, tmp_path):
    """The command waits for the other writer as long as ``ARCHIVE_WRITE_WAIT_SECONDS`` says, then
    says the archive is busy."""
    home = copy_home(imported_fixture_home, tmp_path / "home")
    before = contents(home)
    holder = sqlite3.connect(home / "archive.sqlite3")
    try:
        holder.execute("BEGIN IMMEDIATE")  # what a running import holds
        started = time.monotonic()
        done = run_archive("--home", str(home), "import", str(DATA), env={"ARCHIVE_WRITE_WAIT_SECONDS": "1.5"})
        waited = time.monotonic() - started
    finally:
        holder.rollback()
        holder.close()
    assert_one_clear_line(done, "busy")
    assert waited >= 1.5
    assert contents(home) == before


def test_a_writer_waits_for_another_to_finish_within_the_write_wait(imported_fixture_home, tmp_path):
    """Another writer that lets go within the wait: the import waits for it and then runs."""
    home = copy_home(imported_fixture_home, tmp_path / "home")
    holder = sqlite3.connect(home / "archive.sqlite3", check_same_thread=False)  # let go by the timer's thread
    holder.execute("BEGIN IMMEDIATE")
    releaser = threading.Timer(1.0, holder.rollback)
    releaser.start()
    try:
        done = run_archive("--home", str(home), "import", str(DATA), env={"ARCHIVE_WRITE_WAIT_SECONDS": "60"})
    finally:
        releaser.join()
        holder.close()
    assert done.returncode == 0, done.stderr[-3000:]
    assert contents(home)["total"] > 0


@pytest.mark.parametrize("variable, value", [("ARCHIVE_WRITE_WAIT_SECONDS", "soon"),
                                             ("ARCHIVE_WRITE_WAIT_SECONDS", "-1"),
                                             ("ARCHIVE_IMPORT_WORKERS", "two")])
def test_a_setting_with_a_value_it_cannot_take_is_one_line(tmp_path, variable, value):
    done = run_archive("--home", str(tmp_path / "home"), "import", str(DATA), env={variable: value})
    line = assert_one_clear_line(done, variable, repr(value))
    assert "must be" in line
    assert not (tmp_path / "home" / "archive.sqlite3").exists()


# --- a full disk ------------------------------------------------------------------------------------


def test_a_full_disk_while_the_database_is_written(tmp_path):
    done = run_archive("--home", str(tmp_path / "home"), "import", str(FIXTURES / "collection"),
                       file_size_limit=64 * 1024)
    assert_one_clear_line(done, "could not write", "free some space")


def test_a_full_disk_during_an_import_leaves_the_archive_as_it_was(imported_fixture_home, tmp_path):
    home = copy_home(imported_fixture_home, tmp_path / "home")
    before = contents(home)
    largest = max(path.stat().st_size for path in home.rglob("*") if path.is_file())
    done = run_archive("--home", str(home), "import", str(DATA), file_size_limit=largest + 16 * 1024)
    assert_one_clear_line(done, "could not write", "as it was")
    assert contents(home) == before


def test_a_full_disk_during_a_reindex_leaves_the_archive_as_it_was(imported_data_home, tmp_path):
    home = copy_home(imported_data_home, tmp_path / "home")
    before = contents(home)
    segments = [path.stat().st_size for path in (home / "index").rglob("*.seg")]
    done = run_archive("--home", str(home), "reindex", file_size_limit=max(segments) // 2)
    assert_one_clear_line(done, "could not write")
    assert contents(home) == before


# --- hostile OHMS files -----------------------------------------------------------------------------------

_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE ROOT [<!ENTITY l0 "lol">'
           + "".join(f'<!ENTITY l{n} "{("&l" + str(n - 1) + ";") * 10}">' for n in range(1, 10))
           + "]>\n<ROOT><record><title>&l9;</title></record></ROOT>")


@pytest.mark.parametrize("name, content, words", [
    ("malformed", "<ROOT><record><title>x</title>\n</ROOT>", ["not well-formed", ":2: "]),
    ("billion-laughs", _LAUGHS, ["not well-formed"]),
    ("too-deep", "<ROOT><record>" + "<a>" * 5000 + "</a>" * 5000 + "</record></ROOT>", ["not well-formed", "depth"]),
    ("huge-text", "<ROOT><record><title>" + "x" * (11 * 1024 * 1024) + "</title></record></ROOT>",
     ["not well-formed", "too long"]),
])
def test_hostile_ohms_files_are_one_clear_line(tmp_path, name, content, words):
    path = tmp_path / f"{name}.xml"
    path.write_text(content, encoding="utf-8")
    collection = tmp_path / "collection"
    done = run_archive("import-ohms", str(path), "--into", str(collection))
    line = assert_one_clear_line(done, str(path), *words)
    assert "\n" not in line
    assert not collection.exists()


def test_an_ohms_file_over_the_limit_is_not_read(tmp_path):
    """The size is checked before reading: a sparse file past the limit is refused as it is."""
    path = tmp_path / "huge.xml"
    with path.open("wb") as sparse:
        sparse.truncate(MAX_OHMS_BYTES + 1)
    done = run_archive("import-ohms", str(path), "--into", str(tmp_path / "collection"))
    assert_one_clear_line(done, str(path), "not read")
