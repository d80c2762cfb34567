"""The oral-history archive: collection format, database, visibility rule, search and exports.

The command line (``archive …``) and the web app (``webapp``) are thin faces of this package.
"""

from archive.collection_loader import Collection, read_collection
from archive.home import Archive
from archive.problems import InvalidCollection, Problem
from archive.visibility import ANONYMOUS, Viewer

__all__ = ["ANONYMOUS", "Archive", "Collection", "InvalidCollection", "Problem", "Viewer", "read_collection"]
