"""Until archive/interchange, archive/cli and their tests import the page modules themselves
(``common``, ``people``, ``collection``); then delete. The read side lives in
``archive/catalogue/``: one module per page, and ``common`` for what they share."""

from archive.catalogue.collection import CollectionInfo, collection_info
from archive.catalogue.common import NotFound, SourceInfo, anchor, vocabulary
from archive.catalogue.people import InterviewView, PersonDetail, people, person

__all__ = ["CollectionInfo", "InterviewView", "NotFound", "PersonDetail", "SourceInfo", "anchor", "collection_info",
           "people", "person", "vocabulary"]
