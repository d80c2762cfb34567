"""Segments read in place (``archive/search/whoosh_io.py``): a file like BytesIO, without the copy."""

from __future__ import annotations

import io
import pickle
import threading

import pytest
from whoosh import index as whoosh_index
from whoosh.filedb import compound

from archive.facade import Archive
from archive.search import whoosh_io
from archive.search.request import SearchRequest
from archive.search.whoosh_io import MappedBufferFile, MemoryFile

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


def test_an_opened_searcher_reads_its_segments_in_place(tmp_path, fixture_collection):
    archive = Archive.open(tmp_path / "home")
    try:
        archive.import_collection(fixture_collection)
        result = archive.search(SearchRequest(query="camp"))
        assert compound.BufferFile is MappedBufferFile
        state = archive.index._state()  # noqa: SLF001
        reader = state.searcher.leaf_searchers()[0][0].reader()
        assert reader.segment().is_compound()
        assert isinstance(reader._terms._postfile, MappedBufferFile)  # noqa: SLF001 - the postings, not copied
        assert "anna-camps" in {h.id for h in result.hits}
        # the same answers as Whoosh opening the build its own way (copies)
        ix = whoosh_index.open_dir(str(archive.index.store.folder(archive.index.store.current_name())))
        with ix.searcher() as searcher:
            assert searcher.doc_count() == state.searcher.doc_count()
        whoosh_io.install()  # idempotent
    finally:
        archive.close()
