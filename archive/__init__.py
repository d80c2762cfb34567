"""The oral-history archive: collection format, database, visibility rule, search and exports.

The command line (``archive …``) and the web app (``webapp``) are thin faces of this package.
"""

from archive.collection.loader import Collection, read_collection
from archive.facade import Archive
from archive.collection.problems import InvalidCollection, Problem
from archive.access.visibility import ANONYMOUS, Viewer

__all__ = ["ANONYMOUS", "Archive", "Collection", "InvalidCollection", "Problem", "Viewer", "read_collection"]
