"""The index on disk: builds, the atomic swap, incremental updates, and consistency checks.

``home/index/CURRENT`` names the build in use. A rebuild writes a new build folder beside
it and then replaces ``CURRENT`` with ``os.replace`` (atomic), so a searcher sees either the
old index or the new one, never a half-built one. Searchers notice the change and reopen.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from whoosh import index as whoosh_index
from whoosh.index import Index

from archive.search.index_schema import build_schema

Progress = Callable[[Iterable[dict[str, Any]], int], Iterable[dict[str, Any]]]
_KEEP_OLD_BUILDS = 1  # the previous build stays for searchers that still hold it open


class IndexMissing(RuntimeError):
    """There is no index yet (run ``archive reindex``)."""


@dataclass
class IndexCheck:
    ok: bool
    problems: list[str] = field(default_factory=list)
    documents: int = 0


class IndexStore:
    def __init__(self, root: Path):
        self.root = root
        self.pointer = root / "CURRENT"

    def current_name(self) -> str | None:
        try:
            return self.pointer.read_text(encoding="utf-8").strip() or None
        except FileNotFoundError:
            return None

    def exists(self) -> bool:
        name = self.current_name()
        return bool(name) and whoosh_index.exists_in(str(self.root / name))

    def open(self) -> tuple[str, Index]:
        name = self.current_name()
        if not name or not whoosh_index.exists_in(str(self.root / name)):
            raise IndexMissing(f"no search index in {self.root}; run `archive reindex`")
        return name, whoosh_index.open_dir(str(self.root / name))

    def rebuild(self, documents: Iterable[dict[str, Any]], total: int | None = None,
                procs: int = 1, limitmb: int = 256) -> int:
        """Write every document into a new build, then swap it in atomically."""
        self.root.mkdir(parents=True, exist_ok=True)
        name = f"build-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
        folder = self.root / name
        folder.mkdir()
        try:
            ix = whoosh_index.create_in(str(folder), build_schema())
            writer = ix.writer(procs=procs, limitmb=limitmb, multisegment=procs > 1) if procs > 1 else \
                ix.writer(limitmb=limitmb)
            count = 0
            for doc in documents:
                writer.add_document(**doc)
                count += 1
            writer.commit()
            ix.close()
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        temporary = self.root / f"CURRENT.{uuid.uuid4().hex}"
        temporary.write_text(name, encoding="utf-8")
        os.replace(temporary, self.pointer)
        self._remove_old_builds(keep=name)
        return count

    def _remove_old_builds(self, keep: str) -> None:
        builds = sorted((p for p in self.root.glob("build-*") if p.is_dir() and p.name != keep),
                        key=lambda p: p.stat().st_mtime, reverse=True)
        for old in builds[_KEEP_OLD_BUILDS:]:
            shutil.rmtree(old, ignore_errors=True)

    def replace_people(self, person_ids: Iterable[str], documents: Iterable[dict[str, Any]]) -> int:
        """Incremental update: delete the people's documents and add their new ones, in one commit."""
        _, ix = self.open()
        writer = ix.writer()
        try:
            for person_id in person_ids:
                writer.delete_by_term("person_id", person_id)
            count = 0
            for doc in documents:
                writer.add_document(**doc)
                count += 1
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        finally:
            ix.close()
        return count

    def fingerprints(self) -> dict[str, str]:
        """doc_id → fingerprint of every live document in the index."""
        _, ix = self.open()
        with ix.searcher() as searcher:
            return {fields["doc_id"]: fields.get("fingerprint", "") for fields in searcher.all_stored_fields()}

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
