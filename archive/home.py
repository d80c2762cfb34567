"""An opened archive: its settings, its database and (once search exists) its index.

This is the library face that the CLI and the web app both call, so that each command
and each page is a thin wrapper over one method here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from archive import models
from archive.collection_loader import Progress, read_collection
from archive.database import open_database
from archive.importer import ImportReport, import_collection
from archive.search.engine import DocProgress, SearchIndex
from archive.search.index_store import IndexCheck, IndexStore
from archive.search.request import SearchRequest, SearchResult
from archive.settings import Settings, resolve
from archive.stats import Stats, collect_stats
from archive.visibility import ANONYMOUS, Viewer


@dataclass
class Archive:
    settings: Settings
    engine: Engine
    index: SearchIndex

    @classmethod
    def open(cls, home: str | Path | None = None, database_url: str | None = None) -> "Archive":
        settings = resolve(home, database_url)
        engine = open_database(settings)
        return cls(settings, engine, SearchIndex(IndexStore(settings.index_dir), engine))

    def import_collection(self, path: str | Path, progress: Progress | None = None,
                          index_progress: DocProgress | None = None) -> ImportReport:
        """Validate the collection at ``path`` (raising InvalidCollection), write it in one
        transaction, then bring the search index up to date: only the people the import
        touched, or a full rebuild when there is no index yet or the vocabulary changed
        (its labels are in every document)."""
        collection = read_collection(path, progress)
        report = import_collection(collection, self.engine)
        if not self.index.store.exists() or report.vocabulary_changed:
            self.reindex(index_progress)
        else:
            self.index.update_people(report.touched_people | report.removed.get("people", set()))
        return report

    def reindex(self, progress: DocProgress | None = None, procs: int | None = None) -> int:
        """Rebuild the search index from the database and swap it in atomically."""
        return self.index.rebuild(progress, procs=procs)

    def check_index(self) -> IndexCheck:
        return self.index.check()

    def search(self, request: SearchRequest, viewer: Viewer = ANONYMOUS) -> SearchResult:
        return self.index.search(request, viewer)

    def is_empty(self) -> bool:
        with self.engine.connect() as conn:
            return not conn.scalar(select(func.count()).select_from(models.CollectionRecord))

    def stats(self, viewer: Viewer = ANONYMOUS) -> Stats:
        return collect_stats(self.engine, viewer)

    def close(self) -> None:
        self.index.close()
        self.engine.dispose()
