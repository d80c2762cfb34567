"""Damage is found and named, not met by a crash (issue 20, item 13).

A really damaged SQLite file (pages in its middle overwritten) and a truncated index segment:
``archive check`` names each damaged part on one line (SQLite's ``PRAGMA integrity_check``,
the index opened as a search opens it) and exits 1 without a traceback; other commands say the
index is damaged instead of "Aborted!"; the site answers a 503 page with the security headers
on every page while the archive is damaged, and answers as before once it is repaired.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import DATA, copy_home
from webapp import create_app
from webapp.security import HEADERS

pytestmark = pytest.mark.slow  # damaged files met by real commands

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["/", "/people", "/search?q=family", "/api/search?q=family", "/api/people",
         "/oai?verb=ListRecords&metadataPrefix=oai_dc", "/search/export.csv?q=family"]


def run_archive(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "archive.cli.main", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def damage_database(home: Path) -> None:
    """Overwrite the first pages of the people's and quotes' tables: the file and its schema still
    open, those tables do not read."""
    path = home / "archive.sqlite3"
    with sqlite3.connect(path) as connection:
        page_size = connection.execute("PRAGMA page_size").fetchone()[0]
        roots = [row[0] for row in connection.execute(
            "SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name IN ('person', 'quote')")]
    connection.close()
    assert len(roots) == 2
    with path.open("r+b") as database:
        for root in roots:
            database.seek((root - 1) * page_size)
            database.write(b"\xa5" * 64)


def truncate_index(home: Path) -> None:
    segment = next((home / "index").rglob("*.seg"))
    with segment.open("r+b") as data:
        data.truncate(segment.stat().st_size // 2)


@pytest.fixture
def damaged_database(imported_data_home, tmp_path) -> Path:
    home = copy_home(imported_data_home, tmp_path / "home")
    damage_database(home)
    return home


@pytest.fixture
def truncated_index(imported_data_home, tmp_path) -> Path:
    home = copy_home(imported_data_home, tmp_path / "home")
    truncate_index(home)
    return home


def test_check_names_a_damaged_database_in_one_line_each(damaged_database):
    done = run_archive("--home", str(damaged_database), "check", str(DATA))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    damaged = [line for line in done.stderr.splitlines() if line.startswith("database: ")]
    assert damaged and all("archive.sqlite3" in line and "damaged" in line for line in damaged)
    assert "archive restore" in done.stderr


def test_check_names_a_truncated_index(truncated_index):
    done = run_archive("--home", str(truncated_index), "check", str(DATA))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    [line] = [line for line in done.stderr.splitlines() if line.startswith("search index: ")]
    assert "cannot be read" in line and "archive reindex" in line


def test_a_healthy_archive_passes_the_check(imported_data_home, tmp_path):
    done = run_archive("--home", str(copy_home(imported_data_home, tmp_path / "home")), "check", str(DATA))
    assert done.returncode == 0, done.stderr
    assert "consistent with the database" in done.stdout


def test_other_commands_say_the_index_is_damaged(truncated_index):
    done = run_archive("--home", str(truncated_index), "search", "family")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "Aborted!" not in done.stderr
    assert done.stderr.startswith("error: search index: ")


def test_other_commands_say_the_database_is_damaged(damaged_database):
    done = run_archive("--home", str(damaged_database), "stats")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("error: the archive's database file is damaged")


def test_serve_refuses_a_database_it_cannot_open_in_one_line(imported_data_home, tmp_path):
    home = copy_home(imported_data_home, tmp_path / "home")
    with (home / "archive.sqlite3").open("r+b") as database:
        database.write(b"not an SQLite file at all")  # over the header
    done = run_archive("--home", str(home), "serve", "--port", "0")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("error: the archive's database file is damaged")


def _site(home: Path, **config: object):
    return create_app({"ARCHIVE_HOME": str(home), "TESTING": True, "WTF_CSRF_ENABLED": False, **config})


def _assert_unavailable(response) -> None:
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    for name, value in HEADERS.items():
        assert response.headers[name] == value, name


def test_the_site_answers_503_while_the_database_is_damaged(damaged_database):
    app = _site(damaged_database)
    try:
        client = app.test_client()
        for page in PAGES:
            _assert_unavailable(client.get(page))
        page = client.get("/people").get_data(as_text=True)
        assert "unavailable" in page and "Traceback" not in page and "sqlite" not in page.lower()
    finally:
        app.extensions["archive"].close()


def test_the_site_answers_503_while_the_index_is_damaged_and_200_once_rebuilt(imported_data_home, tmp_path):
    home = copy_home(imported_data_home, tmp_path / "home")
    kept = tmp_path / "kept-index"
    shutil.copytree(home / "index", kept)
    truncate_index(home)
    app = _site(home, ARCHIVE_DAMAGE_RECHECK_SECONDS=0)
    try:
        client = app.test_client()
        for page in PAGES:  # pages that never search as well: the archive as a whole is unavailable
            _assert_unavailable(client.get(page))
        shutil.rmtree(home / "index")
        shutil.copytree(kept, home / "index")
        for page in PAGES:
            assert client.get(page).status_code == 200, page
    finally:
        app.extensions["archive"].close()


@pytest.mark.parametrize("path", ["/api/people/igor", "/api/search?q=stalin"])
def test_the_api_met_first_on_a_damaged_database_answers_503(damaged_database, path):
    """The first request after the damage is an API call: it too is a 503 (a problem document),
    not a 500 that hides why."""
    app = _site(damaged_database)
    try:
        response = app.test_client().get(path)
        _assert_unavailable(response)
        assert "Traceback" not in response.get_data(as_text=True)
    finally:
        app.extensions["archive"].close()
