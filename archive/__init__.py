"""The oral-history archive: collection format, database, visibility rule, search and exports.

The command line (``archive …``) and the web app (``webapp``) are thin faces of this package.
The public names below are imported on first use (PEP 562), so that importing a small part
of the package, as the command line's help does, does not load the database and search layers.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from archive.access.visibility import ANONYMOUS, Viewer
    from archive.collection.loader import Collection, read_collection
    from archive.collection.problems import InvalidCollection, Problem
    from archive.facade import Archive

_PUBLIC = {
    "ANONYMOUS": "archive.access.visibility",
    "Archive": "archive.facade",
    "Collection": "archive.collection.loader",
    "InvalidCollection": "archive.collection.problems",
    "Problem": "archive.collection.problems",
    "Viewer": "archive.access.visibility",
    "read_collection": "archive.collection.loader",
}

__all__ = ["ANONYMOUS", "Archive", "Collection", "InvalidCollection", "Problem", "Viewer", "read_collection"]


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module 'archive' has no attribute {name!r}")
    value = getattr(importlib.import_module(_PUBLIC[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
