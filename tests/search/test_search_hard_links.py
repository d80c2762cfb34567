"""An incremental update hard-links the files of the build it starts from (``index_store.py``):
that is safe only while Whoosh never rewrites a file in place. Each update here must leave
every file of the previous build, linked or not, with the same inode and the same bytes, and
that build must still answer as it did."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from whoosh import index as whoosh_index

from archive.facade import Archive
from archive.search.index_store import is_build_file


def _files(folder: Path) -> dict[str, tuple[int, str]]:
    """Each file of a build: (inode, SHA-256 of its bytes)."""
    return {entry.name: (entry.inode(), hashlib.sha256(Path(entry.path).read_bytes()).hexdigest())
            for entry in os.scandir(folder) if entry.is_file(follow_symlinks=False)}


def _stored(folder: Path) -> list[dict[str, str]]:
    ix = whoosh_index.open_dir(str(folder))
    try:
        with ix.searcher() as searcher:
            return sorted((dict(fields) for fields in searcher.all_stored_fields()), key=lambda f: f["doc_id"])
    finally:
        ix.close()


@pytest.mark.slow
def test_an_update_leaves_every_file_of_the_previous_build_as_it_was(tmp_path: Path,
                                                                     fixture_collection: Path) -> None:
    archive = Archive.open(tmp_path / "home")
    try:
        archive.import_collection(fixture_collection)
        store = archive.index.store
        linked_any = 0
        for people in (["anna-synthetic"], ["boris-synthetic"], ["anna-synthetic", "boris-synthetic"]):
            previous = store.folder(store.current_name())
            before, answers = _files(previous), _stored(previous)
            archive.index.update_people(people)
            current = store.folder(store.current_name())
            assert current != previous
            now = _files(current)
            links = {name for name, (inode, _) in now.items() if name in before and before[name][0] == inode}
            # what may be linked is linked: Whoosh's files, not locks, markers or temporary files
            assert all(is_build_file(name) for name in links)
            linked_any += len(links)
            assert _files(previous) == before  # same inodes, same bytes: nothing rewritten in place
            assert _stored(previous) == answers
        assert linked_any  # the updates did share files with the builds they started from
    finally:
        archive.close()
