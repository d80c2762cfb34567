"""Turning many small pieces of text into few sizeable byte chunks, as soon as they fill.

A renderer yields a chunk whenever about ``CHUNK_BYTES`` have gathered, so a download
starts at once and memory holds one chunk, whatever the size of the export.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator

CHUNK_BYTES = 64 * 1024


class TextChunks:
    """A text buffer to write into (as a file) and to drain in UTF-8 chunks."""

    def __init__(self, threshold: int = CHUNK_BYTES):
        self.buffer = io.StringIO()
        self.threshold = threshold

    def write(self, text: str) -> int:
        return self.buffer.write(text)

    def full(self) -> bool:
        return self.buffer.tell() >= self.threshold

    def drain(self) -> bytes:
        data = self.buffer.getvalue().encode("utf-8")
        self.buffer.seek(0)
        self.buffer.truncate()
        return data


def chunked(pieces: Iterable[str], threshold: int = CHUNK_BYTES) -> Iterator[bytes]:
    """UTF-8 chunks of the concatenated pieces."""
    buffer = TextChunks(threshold)
    for piece in pieces:
        buffer.write(piece)
        if buffer.full():
            yield buffer.drain()
    rest = buffer.drain()
    if rest:
        yield rest
