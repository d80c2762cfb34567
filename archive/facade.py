"""An opened archive: its settings, its database and (once search exists) its index.

This is the library face that the CLI and the web app both call, so that each command
and each page is a thin wrapper over one method here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from archive.access.visibility import ANONYMOUS, Viewer
from archive.search import index_state
from archive.search.engine import DocProgress, SearchIndex
from archive.search.index_store import IndexCheck, IndexStore
from archive.search.request import SearchRequest, SearchResult
from archive.settings import Settings, resolve
from archive.store.connection import open_database

if TYPE_CHECKING:  # what only an import or the statistics need is loaded when they run
    from archive.catalogue.stats import Stats
    from archive.collection.loader import Progress
    from archive.store.row_writer import ImportReport


@dataclass
class Archive:
    settings: Settings
    engine: Engine
    index: SearchIndex
    recovery: index_state.Recovery | None = None

    @classmethod
    def open(cls, home: str | Path | None = None, database_url: str | None = None,
             upgrade_schema: bool = True) -> Archive:
        """Open (creating when needed) the archive, and recover from a crash of an import or a
        reindex: CURRENT is pointed at the index build the database names, stray builds go. A
        database at an older schema revision is upgraded, or with ``upgrade_schema=False`` refused."""
        settings = resolve(home, database_url)
        engine = open_database(settings, upgrade_schema)
        archive = cls(settings, engine, SearchIndex(IndexStore(settings.index_dir), engine))
        archive.recovery = archive.index.recover()
        return archive

    def import_collection(self, path: str | Path, progress: Progress | None = None,
                          index_progress: DocProgress | None = None) -> ImportReport:
        """Validate the collection at ``path`` (raising InvalidCollection), then write it and bring
        the search index up to date as one change: the rows, then a new index build with only the
        people the import touched re-indexed (every document when there is no index yet or the
        vocabulary changed: its labels are in every document), then one commit that names the
        build, then the swap (``archive/search/index_state.py``). A crash anywhere leaves the old
        database and index, or the new ones."""
        with index_state.write_transaction(self.engine) as conn:
            # The files are read and written in one pass (``archive/store/folder_import.py``).
            from archive.store.crashpoints import crash_point
            from archive.store.folder_import import import_folder

            report = import_folder(path, conn, progress, workers=self.settings.import_workers)
            crash_point("db-written")
            self.index.commit_import(conn, report.touched_people | report.removed.get("people", set()),
                                     full=report.vocabulary_changed, progress=index_progress)
        return report

    def reindex(self, progress: DocProgress | None = None, procs: int | None = None) -> int:
        """Rebuild the search index from the database and swap it in atomically."""
        return self.index.rebuild(progress, procs=procs)

    def check_index(self) -> IndexCheck:
        return self.index.check()

    def search(self, request: SearchRequest, viewer: Viewer = ANONYMOUS) -> SearchResult:
        return self.index.search(request, viewer)

    def is_empty(self) -> bool:
        from archive.store import models

        with self.engine.connect() as conn:
            return not conn.scalar(select(func.count()).select_from(models.CollectionRecord))

    def stats(self, viewer: Viewer = ANONYMOUS) -> Stats:
        from archive.catalogue.stats import collect_stats

        return collect_stats(self.engine, viewer)

    def close(self) -> None:
        self.index.close()
        self.engine.dispose()
