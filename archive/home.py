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
from archive.settings import Settings, resolve
from archive.stats import Stats, collect_stats
from archive.visibility import ANONYMOUS, Viewer


@dataclass
class Archive:
    settings: Settings
    engine: Engine

    @classmethod
    def open(cls, home: str | Path | None = None, database_url: str | None = None) -> "Archive":
        settings = resolve(home, database_url)
        return cls(settings, open_database(settings))

    def import_collection(self, path: str | Path, progress: Progress | None = None) -> ImportReport:
        """Validate the collection at ``path`` (raising InvalidCollection) and write it in one transaction."""
        collection = read_collection(path, progress)
        return import_collection(collection, self.engine)

    def is_empty(self) -> bool:
        with self.engine.connect() as conn:
            return not conn.scalar(select(func.count()).select_from(models.CollectionRecord))

    def stats(self, viewer: Viewer = ANONYMOUS) -> Stats:
        return collect_stats(self.engine, viewer)

    def close(self) -> None:
        self.engine.dispose()
