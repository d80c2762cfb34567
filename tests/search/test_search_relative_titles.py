"""A relative without a name of their own is titled by the vocabulary's label of the relation, read
for the pages that show relatives (a page of quotes alone does not read the vocabulary)."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.access.visibility import ANONYMOUS
from archive.facade import Archive
from archive.search.request import SearchRequest
from tests.support import DATA, import_into


@pytest.mark.slow
def test_a_relative_is_titled_by_the_label_of_the_relation(tmp_path: Path) -> None:
    archive = Archive.open(import_into(tmp_path / "home", DATA))
    try:
        relatives = archive.search(SearchRequest(query="mother", filters={"kind": ("relative",)}), ANONYMOUS).hits
        mixed = archive.search(SearchRequest(query="mother", per_page=100), ANONYMOUS).hits
    finally:
        archive.close()
    titles = {hit.id: hit.title for hit in relatives}
    assert titles["the-sisters/mother"] == "Mother (The sisters)"  # the label, not the relation's id
    assert {hit.kind for hit in mixed} > {"relative"}
    assert {hit.id: hit.title for hit in mixed if hit.kind == "relative"} == titles
