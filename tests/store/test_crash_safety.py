"""Crash safety: ``archive import`` and ``archive reindex`` killed with SIGKILL anywhere.

Real subprocesses of the real command line, killed for real: at named points inside the
critical windows (``ARCHIVE_CRASH_AT``, ``archive/store/crashpoints.py``), and at times spread over
the measured duration of an uninterrupted run. After each kill the archive is opened (which
recovers) and must hold the old collection or the new one, never a mix, with an index that
agrees with the database and finds what it holds.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import func, select

from archive.cli.main import main
from archive.facade import Archive
from archive.search.index_state import named_build
from archive.search.request import SearchRequest
from archive.store import models
from archive.store.crashpoints import ENVIRONMENT_VARIABLE, POINTS

pytestmark = pytest.mark.slow  # real processes killed at many points and times

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ARCHIVE = Path(sys.executable).with_name("archive")
PEOPLE, QUOTES = 12, 8  # synthetic people added to the fixture, to give the kills something to land in
# Kill delays: these fractions of an uninterrupted run's work, counted from the moment the process opens
# the database (its write-ahead log appears), so that the kills spread over the work whatever Python's
# start-up takes on a loaded machine.
FRACTIONS = [k / 6 for k in range(1, 7)]
WORDS = "camp war victory parade winter bread letter factory village river prison train mother memory".split()


def _person(i: int, rng: random.Random) -> dict:
    return {
        "id": f"synth-{i:03d}", "name": f"Synthetic Person {i}", "role": "interviewee",
        "stance": {"value": "critic", "basis": "described", "rationale": "Synthetic.", "coded_by": "test suite",
                   "source": "synthetic-notes"},
        "portrait": {"text": {"en": f"SYNTHETIC portrait number {i}."}, "sources": [{"source": "synthetic-notes"}]},
        "quotes": [{"id": f"synth-{i:03d}-q{j:02d}", "original_language": "en", "themes": ["the-war"],
                    "text": {"en": " ".join(rng.choice(WORDS) for _ in range(40)) + "."},
                    "stance": "critic", "source": "synthetic-notes"} for j in range(QUOTES)],
    }


def _write_person(folder: Path, person: dict) -> None:
    (folder / "people" / f"{person['id']}.yaml").write_text(
        "# SYNTHETIC test person\n" + yaml.safe_dump(person, allow_unicode=True, sort_keys=False), encoding="utf-8")


@dataclass(frozen=True)
class Signature:
    people: tuple[str, ...]
    quotes: int
    camps_text: str | None


@dataclass
class Observed:
    signature: Signature
    named: str | None
    rolled_forward: bool
    pewter_hits: int


@dataclass
class States:
    old_home: Path
    old: Signature
    new: Signature
    old_build: str
    import_seconds: float  # of work, from opening the database to exiting
    reindex_seconds: float
    new_collection: Path


def _env(crash_at: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ARCHIVE_HOME", ENVIRONMENT_VARIABLE)}
    if crash_at:
        env[ENVIRONMENT_VARIABLE] = crash_at
    return env


def _start(home: Path, *args: str, crash_at: str | None = None) -> subprocess.Popen:
    return subprocess.Popen([str(ARCHIVE), "--home", str(home), *args], env=_env(crash_at),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait_until_the_database_is_open(home: Path, process: subprocess.Popen) -> float:
    """Seconds until the process opened the database (the template home has no -wal file: a clean close)."""
    started = time.monotonic()
    while not (home / "archive.sqlite3-wal").exists() and process.poll() is None:
        time.sleep(0.002)
    return time.monotonic() - started


def _run(home: Path, *args: str, crash_at: str | None = None, kill_after: float | None = None,
         process: subprocess.Popen | None = None) -> int:
    if kill_after is not None:
        assert not (home / "archive.sqlite3-wal").exists(), "the start is seen when the log appears"
    process = process or _start(home, *args, crash_at=crash_at)
    if kill_after is not None:
        _wait_until_the_database_is_open(home, process)
        try:
            process.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
    _, err = process.communicate()
    if process.returncode not in (0, -signal.SIGKILL):
        raise AssertionError(f"archive {' '.join(args)} failed ({process.returncode}): {err.decode()}")
    return process.returncode


def _timed_work(home: Path, *args: str) -> float:
    """Seconds an uninterrupted run works, from opening the database to exiting."""
    assert not (home / "archive.sqlite3-wal").exists()
    process = _start(home, *args)
    _wait_until_the_database_is_open(home, process)
    opened = time.monotonic()
    assert _run(home, *args, process=process) == 0
    return time.monotonic() - opened


def _signature(archive: Archive) -> Signature:
    with archive.engine.connect() as conn:
        people = tuple(conn.scalars(select(models.Person.id).order_by(models.Person.id)))
        quotes = conn.scalar(select(func.count()).select_from(models.Quote)) or 0
        camps = conn.scalar(select(models.QuoteText.text).where(models.QuoteText.quote_id == "anna-camps",
                                                               models.QuoteText.lang == "en"))
    return Signature(people, quotes, camps)


def _named_and_current(home: Path) -> tuple[str | None, str | None]:
    """Read without recovering: what the database names, what CURRENT names (leaves a -wal file behind)."""
    with sqlite3.connect(f"file:{home / 'archive.sqlite3'}?mode=ro", uri=True) as conn:
        row = conn.execute("SELECT build FROM index_state").fetchone()
    pointer = home / "index" / "CURRENT"
    return (row[0] if row else None), (pointer.read_text().strip() if pointer.exists() else None)


def _observe(home: Path) -> Observed:
    """Open the archive (recovery runs) and check every promise; return what it holds."""
    archive = Archive.open(home)
    try:
        signature = _signature(archive)
        check = archive.check_index()
        assert check.ok, check.problems
        store = archive.index.store
        named = archive.recovery.named if archive.recovery else None
        assert store.current_name() == named, "CURRENT names the build the database names"
        assert all(store.is_complete(b) for b in store.builds()), f"half-written builds left: {store.builds()}"
        assert archive.search(SearchRequest(query="camps")).total > 0, "the index is never empty"
        assert archive.search(SearchRequest(query="memory")).total > 0
        found = archive.search(SearchRequest(query="pewter"))  # in the new collection only
        pewter = 0 if found.corrected_query else found.total  # (not "winter", its correction)
        return Observed(signature, named, bool(archive.recovery and archive.recovery.rolled_forward), pewter)
    finally:
        archive.close()


@pytest.fixture(scope="module")
def states(tmp_path_factory) -> States:
    root = tmp_path_factory.mktemp("crash")
    old = root / "old"
    shutil.copytree(FIXTURES / "collection", old)
    rng = random.Random(6)
    people = [_person(i, rng) for i in range(PEOPLE)]
    for person in people:
        _write_person(old, person)
    new = root / "new"  # an edited version: a changed quote, a removed person, an added one
    shutil.copytree(old, new)
    anna = new / "people" / "anna-synthetic.yaml"
    anna.write_text(anna.read_text(encoding="utf-8").replace(
        "en: We lived in camps, and everything was grey.", "en: We lived in camps, and everything was pewter."),
        encoding="utf-8")
    (new / "people" / "synth-002.yaml").unlink()
    people[5]["quotes"][0]["text"]["en"] = "A changed synthetic memory of the parade."
    _write_person(new, people[5])
    _write_person(new, {**_person(PEOPLE, rng), "id": "synth-added"})

    old_home = root / "old-home"  # set up in this process: the kills below are what runs as a command
    archive = Archive.open(old_home)
    try:
        archive.import_collection(old)
    finally:
        archive.close()
    new_home = root / "new-home"
    shutil.copytree(old_home, new_home)
    import_seconds = _timed_work(new_home, "import", str(new))
    reindex_home = root / "reindex-home"
    shutil.copytree(old_home, reindex_home)
    reindex_seconds = _timed_work(reindex_home, "reindex")
    old_observed, new_observed = _observe(old_home), _observe(new_home)
    assert old_observed.signature != new_observed.signature
    assert (old_observed.pewter_hits, new_observed.pewter_hits > 0) == (0, True)
    return States(old_home, old_observed.signature, new_observed.signature, old_observed.named, import_seconds,
                  reindex_seconds, new)


def _trial_home(states: States, tmp_path: Path, name: str) -> Path:
    home = tmp_path / name
    shutil.copytree(states.old_home, home)
    return home


def _assert_old_or_new(states: States, observed: Observed) -> str:
    assert observed.signature in (states.old, states.new), "the database is the old collection or the new one"
    which = "old" if observed.signature == states.old else "new"
    assert (observed.pewter_hits > 0) == (which == "new"), "the index holds the same version as the database"
    return which


# --- import ------------------------------------------------------------------------------


def _killed_at_each_point(states: States, tmp_path: Path, points: tuple[str, ...], *args: str):
    """Every point at once (they do not depend on timing): (point, build named before, named and current after)."""
    homes = {point: _trial_home(states, tmp_path, point) for point in points}
    before = {point: _named_and_current(home)[0] for point, home in homes.items()}
    started = {point: _start(home, *args, crash_at=point) for point, home in homes.items()}
    for point, process in started.items():
        assert _run(homes[point], *args, process=process) == -signal.SIGKILL, f"{point} was not reached"
    for point, home in homes.items():
        yield point, home, before[point], _named_and_current(home)


def test_import_killed_at_each_point_is_old_or_new(states, tmp_path):
    for point, home, before, (named, current) in _killed_at_each_point(
            states, tmp_path, POINTS, "import", str(states.new_collection)):
        if point == "db-committed":  # the window between the commit and the swap: the pair disagrees on disk…
            assert named != before and current == before
        observed = _observe(home)  # …until the archive is opened
        expected = "old" if POINTS.index(point) < POINTS.index("db-committed") else "new"
        assert _assert_old_or_new(states, observed) == expected, point
        assert observed.rolled_forward == (point == "db-committed"), point


def test_import_killed_at_random_times_is_old_or_new(states, tmp_path):
    outcomes = []
    for k, fraction in enumerate(FRACTIONS):
        home = _trial_home(states, tmp_path, f"t{k}")
        delay = fraction * states.import_seconds
        code = _run(home, "import", str(states.new_collection), kill_after=delay)
        outcomes.append((round(delay, 2), code, _assert_old_or_new(states, _observe(home))))
    assert any(code == -signal.SIGKILL for _, code, _ in outcomes), outcomes
    print(f"\nimport: {states.import_seconds:.2f} s of work uninterrupted; "
          f"(kill after s, exit status, state): {outcomes}")


# --- reindex -----------------------------------------------------------------------------


def test_reindex_killed_at_each_point_keeps_a_consistent_pair(states, tmp_path):
    for point, home, before, _ in _killed_at_each_point(states, tmp_path, POINTS[1:], "reindex"):
        observed = _observe(home)
        assert observed.signature == states.old, point
        assert (observed.named != before) == (POINTS.index(point) >= POINTS.index("db-committed")), point
        assert observed.rolled_forward == (point == "db-committed"), point


def test_reindex_killed_at_random_times_keeps_a_consistent_pair(states, tmp_path):
    outcomes = []
    for k, fraction in enumerate(FRACTIONS):
        home = _trial_home(states, tmp_path, f"t{k}")
        delay = fraction * states.reindex_seconds
        code = _run(home, "reindex", kill_after=delay)
        observed = _observe(home)
        assert observed.signature == states.old
        outcomes.append((round(delay, 2), code, "old build" if observed.named == states.old_build else "new build"))
    assert any(code == -signal.SIGKILL for _, code, _ in outcomes), outcomes
    print(f"\nreindex: {states.reindex_seconds:.2f} s of work uninterrupted; "
          f"(kill after s, exit status, index): {outcomes}")


# --- the protocol's other promises, in process ---------------------------------------------


def _edited(tmp_path: Path, text: str = "pewter") -> Path:
    folder = tmp_path / f"collection-{text}"
    shutil.copytree(FIXTURES / "collection", folder)
    anna = folder / "people" / "anna-synthetic.yaml"
    anna.write_text(anna.read_text(encoding="utf-8").replace(
        "en: We lived in camps, and everything was grey.", f"en: We lived in camps, and everything was {text}."),
        encoding="utf-8")
    return folder


def _contents(folder: Path) -> dict[str, tuple[int, bytes]]:
    return {p.name: (p.stat().st_ino, p.read_bytes()) for p in folder.iterdir() if p.is_file()}


def test_an_incremental_update_links_segments_and_never_writes_the_build_it_starts_from(tmp_path):
    archive = Archive.open(tmp_path / "home")
    archive.import_collection(FIXTURES / "collection")
    store = archive.index.store
    base = store.current_name()
    before = _contents(store.folder(base))
    archive.import_collection(_edited(tmp_path))
    new = store.current_name()
    assert new != base and archive.recovery is not None
    after = _contents(store.folder(base))
    assert {name: after.get(name) for name in before} == before, "the previous build's files are untouched"
    linked = {name for name, (inode, _) in _contents(store.folder(new)).items()
              if name in before and before[name][0] == inode}
    assert any(name.endswith(".seg") for name in linked), linked  # the segment is shared, not copied
    assert archive.check_index().ok
    with archive.engine.connect() as conn:
        assert named_build(conn) == new
    archive.close()


def test_a_reindex_builds_again_when_an_import_commits_meanwhile(tmp_path):
    home = tmp_path / "home"
    archive, archivist = Archive.open(home), Archive.open(home)  # as two processes would
    archive.import_collection(FIXTURES / "collection")
    edited = _edited(tmp_path)
    attempts = []

    def progress(documents, _total):  # type: ignore[no-untyped-def]
        attempts.append(1)
        if len(attempts) == 1:  # while the first build is being written, an import commits
            archivist.import_collection(edited)
        return documents

    archive.reindex(progress)
    assert len(attempts) == 2
    assert archive.check_index().ok
    assert "anna-camps" in {h.id for h in archive.search(SearchRequest(query="pewter")).hits}
    assert len(archive.index.store.builds()) <= 2  # the current one and the newest previous one
    archive.close()
    archivist.close()


def test_a_build_the_database_names_but_that_is_missing_is_reported_with_its_repair(tmp_path):
    home = tmp_path / "home"
    archive = Archive.open(home)
    archive.import_collection(FIXTURES / "collection")
    archive.import_collection(_edited(tmp_path))  # a second build, so the first stays as the previous one
    store = archive.index.store
    named = store.current_name()
    previous = next(b for b in store.builds() if b != named)
    archive.close()
    store.point_to(previous)  # as if CURRENT were restored from elsewhere …
    shutil.rmtree(store.folder(named))  # … and the build the database names deleted by hand
    archive = Archive.open(home)
    assert archive.recovery.problem and named in archive.recovery.problem
    check = archive.check_index()
    assert not check.ok and named in check.problems[0]
    archive.close()
    runner = CliRunner()
    result = runner.invoke(main, ["--home", str(home), "check", str(FIXTURES / "collection")])
    assert result.exit_code == 1 and "repair it with: archive reindex" in result.output
    assert runner.invoke(main, ["--home", str(home), "reindex"]).exit_code == 0
    result = runner.invoke(main, ["--home", str(home), "check", str(FIXTURES / "collection")])
    assert result.exit_code == 0 and "consistent with the database" in result.output, result.output
