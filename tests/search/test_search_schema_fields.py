"""An import re-indexes only the people it touched by adding to the current build; a build written
before the schema gained a field cannot take the new documents, so the import writes a whole new one."""

from __future__ import annotations

from pathlib import Path

import pytest
from whoosh import index as whoosh_index

from archive.facade import Archive
from archive.search.index_schema import build_schema
from archive.search.index_store import IndexStore
from tests.support import ROOT


def test_a_build_lacking_a_field_of_the_schema_is_not_added_to(tmp_path: Path) -> None:
    store = IndexStore(tmp_path / "index")
    older = build_schema()
    older.remove("f_speaker_role")
    (tmp_path / "index" / "old").mkdir(parents=True)
    whoosh_index.create_in(str(tmp_path / "index" / "old"), older).close()
    (tmp_path / "index" / "new").mkdir()
    whoosh_index.create_in(str(tmp_path / "index" / "new"), build_schema()).close()
    assert not store.has_every_field("old")
    assert store.has_every_field("new")


@pytest.mark.slow
def test_an_import_over_an_older_build_writes_every_document(tmp_path: Path) -> None:
    archive = Archive.open(tmp_path / "home")
    try:
        archive.import_collection(ROOT / "tests" / "fixtures" / "collection")
        name = archive.index.store.current_name()
        assert name is not None
        folder = archive.index.store.folder(name)
        # the current build as an older archive wrote it: the same documents, without one field
        ix = whoosh_index.open_dir(str(folder))
        older = ix.schema
        ix.close()
        older.remove("f_speaker_role")
        for child in folder.iterdir():
            if child.name.startswith("_") or child.suffix in (".toc", ".seg"):
                child.unlink()
        whoosh_index.create_in(str(folder), older).close()
        archive.import_collection(ROOT / "tests" / "fixtures" / "collection")  # touches no one: nothing changed
        current = archive.index.store.current_name()
        assert current != name and archive.index.store.has_every_field(current or "")
        assert archive.index.check().ok
    finally:
        archive.close()
