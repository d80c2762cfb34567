"""Export columns come from what the viewer may see (issue 20, item 3): a language that only a
restricted quote is in gets no ``text_<lang>`` column in an anonymous CSV export of the collection,
a person, a theme or a search, and does get one in a researcher's. The quote is synthetic."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from archive.facade import Archive
from tests.access.synthetic_withheld import add_withheld_ukrainian_quote
from tests.support import make_access_collection
from webapp import create_app


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("export-columns")
    collection = make_access_collection(root / "collection")
    add_withheld_ukrainian_quote(collection)
    archive = Archive.open(root / "home")
    try:
        archive.import_collection(collection)
    finally:
        archive.close()
    return root / "home"


def _header(client: Any, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, url
    return next(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


EXPORTS = ["/export.csv", "/people/vera-synthetic/export.csv", "/themes/the-gulag/export.csv",
           "/search/export.csv?q=synthetic", "/search/export.csv?q=winter"]


@pytest.mark.parametrize("viewer,sees_ukrainian", [("anonymous", False), ("researcher", True)])
@pytest.mark.slow
def test_text_columns_are_the_languages_the_viewer_may_see(home: Path, viewer: str, sees_ukrainian: bool) -> None:
    app = create_app({"ARCHIVE_HOME": str(home), "TESTING": True, "SECRET_KEY": "export-columns-test-key",
                      "RATELIMIT_ENABLED": False, "ARCHIVE_VIEWER": viewer})
    client = app.test_client()
    for url in EXPORTS:
        header = _header(client, url)
        assert "text_en" in header and "text_ru" in header, url  # spreadsheets keep these columns
        assert ("text_uk" in header) is sees_ukrainian, (viewer, url)
        assert ("text_uk_published" in header) is sees_ukrainian, (viewer, url)
    app.extensions["archive"].close()
