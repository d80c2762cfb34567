"""Searches while an import runs (issue 20, item 1): a response is built from one version of the
data, and what it shows passes the visibility rule of that version.

The race is run for real: one thread re-imports the collection over and over, cycling a quote of a
public person through three versions (public; restricted with a marker sentence added; removed),
while other threads search for it anonymously through the site and the API. A searcher that
matched on the build before an import's commit and read the rows after it would show the marker
sentence (restricted in the rows it read), or fail on the removed quote; no response may do either.
All people and texts are synthetic.
"""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from archive.facade import Archive
from tests.support import FIXTURES
from webapp import create_app

MARKER = "Zebrafinchovo"  # in the quote's text only while the quote is restricted
QUERY = "harvest"
IMPORTS = 24  # eight of each version
SEARCH_THREADS = 3

pytestmark = pytest.mark.slow


def _person(version: str) -> dict[str, Any]:
    """A public synthetic person whose second quote changes with ``version``."""
    quotes: list[dict[str, Any]] = [{
        "id": "flip-steady", "text": {"en": "A synthetic steady passage about the harvest festival."},
        "original_language": "en", "themes": ["the-war"], "stance": "critic", "source": "synthetic-notes",
    }]
    if version == "public":
        quotes.append({"id": "flip-quote", "text": {"en": "A synthetic public passage about the harvest."},
                       "original_language": "en", "themes": ["the-war"], "stance": "critic",
                       "source": "synthetic-notes"})
    elif version == "restricted":
        quotes.append({"id": "flip-quote",
                       "text": {"en": f"{MARKER} said a synthetic public passage about the harvest."},
                       "original_language": "en", "themes": ["the-war"], "stance": "critic",
                       "source": "synthetic-notes",
                       "visibility": {"status": "restricted", "reason": "synthetic restriction for the race test"}})
    return {
        "id": "flip-synthetic", "name": "Flip (synthetic)", "role": "interviewee",
        "stance": {"value": "critic", "basis": "stated", "rationale": "Synthetic rationale.",
                   "coded_by": "test suite", "source": "synthetic-notes"},
        "portrait": {"text": {"en": "A synthetic narrator for the race test."},
                     "sources": [{"source": "synthetic-notes"}]},
        "quotes": quotes,
    }


def _write(collection: Path, version: str) -> None:
    path = collection / "people" / "flip-synthetic.yaml"
    path.write_text(yaml.safe_dump(_person(version), allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_no_search_during_imports_shows_withheld_text_or_fails(tmp_path: Path) -> None:
    collection = tmp_path / "collection"
    shutil.copytree(FIXTURES / "collection", collection)
    _write(collection, "public")
    importer = Archive.open(tmp_path / "home")
    importer.import_collection(collection)
    # no page cache: every request searches (a cached page would only repeat what a search answered)
    app = create_app({"ARCHIVE_HOME": str(tmp_path / "home"), "TESTING": True, "SECRET_KEY": "race-test-key",
                      "RATELIMIT_ENABLED": False, "PAGE_CACHE_BYTES": 0})
    urls = [f"/search?q={QUERY}", f"/api/search?q={QUERY}", f"/search?q={QUERY}&kind=quote",
            f"/api/search?q={QUERY}&kind=quote"]
    leaks: list[str] = []
    failures: list[str] = []
    answered = [0] * SEARCH_THREADS
    shown_flip = [0]
    done = threading.Event()

    def search(number: int) -> None:
        client = app.test_client()
        while not done.is_set():
            for url in urls:
                response = client.get(url)
                body = response.get_data(as_text=True)
                answered[number] += 1
                if response.status_code != 200:
                    failures.append(f"{url}: {response.status_code}")
                if MARKER in body:
                    leaks.append(url)
                if "synthetic public passage" in body:
                    shown_flip[0] += 1

    threads = [threading.Thread(target=search, args=(n,)) for n in range(SEARCH_THREADS)]
    for thread in threads:
        thread.start()
    try:
        for step in range(IMPORTS):
            _write(collection, ("restricted", "removed", "public")[step % 3])
            importer.import_collection(collection)
            time.sleep(0.01)
    finally:
        done.set()
        for thread in threads:
            thread.join()
        importer.close()
        app.extensions["archive"].close()
    assert sum(answered) > 4 * IMPORTS  # the searches ran alongside the imports
    assert shown_flip[0] > 0  # and found the quote while it was public
    assert failures == []
    assert leaks == []
