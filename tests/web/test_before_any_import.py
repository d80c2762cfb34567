"""An archive served or searched before anything was imported into it (a new home): search says
in one line, or on a short page, that there is no index yet and how one is made; nothing fails
with a traceback or a 500, and the pages that need no index answer as usual."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from webapp import create_app


@pytest.mark.slow
def test_a_search_in_a_new_home_says_how_to_make_the_index(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "archive.cli.main", "--home", str(tmp_path / "home"),
                           "search", "camp"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "archive import" in done.stderr and "archive reindex" in done.stderr


@pytest.mark.slow
def test_the_site_of_a_new_home_answers_search_with_503_and_says_why(tmp_path: Path) -> None:
    client = create_app({"ARCHIVE_HOME": str(tmp_path / "home"), "TESTING": True}).test_client()
    assert client.get("/").status_code == 200
    assert client.get("/people").status_code == 200
    page = client.get("/search?q=camp")
    assert page.status_code == 503 and page.headers["Retry-After"]
    assert "no search index yet" in page.get_data(as_text=True)
    assert "поискового индекса" in client.get("/search?q=camp&lang=ru").get_data(as_text=True)
    api = client.get("/api/search?q=camp")
    assert api.status_code == 503 and api.mimetype == "application/problem+json"
    assert "no search index" in api.get_json()["detail"]
    assert client.get("/").status_code == 200  # not taken for damage: the other pages go on answering
