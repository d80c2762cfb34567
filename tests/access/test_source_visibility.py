"""Sources under the visibility rule: a source that only withheld records cite is neither listed
nor counted for those who may not see the records (home page, sources page, statistics, Data
Package), and is for researchers. The rule's list of what cites a source agrees with the sources
page's own reading of every record."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest

from archive.access.visibility import Viewer
from archive.catalogue.source_visibility import cited_sources, listed_sources, withheld_sources
from archive.catalogue.sources import sources_page
from archive.facade import Archive
from tests.access.synthetic_withheld import WITHHELD_ONLY_SOURCE, add_withheld_ukrainian_quote
from tests.support import DATA, import_into, make_access_collection, viewer_client

TITLE = WITHHELD_ONLY_SOURCE["title"]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("source-visibility")
    collection = make_access_collection(root / "collection")
    add_withheld_ukrainian_quote(collection)
    return import_into(root / "home", collection)


def _package_sources(client, path: str) -> list[str]:  # type: ignore[no-untyped-def]
    response = client.get(path)
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as package:
        rows = csv.DictReader(io.StringIO(package.read("sources.csv").decode("utf-8")))
        return [row["title"] for row in rows]


@pytest.mark.slow
def test_a_source_only_a_withheld_quote_cites_is_not_listed_or_counted(home: Path) -> None:
    anonymous, researcher = viewer_client(home, "anonymous"), viewer_client(home, "researcher")
    assert TITLE not in anonymous.get("/").get_data(as_text=True)
    assert TITLE in researcher.get("/").get_data(as_text=True)
    assert TITLE not in anonymous.get("/sources").get_data(as_text=True)
    assert TITLE not in _package_sources(anonymous, "/export.datapackage")
    assert TITLE in _package_sources(researcher, "/export.datapackage")
    archive = Archive.open(home)
    try:
        public, everyone = archive.stats(), archive.stats(Viewer("researcher"))
        assert everyone.sources == public.sources + 1
        assert public.sources == len(listed_sources(archive.engine, Viewer()))
        assert withheld_sources(archive.engine, Viewer()) == {WITHHELD_ONLY_SOURCE["id"]}
    finally:
        archive.close()


@pytest.mark.parametrize("which", ["access", "shipped"])
@pytest.mark.slow
def test_the_rule_finds_every_citation_the_sources_page_finds(home: Path, tmp_path: Path, which: str) -> None:
    opened = home if which == "access" else import_into(tmp_path / "home", DATA)
    archive = Archive.open(opened)
    try:
        walked = {entry.source.id for entry in sources_page(archive.engine, Viewer("archivist")) if entry.citations}
        assert walked and cited_sources(archive.engine) == walked
    finally:
        archive.close()
