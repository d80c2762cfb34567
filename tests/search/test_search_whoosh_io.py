"""Segments read in place (``archive/search/whoosh_io.py``): a file like BytesIO, without the copy,
and an index read through it answers as Whoosh's own storage does."""

from __future__ import annotations

import io
import pickle
import threading

import pytest
from whoosh import index as whoosh_index
from whoosh.filedb import compound
from whoosh.filedb.structfile import BufferFile
from whoosh.qparser import QueryParser

from archive.facade import Archive
from archive.search.request import SearchRequest
from archive.search.whoosh_io import MappedBufferFile, MappedFileStorage, MemoryFile, open_index
from tests.index_fingerprint import index_contents

DATA = b"first line\nsecond\n" + pickle.dumps((1, 2.5, "three", b"four"), 2) + pickle.dumps([7] * 300, 2) + b"tail"


def _same_as_bytesio(operations) -> None:  # type: ignore[no-untyped-def]
    ours, theirs = MemoryFile(memoryview(DATA)), io.BytesIO(DATA)
    for name, *args in operations:
        assert getattr(ours, name)(*args) == getattr(theirs, name)(*args), (name, args)
        assert ours.tell() == theirs.tell(), (name, args)


def test_reads_like_bytesio():
    _same_as_bytesio([("read", 5), ("tell",), ("readline",), ("readline",), ("seek", 0), ("read",), ("read", 3),
                      ("seek", 3, io.SEEK_SET), ("seek", 4, io.SEEK_CUR), ("read", 2), ("seek", -4, io.SEEK_END),
                      ("read", 100), ("read", 1), ("readline",), ("seek", 1000), ("read", 1), ("seek", 2),
                      ("readline", 3), ("readline", 100), ("read", -1)])
    assert list(MemoryFile(DATA)) == list(io.BytesIO(DATA))
    with pytest.raises(ValueError):
        MemoryFile(DATA).seek(-1)
    with pytest.raises(io.UnsupportedOperation):
        MemoryFile(DATA).write(b"x")


def test_pickles_load_in_sequence_and_leave_the_position_after_each():
    start = len(b"first line\nsecond\n")
    ours, theirs = MemoryFile(DATA), io.BytesIO(DATA)
    for file in (ours, theirs):
        file.seek(start)
        assert pickle.load(file) == (1, 2.5, "three", b"four")
        assert pickle.load(file) == [7] * 300
        assert file.read() == b"tail"
    assert MemoryFile(DATA).peek(4) == b"firs"


def test_each_thread_has_its_own_position():
    file = MemoryFile(DATA)
    file.seek(11)
    seen = []
    thread = threading.Thread(target=lambda: seen.append((file.tell(), file.read(5), file.tell())))
    thread.start()
    thread.join()
    assert seen == [(0, b"first", 5)]
    assert file.tell() == 11 and file.read(6) == b"second"


@pytest.mark.slow
def test_an_opened_searcher_reads_its_segments_in_place(tmp_path, fixture_collection):
    archive = Archive.open(tmp_path / "home")
    try:
        archive.import_collection(fixture_collection)
        archive.index.update_people(["anna-synthetic"])  # two segments: the build's and the update's
        result = archive.search(SearchRequest(query="camp"))
        assert "anna-camps" in {h.id for h in result.hits}
        _, ix = archive.index.store.open(for_search=True)
        assert isinstance(ix.storage, MappedFileStorage)
        with ix.searcher() as searcher:
            leaves = [leaf.reader() for leaf, _ in searcher.leaf_searchers()]
            assert len(leaves) >= 2 and all(leaf.segment().is_compound() for leaf in leaves)
            for leaf in leaves:  # every part of every segment is a view of the map, not a copy
                prefix = leaf.segment().make_filename("")
                parts = [name for name in leaf.storage().list()
                         if name.startswith(prefix) and not name.endswith(".seg")]
                assert parts and all(isinstance(leaf.storage().open_file(part), MappedBufferFile) for part in parts)
        ix.close()
    finally:
        archive.close()
    # nothing Whoosh-wide was changed: its own storage still copies the parts
    assert compound.BufferFile is BufferFile


@pytest.mark.slow
def test_the_mapped_index_reads_what_whoosh_reads(tmp_path, fixture_collection):
    """Every term, posting, length, stored field and column, through our storage and through Whoosh's."""
    archive = Archive.open(tmp_path / "home")
    try:
        archive.import_collection(fixture_collection)
        archive.index.update_people(["anna-synthetic"])
        folder = archive.index.store.folder(archive.index.store.current_name())
    finally:
        archive.close()
    ours, theirs = open_index(folder), whoosh_index.open_dir(str(folder))
    try:
        with ours.reader() as mapped, theirs.reader() as plain:
            assert index_contents(mapped, blocks=False) == index_contents(plain, blocks=False)
        with ours.searcher() as mapped, theirs.searcher() as plain:
            query = QueryParser("text_en", ours.schema).parse("camp OR mother")
            assert [hit.docnum for hit in mapped.search(query, limit=None)] == \
                [hit.docnum for hit in plain.search(query, limit=None)]
    finally:
        ours.close()
        theirs.close()


def test_a_part_is_a_view_with_the_bytes_whoosh_reads(tmp_path):
    data = bytes(range(256)) * 4
    (tmp_path / "x.seg").write_bytes(data)
    whole = MappedFileStorage(tmp_path).open_file("x.seg")
    part = whole.subset(10, 300)
    assert isinstance(part, MappedBufferFile) and part.get(0, 300) == data[10:310]
    assert BufferFile(data).subset(10, 300).get(5, 20) == part.get(5, 20)
    part.seek(4)
    assert part.read_byte() == data[14] and part.tell() == 5
    whole.close()
