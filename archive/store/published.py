"""What the archive has published to harvesters: one row per person record, with a hash of its
published content, its datestamp, and whether it has been withdrawn.

OAI-PMH (``archive/interchange/oai_pmh.py``) brings these rows up to date with the database
the first time it answers after the archive's contents changed (an import: the
``index_state`` data version) or the day changed (an embargo may have ended), and reads them
otherwise. A record's datestamp moves only when its published content (its Dublin Core as
anyone may see it, and the sets it is in) hashes differently, so an import that changes
nothing a harvester sees stamps nothing. A record that was published and no longer is
(removed, made restricted, or embargoed) stays as a tombstone (``deleted``) for good, so
harvesters learn to drop their copy; a record that was never published has no row, so its
withdrawal reveals nothing.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel


class PublishedRecord(SQLModel, table=True):
    __tablename__ = "published_record"
    kind: str = Field(primary_key=True)  # "person"
    id: str = Field(primary_key=True)
    content_hash: str = ""  # empty for a tombstone
    datestamp: dt.datetime = Field(index=True)
    deleted: bool = False


PUBLISHED_STATE_ROW = 1


class PublishedState(SQLModel, table=True):
    """Which state of the archive the published records were last brought up to date with (one row)."""

    __tablename__ = "published_state"
    id: int = Field(default=PUBLISHED_STATE_ROW, primary_key=True)
    generation: str = ""
