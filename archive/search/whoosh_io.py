"""Opening a Whoosh segment without copying it into memory.

Whoosh keeps each segment in one compound file and maps it into memory (``mmap``); a reader
opens the parts it needs (terms ``.trm``, postings ``.pst``, columns) as views of the map.
But each view is wrapped in a ``BufferFile`` whose ``BytesIO(view)`` *copies* the part, to
have a file to seek and read in: at 100k segments that is 200 MB copied (and kept) on every
searcher open, 0.19 s of CPU, most of a cold first query, and most of a search process's
memory (read in whoosh 2.7 ``filedb/compound.py`` ``open_file`` and ``filedb/structfile.py``).

``install()`` makes those views files that read straight from the map: ``get`` (most reads)
was already a slice of the view; ``seek``/``read``/``tell`` (the posting blocks' headers,
pickles) now are too. Nothing is written through them (compound files are read-only).
"""

from __future__ import annotations

import io
import threading
from typing import Any

from whoosh.filedb import compound, structfile

_installed = False
_PEEK = 512  # what peek() shows at most: a posting block's header pickle is far smaller
_lock = threading.Lock()


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

    def __iter__(self):  # type: ignore[no-untyped-def]
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


class MappedBufferFile(structfile.BufferFile):
    """Whoosh's ``BufferFile`` over a view of the map, reading it in place."""

    def __init__(self, buf: Any, name: str | None = None, onclose: Any = None):
        self._buf = buf
        self._name = name
        self.file = MemoryFile(buf)
        self.onclose = onclose
        self.is_real = False
        self.is_closed = False


def install() -> None:
    """Make compound segment files open without copies (once per process; idempotent)."""
    global _installed
    with _lock:
        if not _installed:
            compound.BufferFile = MappedBufferFile  # type: ignore[misc] - the name open_file uses
            _installed = True
