"""The index on disk: immutable builds, the ``CURRENT`` pointer, locks, and consistency checks.

Layout of ``home/index``::

    CURRENT                  the name of the build searchers use, replaced with os.replace (atomic)
    build-<time>-<id>/       one Whoosh index; never written again once complete
        .complete            written and fsynced last: the build is whole (it holds the number of
                             documents written, and of people with a document in the build)
    build-<time>-<id>.lock   flock: held exclusively by the process writing the build, shared by a backup copying it
    SWAP.lock                flock: held while the database's build name and CURRENT change together

Every change writes a *new* build: a rebuild writes every document; an incremental update
clones the build it starts from and deletes and adds the changed people's documents in the
clone. A searcher therefore sees the old index or the new one, never a half-written one, and
a build that a committed database names is never touched again. How builds are kept in step
with the database across crashes is ``archive/search/index_state.py``.

The clone hard-links the files of the build it starts from. That is safe because no file in
a build folder is ever rewritten in place (read in whoosh 2.7 ``writing.py``, ``index.py``,
``codec/whoosh3.py``, ``filedb/filestore.py``): a commit writes new segments under new random
ids, deletions are kept in the segment objects pickled into the TOC, each commit writes a new
TOC generation (a temporary file renamed into place), and files no longer used are unlinked,
which removes this folder's link and leaves the other build's alone; the facet-array cache
(``facet_arrays.py``) also writes a temporary file and renames it. Not linked: Whoosh's
``WRITELOCK`` (a lock must not be shared), our marker, and dot-files (temporary files being
written). So a clone costs nothing for a large index and an incremental update stays fast.
This is the one place the archive relies on it; ``tests/search/test_search_hard_links.py``
checks that an update leaves every linked file of the build it started from as it was.

Indexes are opened here only, and each opening first checks that the installed Whoosh is a
version this reliance (and the fast paths reading Whoosh's segments) was checked against.
"""

from __future__ import annotations

import os
import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import whoosh
from whoosh import index as whoosh_index
from whoosh.index import Index
from whoosh.reading import IndexReader, TermNotFound

from archive.search import facet_arrays, whoosh_io
from archive.search.index_schema import build_schema
from archive.store.crashpoints import crash_point

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no locks between processes (documented)
    fcntl = None  # type: ignore[assignment]

Progress = Callable[[Iterable[dict[str, Any]], int], Iterable[dict[str, Any]]]
_KEEP_OLD_BUILDS = 1  # the newest previous build stays for searchers that still hold it open
COMPLETE_MARKER = ".complete"
_PEOPLE_KEY = "people"  # the marker's line naming the build's number of people
BUILD_PATTERN = re.compile(r"^build-[0-9T]+-[0-9a-f]+$")
SUPPORTED_WHOOSH = (2, 7)  # whoosh-reloaded 2.7.x: the release whose files and internals the fast paths read


class UnsupportedWhoosh(RuntimeError):
    """The installed whoosh-reloaded is not a version the archive's search supports."""


def check_whoosh_version(version: str) -> None:
    """Raise ``UnsupportedWhoosh`` (one line) unless ``version`` is a supported whoosh-reloaded."""
    parts = re.match(r"^(\d+)\.(\d+)(?:[.\s]|$)", version.strip())
    if parts is None or (int(parts.group(1)), int(parts.group(2))) != SUPPORTED_WHOOSH:
        supported = ".".join(map(str, SUPPORTED_WHOOSH))
        raise UnsupportedWhoosh(f"whoosh-reloaded {version.strip() or '(unknown version)'} is installed; "
                                f"the archive's search supports {supported}.x "
                                f"(pip install 'whoosh-reloaded=={supported}.*')")


def _check_installed_whoosh() -> None:
    check_whoosh_version(whoosh.versionstring())


def is_build_file(name: str) -> bool:
    """A file that belongs to the index in a build folder (not a lock, not a temporary file, not our marker)."""
    return not name.startswith(".") and not name.endswith("WRITELOCK")


def has_live_document(reader: IndexReader, person_id: str) -> bool:
    """Whether the person has a document in the reader's index that is not deleted (Whoosh's lexicon
    keeps the terms of deleted documents until their segment is merged; its postings leave them out)."""
    try:
        postings = reader.postings("person_id", person_id)
    except TermNotFound:
        return False
    return any(not reader.is_deleted(docnum) for docnum in postings.all_ids())


class IndexMissing(RuntimeError):
    """There is no index yet (run ``archive reindex``)."""


@dataclass
class IndexCheck:
    ok: bool
    problems: list[str] = field(default_factory=list)
    documents: int = 0


# --- locks ------------------------------------------------------------------------------


def _lock(path: Path, shared: bool = False, blocking: bool = True) -> int | None:
    """An flock on ``path`` (created when missing): its descriptor, or None when it is held elsewhere.

    The file may be unlinked by the garbage collector between our open and our flock; the
    inode is then compared with the path's, and the lock taken again on the new file.
    """
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        if fcntl is None:
            return fd
        try:
            fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            os.close(fd)
            return None
        try:
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)  # the file we locked was removed meanwhile: lock the one there now


def _unlock(fd: int | None) -> None:
    if fd is not None:
        os.close(fd)  # closing the descriptor releases the flock


def _fsync_path(path: Path, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(folder: Path) -> None:
    """Flush every file of ``folder`` and the folder itself to disk (power cuts, not only crashes)."""
    for entry in os.scandir(folder):
        if entry.is_file(follow_symlinks=False):
            _fsync_path(Path(entry.path))
    _fsync_path(folder, directory=True)


@dataclass
class Build:
    """A build this process is writing or has just written, held under its exclusive lock."""

    name: str
    folder: Path
    lock_fd: int | None
    count: int = 0  # documents written
    people: int | None = None  # people with a live document in the build (None: not known)

    def release(self) -> None:
        _unlock(self.lock_fd)
        self.lock_fd = None

    def discard(self) -> None:
        _remove_build(self.folder)
        self.release()


def _remove_build(folder: Path) -> None:
    """The marker first: a removal cut short leaves an incomplete build, never a damaged 'complete' one."""
    (folder / COMPLETE_MARKER).unlink(missing_ok=True)
    shutil.rmtree(folder, ignore_errors=True)


class IndexStore:
    def __init__(self, root: Path):
        self.root = root
        self.pointer = root / "CURRENT"

    # --- names and folders -------------------------------------------------------------

    def current_name(self) -> str | None:
        try:
            return self.pointer.read_text(encoding="utf-8").strip() or None
        except FileNotFoundError:
            return None

    def folder(self, name: str) -> Path:
        return self.root / name

    def is_complete(self, name: str | None) -> bool:
        """The build was written to the end (its marker is there) and Whoosh can open it."""
        return bool(name and (self.folder(name) / COMPLETE_MARKER).exists()
                    and whoosh_index.exists_in(str(self.folder(name))))

    def has_index(self, name: str) -> bool:
        """Whoosh can open the build (complete, or made before builds were marked complete)."""
        return whoosh_index.exists_in(str(self.folder(name)))

    def people_count(self, name: str) -> int | None:
        """The number of people with a live document in the build, as its writer counted them, or
        None for a build whose marker does not say (written before builds counted them)."""
        try:
            lines = (self.folder(name) / COMPLETE_MARKER).read_text(encoding="utf-8").splitlines()
        except (FileNotFoundError, UnicodeDecodeError):
            return None
        for line in lines[1:]:
            key, _, value = line.partition(" ")
            if key == _PEOPLE_KEY and value.strip().isdigit():
                return int(value)
        return None

    def people_in_build(self, name: str) -> set[str]:
        """The people with a live document in the build, read from every person's postings: the
        plain way, whose cost grows with the index (``people_count`` is what the writer counted)."""
        ix = whoosh_index.open_dir(str(self.folder(name)))
        try:
            with ix.reader() as reader:
                found = set()
                for term in reader.lexicon("person_id"):
                    person = term.decode("utf-8") if isinstance(term, bytes) else str(term)
                    if has_live_document(reader, person):
                        found.add(person)
                return found
        finally:
            ix.close()

    def has_every_field(self, name: str) -> bool:
        """The build's schema has every field of the archive's (``index_schema.build_schema``): a build
        written before a field was added cannot take new documents, and an update starts afresh."""
        ix = whoosh_index.open_dir(str(self.folder(name)))
        try:
            return set(build_schema().names()) <= set(ix.schema.names())
        finally:
            ix.close()

    def builds(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and BUILD_PATTERN.match(p.name))

    def exists(self) -> bool:
        name = self.current_name()
        return bool(name and whoosh_index.exists_in(str(self.root / name)))

    def open(self, for_search: bool = False) -> tuple[str, Index]:
        """The current build; ``for_search`` opens it with its segments read in place (``whoosh_io``)."""
        _check_installed_whoosh()
        name = self.current_name()
        if not name or not whoosh_index.exists_in(str(self.root / name)):
            raise IndexMissing(f"there is no search index in {self.root} yet: import a collection with "
                               "`archive import FOLDER`, or rebuild the index of an imported one with "
                               "`archive reindex`")
        folder = self.root / name
        return name, whoosh_io.open_index(folder) if for_search else whoosh_index.open_dir(str(folder))

    # --- writing builds ------------------------------------------------------------------

    def _new_build(self) -> Build:
        self.root.mkdir(parents=True, exist_ok=True)
        name = f"build-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
        fd = _lock(self.root / f"{name}.lock")  # before the folder exists: the collector never sees it unlocked
        folder = self.root / name
        folder.mkdir()
        return Build(name, folder, fd)

    def _finish(self, build: Build) -> Build:
        """Make the build durable, then mark it complete (the marker is the last thing written).

        The searchers' facet arrays are written first too (``facet_arrays.write_cache``): the
        first query after a swap then reads them rather than deriving them from every document;
        an update derives only its new segments' arrays."""
        facet_arrays.write_cache(build.folder)
        fsync_tree(build.folder)
        marker = build.folder / COMPLETE_MARKER
        people = f"{_PEOPLE_KEY} {build.people}\n" if build.people is not None else ""
        marker.write_text(f"{build.count}\n{people}", encoding="utf-8")
        _fsync_path(marker)
        _fsync_path(build.folder, directory=True)
        _fsync_path(self.root, directory=True)
        return build

    def write_build(self, documents: Iterable[dict[str, Any]], procs: int = 1, limitmb: int = 256) -> Build:
        """Every document into a new build; the caller names it in the database, then points CURRENT at it."""
        _check_installed_whoosh()
        build = self._new_build()
        people: set[str] = set()

        def counted() -> Iterator[dict[str, Any]]:
            for doc in documents:
                yield doc
                people.add(doc["person_id"])
                build.count += 1
                if build.count == 1:
                    crash_point("index-building")

        try:
            from archive.search import build_writer  # loaded (with multiprocessing) only where an index is written

            ix = whoosh_index.create_in(str(build.folder), build_schema())
            build_writer.write_all(ix, counted(), procs=procs, limitmb=limitmb)
            ix.close()
            build.people = len(people)
            return self._finish(build)
        except BaseException:
            build.discard()
            raise

    def write_update(self, base: str, person_ids: Iterable[str], documents: Iterable[dict[str, Any]]) -> Build:
        """A new build: ``base`` cloned, then the people's documents deleted and their new ones added
        (``documents`` are documents of these people). The build's number of people is the base's,
        less the people whose documents were deleted, plus the people of the documents added."""
        from archive.search.whoosh_writing import UpdateWriter  # loaded only where an index is written

        _check_installed_whoosh()
        base_people = self.people_count(base)
        ids = list(dict.fromkeys(person_ids))
        build = self._new_build()
        try:
            self._clone(self.folder(base), build.folder)
            crash_point("index-building")
            ix = whoosh_index.open_dir(str(build.folder))
            try:
                writer = UpdateWriter(ix)
                try:
                    held = 0  # of these people, those with a document in the base
                    for person_id in ids:
                        held += writer.delete_by_term("person_id", person_id) > 0
                    added: set[str] = set()
                    for doc in documents:
                        writer.add_document(**doc)
                        added.add(doc["person_id"])
                        build.count += 1
                    writer.commit()
                except BaseException:
                    writer.cancel()
                    raise
            finally:
                ix.close()
            if base_people is not None and added <= set(ids):
                build.people = base_people - held + len(added)
            else:  # a base written before builds counted their people: counted once here, the plain way
                build.people = len(self.people_in_build(build.name))
            return self._finish(build)
        except BaseException:
            build.discard()
            raise

    @staticmethod
    def _clone(source: Path, target: Path) -> None:
        """Hard links of the build's files (never rewritten in place, see above); copies where links fail."""
        for entry in os.scandir(source):
            if not entry.is_file(follow_symlinks=False) or not is_build_file(entry.name):
                continue
            try:
                try:
                    os.link(entry.path, target / entry.name)
                except FileNotFoundError:
                    raise
                except OSError:  # a file system without hard links
                    shutil.copy2(entry.path, target / entry.name)
            except FileNotFoundError:  # a cache file a searcher removed meanwhile; Whoosh's files stay
                continue

    # --- the pointer, locks, garbage -----------------------------------------------------

    @contextmanager
    def swap_lock(self) -> Iterator[None]:
        """Held while the database's build name and CURRENT change, and while builds are collected."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = _lock(self.root / "SWAP.lock")
        try:
            yield
        finally:
            _unlock(fd)

    @contextmanager
    def shared(self, name: str) -> Iterator[Path]:
        """A build held against collection (a shared lock) while it is copied, e.g. by a backup."""
        fd = _lock(self.root / f"{name}.lock", shared=True)
        try:
            yield self.folder(name)
        finally:
            _unlock(fd)

    def point_to(self, name: str) -> None:
        """Make CURRENT name ``name``, atomically and durably."""
        temporary = self.root / f"CURRENT.{uuid.uuid4().hex}"
        with open(temporary, "w", encoding="utf-8") as out:
            out.write(name)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, self.pointer)
        _fsync_path(self.root, directory=True)

    def collect_garbage(self, named: Iterable[str | None]) -> list[str]:
        """Remove the builds nothing names, no one writes or copies, and that are not the newest previous one.

        Call it under ``swap_lock``, with the names that the database and CURRENT give now.
        """
        keep = {n for n in named if n} | {self.current_name() or ""}
        others = [self.folder(n) for n in self.builds() if n not in keep]
        complete = sorted((p for p in others if (p / COMPLETE_MARKER).exists()),
                          key=lambda p: (p / COMPLETE_MARKER).stat().st_mtime, reverse=True)
        keep |= {p.name for p in complete[:_KEEP_OLD_BUILDS]}
        removed = []
        for folder in others:
            if folder.name in keep:
                continue
            lock = self.root / f"{folder.name}.lock"
            fd = _lock(lock, blocking=False)
            if fd is None:
                continue  # being written, or copied by a backup
            try:
                _remove_build(folder)
                lock.unlink(missing_ok=True)
                removed.append(folder.name)
            finally:
                _unlock(fd)
        for lock in self.root.glob("build-*.lock"):  # locks whose build is gone
            if lock.stem in keep or self.folder(lock.stem).exists():
                continue
            fd = _lock(lock, blocking=False)
            if fd is not None:
                try:
                    if not self.folder(lock.stem).exists():
                        lock.unlink(missing_ok=True)
                finally:
                    _unlock(fd)
        for stray in self.root.glob("CURRENT.*"):  # a pointer written but never renamed (a crash; we hold the lock)
            stray.unlink(missing_ok=True)
        return removed

    # --- checks ------------------------------------------------------------------------

    def fingerprints(self) -> dict[str, str]:
        """doc_id → fingerprint of every live document in the index."""
        _, ix = self.open()
        try:
            with ix.searcher() as searcher:
                return {fields["doc_id"]: fields.get("fingerprint", "") for fields in searcher.all_stored_fields()}
        finally:
            ix.close()

    def check(self, expected: dict[str, str]) -> IndexCheck:
        """Compare the index with the documents the database implies."""
        try:
            found = self.fingerprints()
        except IndexMissing as exc:
            return IndexCheck(False, [str(exc)])
        except Exception as exc:  # a damaged index fails in many ways; each means "rebuild"
            return IndexCheck(False, [f"the search index cannot be read ({type(exc).__name__}: {exc})"])
        problems = []
        missing = sorted(set(expected) - set(found))
        extra = sorted(set(found) - set(expected))
        stale = sorted(k for k in set(expected) & set(found) if expected[k] != found[k])
        for label, ids in (("missing from the index", missing), ("in the index but not in the database", extra),
                           ("out of date in the index", stale)):
            if ids:
                shown = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
                problems.append(f"{len(ids)} document(s) {label}: {shown}")
        return IndexCheck(not problems, problems, len(found))
