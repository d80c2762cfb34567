"""Backing up and restoring an archive: its SQLite database and its search index, as one pair.

``backup`` may run while the site serves and imports run. It copies the database with
SQLite's online backup API (a consistent snapshot, whatever writes go on), reads from the
copy the index build the database names (``archive/search/index_state.py``), and copies that
build: a named build is never written again, and a shared lock keeps the garbage collector
off it while it is copied. Both happen under the index's ``SWAP.lock``, so the build cannot
be collected between the snapshot and the lock. A backup folder::

    archive.sqlite3      the database (rollback-journal mode: one self-contained file)
    index/CURRENT        the build's name
    index/build-…/       the build
    media/<sha256>       the local recordings the database serves (``media_backup`` below)
    manifest.json        written last: format, time, app version, build, counts, SHA-256 of every file

``restore`` verifies a backup (every name it takes from it, manifest, checksums, ``PRAGMA integrity_check``, the
build the database names is there and opens with the documented number of documents), then puts it
in place: the build is copied beside the home's builds, the database is written beside
the home's database and renamed over it (after the old one's write-ahead log is
checkpointed and removed, so that it cannot be replayed into the new file), and CURRENT is
pointed at the build. A crash during a restore leaves the old database or the new one;
with the new one, opening the archive points CURRENT at its build.

Stop the site (and any import) before a restore: a process that has the old database open
keeps reading the old file, and its next write would go to a log that no longer belongs to
the database. The restore does not detect such processes.

A backup is input like any other: every name taken from it is checked before anything is
read or written. The build must be named as the index names builds (``build-<time>-<hex>``);
the manifest may list only ``archive.sqlite3``, ``index/CURRENT`` and plain file names inside
``index/<build>/``; none of them may be a symbolic link. So a crafted backup cannot lead a
restore out of the archive home (``../../victim``) or make it read files elsewhere.

Backups hold every withheld record, so they are readable by their owner only: folders 0700,
files 0600, whatever the umask; so is the database a restore writes.

Only SQLite databases: another ``DATABASE_URL`` (PostgreSQL) is refused with a clear message
(back up such a database with its own tools: ``pg_dump`` and ``pg_restore``, then run
``archive reindex``; docs/deployment.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import time
import uuid
from contextlib import ExitStack, closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import make_url
from whoosh import index as whoosh_index

from archive.search.index_store import BUILD_PATTERN, COMPLETE_MARKER, IndexCheck, IndexStore, fsync_tree, is_build_file
from archive.settings import Settings

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_FILE = "archive.sqlite3"
INDEX_FOLDER = "index"
_COUNTED = {"people": "person", "quotes": "quote", "relatives": "relative", "sources": "source"}
_SHA256_HEX = frozenset("0123456789abcdef")
PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700


class BackupError(RuntimeError):
    """A backup or a restore that cannot be done; the message says why."""


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    check: IndexCheck


def sqlite_path(database_url: str) -> Path:
    """The database file of a SQLite URL; any other database is refused."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:" \
            or url.database.startswith("file:"):
        raise BackupError("archive backup and restore handle SQLite database files only, not "
                          f"{url.render_as_string()}; back that database up with its own tools (PostgreSQL: "
                          "pg_dump and pg_restore, docs/deployment.md), and rebuild the index with `archive reindex`")
    return Path(url.database).resolve()


# --- backup ------------------------------------------------------------------------------


def backup(archive: Any, dest: Path) -> dict[str, Any]:
    """Copy ``archive`` (an ``archive.facade.Archive``) into the new or empty folder ``dest``; return the manifest."""
    started = time.monotonic()
    database = sqlite_path(archive.settings.database_url)
    if not database.exists():
        raise BackupError(f"there is no archive database at {database}")
    dest = Path(dest)
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupError(f"{dest} exists and is not an empty folder; give a new folder for the backup")
    created = not dest.exists()
    dest.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
    os.chmod(dest, PRIVATE_FOLDER)  # an empty folder given by the caller, too: it will hold withheld records
    store: IndexStore = archive.index.store
    try:
        with ExitStack() as held:
            with store.swap_lock():  # no build changes name or is collected while we snapshot
                _online_copy(database, dest / DATABASE_FILE)
                build = _named_build(dest / DATABASE_FILE)
                if not build or not store.is_complete(build):
                    raise BackupError(f"the database in {archive.settings.home} names no complete index build "
                                      f"({build or 'none'}); run `archive reindex`, then back up again")
                held.enter_context(store.shared(build))
            index = dest / INDEX_FOLDER
            index.mkdir(mode=PRIVATE_FOLDER)
            _copy_build(store.folder(build), index / build)
            _private_file(index / "CURRENT")
            (index / "CURRENT").write_text(build, encoding="utf-8")
        media = media_backup(dest / DATABASE_FILE, dest)
        manifest = {
            "format": FORMAT,
            "created": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
            "app_version": _app_version(),
            "build": build,
            "counts": {**_counts(dest / DATABASE_FILE), "documents": _documents(index / build)},
            "media": media,
            "files": {},
        }
        manifest["files"] = {path: _sha256(dest / path) for path in _files(dest)}
        fsync_tree(index / build)
        _write_durably(dest / MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    except BaseException:
        if created:
            shutil.rmtree(dest, ignore_errors=True)
        else:
            for child in dest.iterdir():
                if child.is_dir():
                    shutil.rmtree(child, ignore_errors=True)
                else:
                    child.unlink(missing_ok=True)
        raise
    manifest["seconds"] = round(time.monotonic() - started, 3)
    return manifest


def _online_copy(database: Path, target: Path) -> None:
    """SQLite's backup API in one step: a consistent snapshot while others read and write."""
    _private_file(target)  # SQLite keeps the mode of the file it opens
    with closing(sqlite3.connect(database, timeout=10)) as source, closing(sqlite3.connect(target)) as copy:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        if copy.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError(f"the database {database} fails SQLite's quick_check; it is not backed up")


def _named_build(database: Path) -> str | None:
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as conn:
        try:
            row = conn.execute("SELECT build FROM index_state WHERE id = 1").fetchone()
        except sqlite3.DatabaseError:
            return None
    return row[0] if row else None


def _counts(database: Path) -> dict[str, int]:
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as conn:
        return {name: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for name, table in _COUNTED.items()}


def _documents(folder: Path) -> int:
    ix = whoosh_index.open_dir(str(folder))
    try:
        return ix.doc_count()
    finally:
        ix.close()


def _copy_build(source: Path, target: Path) -> None:
    """The index's files and the completeness marker; a cache file a searcher removes meanwhile is skipped
    (Whoosh's own files never change in a named build, and the copy is opened afterwards to be sure)."""
    target.mkdir(mode=PRIVATE_FOLDER)
    for entry in os.scandir(source):
        if entry.is_file(follow_symlinks=False) and (is_build_file(entry.name) or entry.name == COMPLETE_MARKER):
            _private_file(target / entry.name)
            try:
                shutil.copyfile(entry.path, target / entry.name)  # into the private file: its mode stays
            except FileNotFoundError:
                (target / entry.name).unlink()
                continue


def _private_file(path: Path) -> None:
    """An empty file (or the existing one emptied) that only its owner may read or write."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE))
    os.chmod(path, PRIVATE_FILE)  # it may have existed with another mode


def _files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_durably(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    _private_file(temporary)
    with open(temporary, "w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)
    fsync_tree(path.parent)


def _app_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("red-soul-archive")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree that is not installed
        return "unknown"


# --- restore -----------------------------------------------------------------------------


def verify(src: Path) -> dict[str, Any]:
    """The manifest of the backup in ``src`` once every check passed; BackupError says which failed."""
    src = Path(src)
    try:
        manifest = json.loads((src / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{src} is not a complete backup: it has no {MANIFEST}") from None
    except (OSError, ValueError) as exc:
        raise BackupError(f"the manifest of {src} cannot be read ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{src}/{MANIFEST} is not a manifest of backup format {FORMAT}")
    files, build = _checked_names(src, manifest)
    for required in (DATABASE_FILE, f"{INDEX_FOLDER}/CURRENT"):
        if required not in files:
            raise BackupError(f"the manifest of {src} does not list {required}")
    for name, digest in files.items():
        path = src / name
        if not path.is_file():
            raise BackupError(f"the backup {src} is incomplete: {name} is missing")
        if _sha256(path) != digest:
            raise BackupError(f"the backup {src} is damaged: {name} does not match its checksum")
    database = src / DATABASE_FILE
    try:
        with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as conn:
            result = conn.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"the database of {src} cannot be read ({exc})") from None
    if result != [("ok",)]:
        lines = [line for row in result for line in str(row[0]).splitlines() if not line.startswith("***")]
        raise BackupError(f"the database of {src} fails SQLite's integrity_check: {'; '.join(lines[:3])}"
                          + (f" and {len(lines) - 3} more" if len(lines) > 3 else ""))
    if _named_build(database) != build:
        raise BackupError(f"the database of {src} names the index build {_named_build(database)}, "
                          f"the manifest {build}")
    folder = src / INDEX_FOLDER / str(build)
    if not whoosh_index.exists_in(str(folder)):
        raise BackupError(f"the backup {src} lacks the index build {build}")
    try:
        documents = _documents(folder)
    except Exception as exc:  # a damaged index fails in many ways
        raise BackupError(f"the index build of {src} cannot be opened ({type(exc).__name__}: {exc})") from None
    if documents != manifest.get("counts", {}).get("documents"):
        raise BackupError(f"the index build of {src} holds {documents} documents, the manifest says "
                          f"{manifest.get('counts', {}).get('documents')}")
    return manifest


def _checked_names(src: Path, manifest: dict[str, Any]) -> tuple[dict[str, str], str]:
    """The manifest's files and build once every name is one a backup holds (see the module's notes)."""
    build, files = manifest.get("build"), manifest.get("files")
    if not isinstance(build, str) or not BUILD_PATTERN.fullmatch(build):
        raise BackupError(f"the manifest of {src} names the index build {build!r}, which is not a build name "
                          "(build-<time>-<hex>); the backup is refused")
    if not isinstance(files, dict):
        raise BackupError(f"the manifest of {src} has no list of files")
    allowed = {DATABASE_FILE, f"{INDEX_FOLDER}/CURRENT"}
    prefix = f"{INDEX_FOLDER}/{build}/"
    for name, digest in files.items():
        leaf = name[len(prefix):] if isinstance(name, str) and name.startswith(prefix) else None
        in_build = bool(leaf and "/" not in leaf and "\\" not in leaf and "\0" not in leaf
                        and (is_build_file(leaf) or leaf == COMPLETE_MARKER))
        if not isinstance(name, str) or not (name in allowed or in_build or is_media_name(name)):
            raise BackupError(f"the manifest of {src} names the file {name!r}, which a backup does not hold; "
                              "the backup is refused")
        if not isinstance(digest, str) or len(digest) != 64 or not set(digest) <= _SHA256_HEX:
            raise BackupError(f"the manifest of {src} gives {name} no SHA-256 checksum")
    for path in (src / INDEX_FOLDER, src / INDEX_FOLDER / build, *(src / name for name in files)):
        if path.is_symlink():
            raise BackupError(f"the backup {src} holds a symbolic link ({path.relative_to(src)}); "
                              "the backup is refused")
    return files, build


def restore(src: Path, settings: Settings, replace: bool = False) -> RestoreResult:
    """Verify the backup in ``src`` and make it the archive of ``settings`` (see the module's notes)."""
    from archive.facade import Archive

    database = sqlite_path(settings.database_url)
    manifest = verify(src)
    src = Path(src)
    build = manifest["build"]
    if _holds_an_archive(database) and not replace:
        raise BackupError(f"{database} already holds an archive; restoring replaces it: add --replace")
    settings.home.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
    database.parent.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
    store = IndexStore(settings.index_dir)
    store.root.mkdir(parents=True, exist_ok=True)
    with store.shared(build):  # keeps the collector off the build until the database names it
        _place_build(src / INDEX_FOLDER / build, store, build, manifest)
        beside = database.with_name(f"{database.name}.restoring-{uuid.uuid4().hex[:8]}")
        try:
            _private_file(beside)
            shutil.copyfile(src / DATABASE_FILE, beside)
            media_restore(src, manifest, settings.home, beside)
            with open(beside, "rb+") as f:
                os.fsync(f.fileno())
            with store.swap_lock():
                _retire(database)
                os.replace(beside, database)
                fsync_tree(database.parent)
                store.point_to(build)
        finally:
            beside.unlink(missing_ok=True)
    archive = Archive.open(settings.home, settings.database_url)  # recovery: collects the old builds
    try:
        return RestoreResult(manifest, archive.check_index())
    finally:
        archive.close()


def _holds_an_archive(database: Path) -> bool:
    if not database.exists():
        return False
    try:
        with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as conn:
            return bool(conn.execute("SELECT count(*) FROM collection").fetchone()[0])
    except sqlite3.DatabaseError:
        return True  # something is there that we cannot read: not ours to overwrite silently


def _place_build(source: Path, store: IndexStore, build: str, manifest: dict[str, Any]) -> None:
    """The backup's build in the home's index folder (kept when the same build is already there intact)."""
    target = store.folder(build)
    prefix = f"{INDEX_FOLDER}/{build}/"
    expected = {name[len(prefix):]: digest for name, digest in manifest["files"].items() if name.startswith(prefix)}
    if target.is_dir() and all((target / n).is_file() and _sha256(target / n) == d for n, d in expected.items()):
        return
    temporary = store.root / f"restoring-{uuid.uuid4().hex[:8]}"
    try:
        temporary.mkdir()
        for name in expected:  # only the files the manifest lists, each name checked by verify
            shutil.copyfile(source / name, temporary / name)
        fsync_tree(temporary)
        if target.exists():
            shutil.rmtree(target)
        os.replace(temporary, target)
        fsync_tree(store.root)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


def _retire(database: Path) -> None:
    """Fold the old database's write-ahead log into it and remove the log, so it is never replayed into the new file."""
    if database.exists():
        with closing(sqlite3.connect(database, timeout=10)) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)


# --- media -------------------------------------------------------------------------------
#
# The recordings an archive serves are files of the collection folder, which the database names
# by their path on disk (``recording.media_path``, set when the import verified their checksum).
# A backup copies each one, by its checksum, as ``media/<sha256>``; a restore puts them in the
# home's ``media/`` folder and points the restored database's recordings at them, so that the
# restored archive serves its recordings even where the collection folder is gone. Recordings
# held elsewhere (a ``url``) are not the archive's to copy.

MEDIA_FOLDER = "media"


def is_media_name(name: str) -> bool:
    """A name a backup may hold a recording under: ``media/`` and a SHA-256 in lower-case hex."""
    folder, _, digest = name.partition("/")
    return folder == MEDIA_FOLDER and len(digest) == 64 and set(digest) <= _SHA256_HEX


def media_backup(database: Path, dest: Path) -> dict[str, Any]:
    """Copy the local recordings the database at ``database`` serves into ``dest/media/``; return the
    manifest's ``media``: each recording's file in the backup, and the recordings whose file is gone
    or no longer has the checksum the import verified (``missing``: the backup is made without them)."""
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as conn:
        try:
            rows = conn.execute("SELECT id, media_path, sha256 FROM recording WHERE media_path IS NOT NULL "
                                "ORDER BY id").fetchall()
        except sqlite3.DatabaseError:  # a database from before recordings were stored
            rows = []
    recordings: dict[str, str] = {}
    missing: list[str] = []
    for recording_id, path, digest in rows:
        name = f"{MEDIA_FOLDER}/{digest}"
        target = dest / name
        if not (isinstance(digest, str) and is_media_name(name)):
            missing.append(recording_id)
            continue
        if not target.exists():
            target.parent.mkdir(mode=PRIVATE_FOLDER, exist_ok=True)
            _private_file(target)
            try:
                shutil.copyfile(path, target)  # into the private file: its mode stays
            except OSError:
                target.unlink()
                missing.append(recording_id)
                continue
            if _sha256(target) != digest:  # changed since the import checked it
                target.unlink()
                missing.append(recording_id)
                continue
        recordings[recording_id] = name
    if recordings:
        fsync_tree(dest / MEDIA_FOLDER)
    return {"recordings": recordings, "missing": missing}


def media_restore(src: Path, manifest: dict[str, Any], home: Path, database: Path) -> None:
    """Put the backup's recordings in ``home/media/`` and point the recordings of ``database`` (the
    restored copy, before it takes the archive's place) at them. A backup made before recordings
    were backed up has none: its recordings keep the paths it names."""
    media = manifest.get("media") or {}
    recordings = media.get("recordings") or {}
    if not isinstance(recordings, dict):
        raise BackupError(f"the manifest of {src} lists its recordings wrongly; the backup is refused")
    for recording_id, name in recordings.items():
        if not (isinstance(recording_id, str) and isinstance(name, str) and name in manifest["files"]):
            raise BackupError(f"the manifest of {src} gives the recording {recording_id!r} a file it does not "
                              "list; the backup is refused")
    if not recordings:
        return
    folder = home / MEDIA_FOLDER
    folder.mkdir(mode=PRIVATE_FOLDER, exist_ok=True)
    placed: dict[str, str] = {}
    for recording_id, name in recordings.items():
        target = folder / name.partition("/")[2]
        if not (target.is_file() and _sha256(target) == manifest["files"][name]):
            _private_file(target)
            shutil.copyfile(src / name, target)
        placed[recording_id] = str(target.resolve())
    fsync_tree(folder)
    with closing(sqlite3.connect(database)) as conn:
        conn.executemany("UPDATE recording SET media_path = ? WHERE id = ?",
                         [(path, recording_id) for recording_id, path in placed.items()])
        conn.commit()
