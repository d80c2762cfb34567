"""The synthetic bilingual archive that the search-quality tests share (tests/search/bilingual.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from archive.facade import Archive
from tests.search.bilingual import write_collection


@pytest.fixture(scope="session")
def bilingual(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    """An archive of the synthetic bilingual collection, imported once (tests only read it)."""
    root = tmp_path_factory.mktemp("bilingual")
    archive = Archive.open(root / "home")
    archive.import_collection(write_collection(root / "collection"))
    yield archive
    archive.close()
