"""Where an archive lives: its home folder, its database and its search index.

One folder holds the SQLite file and the Whoosh index: ``--home``, else the
``ARCHIVE_HOME`` environment variable, else ``./instance`` (the Flask instance folder of
the web app, which uses the same folder). ``DATABASE_URL`` may point the database
elsewhere; the index always lives in the home folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_COLLECTION = Path("data")


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str

    @property
    def index_dir(self) -> Path:
        return self.home / "index"


def resolve(home: str | os.PathLike[str] | None = None, database_url: str | None = None) -> Settings:
    chosen = Path(home or os.environ.get("ARCHIVE_HOME") or Path.cwd() / "instance").resolve()
    url = database_url or os.environ.get("DATABASE_URL") or f"sqlite:///{chosen / 'archive.sqlite3'}"
    return Settings(home=chosen, database_url=url)
