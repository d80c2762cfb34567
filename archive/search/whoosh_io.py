"""Opening a Whoosh index whose segments are read in place from a memory map.

Whoosh keeps each segment in one compound file. Its ``CompoundStorage`` maps the file and
wraps each part it opens (terms, postings, columns) in a ``BufferFile``, whose ``BytesIO``
copies the part into memory on every searcher open. ``MappedFileStorage`` is a ``FileStorage``
whose compound files are mapped by us and whose parts are ``MappedBufferFile``s reading the
map directly: no copy at open, and the pages are shared between processes.

It uses only Whoosh's public switches: the storage is made with ``supports_mmap=False``, so
``CompoundStorage`` asks the opened file for its parts (``subset``), and the file we return
from ``open_file`` answers with views of the map. Open an index for searching with
``open_index(folder)``; writers keep Whoosh's own ``FileStorage``.
"""

from __future__ import annotations

import io
import mmap
import os
import threading
from collections.abc import Iterator
from typing import Any

from whoosh.codec.base import Segment
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import BufferFile, StructFile
from whoosh.index import Index

_PEEK = 512  # what peek() shows at most: a posting block's header pickle is far smaller


class MemoryFile:
    """A read-only, seekable file over a buffer (a view of the map), without a copy.

    Its position is per thread: Whoosh shares one postings file between all the matchers of a
    searcher and reads a block as seek, read, read, tell, which threads searching at once
    could interleave (so could they with the BytesIO it replaces)."""

    __slots__ = ("_buf", "_len", "_local", "closed")

    def __init__(self, buf: Any):
        self._buf = memoryview(buf)
        self._len = len(self._buf)
        self._local = threading.local()
        self.closed = False

    @property
    def _pos(self) -> int:
        return getattr(self._local, "pos", 0)

    @_pos.setter
    def _pos(self, value: int) -> None:
        self._local.pos = value

    def read(self, size: int | None = -1) -> bytes:
        local = self._local
        start = getattr(local, "pos", 0)
        if start >= self._len:
            return b""
        end = self._len if size is None or size < 0 else min(start + size, self._len)
        local.pos = end
        return self._buf[start:end].tobytes()

    def peek(self, size: int = 0) -> bytes:
        """Bytes ahead without moving (the unpickler prefetches with it, then reads what it used)."""
        start = getattr(self._local, "pos", 0)
        return self._buf[start:min(self._len, start + min(max(size, 1), _PEEK))].tobytes()

    def readline(self, size: int | None = -1) -> bytes:
        start = end = self._pos
        limit = self._len if size is None or size < 0 else min(self._len, start + size)
        while end < limit:
            chunk = self._buf[end:min(end + 256, limit)].tobytes()
            found = chunk.find(b"\n")
            if found >= 0:
                end += found + 1
                break
            end += len(chunk)
        self._pos = max(start, end)
        return self._buf[start:end].tobytes() if end > start else b""

    def seek(self, position: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_CUR:
            position += self._pos
        elif whence == io.SEEK_END:
            position += self._len
        elif whence != io.SEEK_SET:
            raise ValueError(f"invalid whence ({whence})")
        if position < 0:
            raise ValueError(f"negative seek position {position}")
        self._pos = position
        return position

    def tell(self) -> int:
        return self._pos

    def __iter__(self) -> Iterator[bytes]:
        while True:
            line = self.readline()
            if not line:
                return
            yield line

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def writable(self) -> bool:
        return False

    def write(self, data: bytes) -> int:
        raise io.UnsupportedOperation("a segment file is read-only")

    def truncate(self, size: int | None = None) -> int:
        raise io.UnsupportedOperation("a segment file is read-only")

    def close(self) -> None:
        self.closed = True


class MappedBufferFile(BufferFile):
    """Whoosh's ``BufferFile`` over a view of the map, reading it in place.

    ``BufferFile.__init__`` would copy the buffer into a ``BytesIO``; this sets the same
    attributes over a ``MemoryFile`` instead (the one place we set a Whoosh class's fields)."""

    def __init__(self, buf: Any, name: str | None = None, onclose: Any = None):
        self._buf = buf
        self._name = name
        self.file = MemoryFile(buf)
        self.onclose = onclose
        self.is_real = False
        self.is_closed = False

    def subset(self, position: int, length: int, name: str | None = None) -> MappedBufferFile:
        """A part of the file (a segment's terms, postings, a column), as a view: no copy."""
        return MappedBufferFile(memoryview(self._buf)[position:position + length], name=name or self._name)


class MappedFileStorage(FileStorage):
    """A folder's index whose compound segment files are memory-mapped and read in place."""

    def __init__(self, path: str | os.PathLike[str]):
        # supports_mmap=False: CompoundStorage then takes each part from the file's subset()
        super().__init__(str(path), supports_mmap=False, readonly=True)

    def open_file(self, name: str, **kwargs: Any) -> StructFile:
        if not name.endswith(Segment.COMPOUND_EXT):
            return super().open_file(name, **kwargs)
        with open(os.path.join(self.folder, name), "rb") as raw:
            try:
                mapped = mmap.mmap(raw.fileno(), 0, access=mmap.ACCESS_READ)
            except (ValueError, OSError):  # an empty file, or no mmap here: Whoosh's own file
                return super().open_file(name, **kwargs)
        # the map outlives the descriptor; it is released when its last view is
        return MappedBufferFile(memoryview(mapped), name=name, onclose=kwargs.get("onclose"))


def open_index(folder: str | os.PathLike[str]) -> Index:
    """The index in ``folder``, opened for searching through ``MappedFileStorage``."""
    return MappedFileStorage(folder).open_index()
