"""Exports that are several files (the YAML collection, the data package): written into a folder,
or streamed as a zip without ever holding a whole file in memory.

A tree renderer yields ``(relative path, chunks)`` pairs; each file's chunks are consumed
before the next pair is asked for. ``zipfile`` writes to an unseekable stream (it then puts
each member's sizes in a data descriptor), so the zip goes out chunk by chunk.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath

Member = tuple[str, Iterable[bytes]]


class UnsafePath(ValueError):
    """A member path that would leave the export's folder."""


def safe_member_path(path: str) -> PurePosixPath:
    member = PurePosixPath(path)
    if member.is_absolute() or not member.parts or any(part in ("..", "") for part in member.parts) \
            or "\\" in path:
        raise UnsafePath(f"unsafe path in export: {path!r}")
    return member


class _Sink(io.RawIOBase):
    """A write-only, unseekable stream whose bytes are taken out as they come."""

    def __init__(self) -> None:
        self.pending = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.pending += data
        return len(data)

    def take(self) -> bytes:
        data = bytes(self.pending)
        self.pending.clear()
        return data


def zip_chunks(members: Iterable[Member], when: dt.datetime | None = None) -> Iterator[bytes]:
    """The members as a zip archive, streamed, each file dated ``when`` (default: now)."""
    stamp = (when or dt.datetime.now()).timetuple()[:6]
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, chunks in members:
            info = zipfile.ZipInfo(str(safe_member_path(path)), date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with archive.open(info, "w", force_zip64=True) as member:
                for chunk in chunks:
                    member.write(chunk)
                    if len(sink.pending) >= 64 * 1024:
                        yield sink.take()
            yield sink.take()
    yield sink.take()


def write_folder(members: Iterable[Member], folder: Path) -> list[Path]:
    """The members as files under ``folder``, which must be new or empty (stale files would
    otherwise mix with the export: an old ``people/x.yaml`` would come back on import)."""
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise FileExistsError(f"{folder} exists and is not an empty folder; choose a new one")
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for path, chunks in members:
        target = folder.joinpath(*safe_member_path(path).parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
        written.append(target)
    return written
