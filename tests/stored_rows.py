"""What an archive's SQLite file holds, to compare two imports value for value."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from archive.store import models


def stored_rows(home: Path, sort: bool = True) -> dict[str, list[tuple[Any, ...]]]:
    """Every stored value of the collection's tables with its SQLite storage class; sorted, or
    in rowid order (the order the rows were written in) when ``sort`` is False."""
    db = sqlite3.connect(home / "archive.sqlite3")
    try:
        found = {}
        for table in models.TABLES_IN_ORDER:
            name = table.__table__.name  # type: ignore[attr-defined]
            columns = [row[1] for row in db.execute(f"PRAGMA table_info({name})")]
            selected = ", ".join(f"{c}, typeof({c})" for c in columns)
            rows = db.execute(f"SELECT {selected} FROM {name} ORDER BY rowid").fetchall()
            found[name] = sorted(rows, key=repr) if sort else rows
        return found
    finally:
        db.close()
