"""The database tables, mirroring the collection format.

Natural, stable ids (the slugs of the YAML files) are the primary keys, so a record
keeps its id across re-imports and every permalink stays valid. Lists that are only
ever shown whole (ages, places, organisations) are JSON columns; everything that is
filtered or counted (stance, theme, fate, visibility, dates) is a column of its own.
Only portable SQLAlchemy types are used, so ``DATABASE_URL`` may name another database.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel


def _json(**kwargs: Any) -> Any:
    return Field(default=None, sa_column=Column(JSON, **kwargs))


class CollectionRecord(SQLModel, table=True):
    __tablename__ = "collection"
    id: str = Field(primary_key=True)
    title: str
    title_native: Optional[str] = None
    kind: str
    year: Optional[int] = None
    runtime_minutes: Optional[int] = None
    languages: Any = _json()
    subtitle_languages: Any = _json()
    directors: Any = _json()
    organisations: Any = _json()
    premiere: Any = _json()
    description: Any = _json()
    description_sources: Any = _json()
    facts_sources: Any = _json()
    rights: Optional[str] = None


class Source(SQLModel, table=True):
    id: str = Field(primary_key=True)
    position: int
    title: str
    author: Optional[str] = None
    publisher: Optional[str] = None
    date: Optional[str] = None
    kind: str
    url: Optional[str] = None
    locator: Optional[str] = None
    language: Optional[str] = None
    text_file: Optional[str] = None
    notes: Optional[str] = None


class VocabularyTerm(SQLModel, table=True):
    __tablename__ = "vocabulary_term"
    kind: str = Field(primary_key=True)
    id: str = Field(primary_key=True)
    position: int
    label: Any = _json()
    definition: Any = _json()
    synonyms: Any = _json()
    repression: Optional[bool] = None


class Person(SQLModel, table=True):
    id: str = Field(primary_key=True)
    position: int
    name: str
    name_native: Optional[str] = None
    pseudonym: bool = False
    real_name: Optional[str] = None  # behind a pseudonym; researchers only
    real_name_native: Optional[str] = None
    is_group: bool = False
    role: str
    ages: Any = _json()
    occupations: Any = _json()
    places: Any = _json()
    stance: str = Field(index=True)
    stance_basis: str
    stance_rationale: str
    stance_supporting_quotes: Any = _json()
    stance_coded_by: str
    stance_coded_on: Optional[dt.date] = None
    stance_source: Optional[str] = Field(default=None, foreign_key="source.id")
    stance_locator: Optional[str] = None
    portrait: Any = _json()
    portrait_sources: Any = _json()
    visibility: str = Field(default="public", index=True)
    embargo_until: Optional[dt.date] = None
    visibility_reason: Optional[str] = None
    visibility_review: Optional[dt.date] = None
    private_notes: Optional[str] = None  # never published: see visibility.may_read_field


class Relative(SQLModel, table=True):
    id: str = Field(primary_key=True)
    person_id: str = Field(foreign_key="person.id", index=True)
    position: int
    relation: str
    name: Optional[str] = None
    name_native: Optional[str] = None
    external_records: Any = _json()
    notes: Optional[str] = None
    private_notes: Optional[str] = None  # never published: see visibility.may_read_field


class FateEvent(SQLModel, table=True):
    __tablename__ = "fate_event"
    id: str = Field(primary_key=True)
    relative_id: str = Field(foreign_key="relative.id", index=True)
    person_id: str = Field(foreign_key="person.id", index=True)
    position: int
    kind: str = Field(index=True)
    date: Optional[str] = None
    date_start: Optional[dt.date] = None
    date_end: Optional[dt.date] = None
    place: Optional[str] = None
    details: Optional[str] = None
    source: str = Field(foreign_key="source.id")
    locator: Optional[str] = None
    private_notes: Optional[str] = None  # never published: see visibility.may_read_field


class Interview(SQLModel, table=True):
    id: str = Field(primary_key=True)
    person_id: str = Field(foreign_key="person.id", index=True)
    local_id: str
    position: int
    date: Optional[str] = None
    place: Optional[str] = None
    interviewer: Optional[str] = None
    language: Optional[str] = None
    media: Optional[str] = None
    duration_seconds: Optional[float] = None
    source: Optional[str] = Field(default=None, foreign_key="source.id")
    locator: Optional[str] = None
    private_notes: Optional[str] = None  # never published: see visibility.may_read_field


class Quote(SQLModel, table=True):
    id: str = Field(primary_key=True)
    person_id: str = Field(foreign_key="person.id", index=True)
    position: int
    original_language: str
    published_translations: Any = _json()
    recording: Optional[str] = None
    timecode_in: Optional[float] = None
    timecode_out: Optional[float] = None
    stance: str = Field(index=True)
    context: Optional[str] = None
    source: str = Field(foreign_key="source.id", index=True)
    locator: Optional[str] = None
    visibility: str = Field(default="public", index=True)
    embargo_until: Optional[dt.date] = None
    visibility_reason: Optional[str] = None
    visibility_review: Optional[dt.date] = None
    private_notes: Optional[str] = None  # never published: see visibility.may_read_field


class QuoteText(SQLModel, table=True):
    __tablename__ = "quote_text"
    quote_id: str = Field(foreign_key="quote.id", primary_key=True)
    lang: str = Field(primary_key=True)
    text: str
    is_original: bool
    is_published: bool


class QuoteTheme(SQLModel, table=True):
    __tablename__ = "quote_theme"
    quote_id: str = Field(foreign_key="quote.id", primary_key=True)
    theme: str = Field(primary_key=True)
    position: int

    __table_args__ = (Index("ix_quote_theme_theme", "theme"),)


class TimelineEvent(SQLModel, table=True):
    __tablename__ = "timeline_event"
    id: str = Field(primary_key=True)
    person_id: str = Field(foreign_key="person.id", index=True)
    position: int
    date: Optional[str] = None
    date_start: Optional[dt.date] = None
    date_end: Optional[dt.date] = None
    description: Any = _json()
    place: Optional[str] = None
    source: str = Field(foreign_key="source.id")
    locator: Optional[str] = None
    private_notes: Optional[str] = None  # never published: see visibility.may_read_field


# Parents before children: inserts run in this order, deletes in reverse.
TABLES_IN_ORDER: tuple[type[SQLModel], ...] = (
    CollectionRecord,
    Source,
    VocabularyTerm,
    Person,
    Relative,
    FateEvent,
    Interview,
    Quote,
    QuoteText,
    QuoteTheme,
    TimelineEvent,
)


class RecordChange(SQLModel, table=True):
    """When each person record last changed, and which were deleted: OAI-PMH datestamps and
    deleted records come from here. Written by the import, never from the YAML files."""

    __tablename__ = "record_change"
    kind: str = Field(primary_key=True)
    id: str = Field(primary_key=True)
    changed_at: dt.datetime = Field(index=True)
    deleted: bool = False


INDEX_STATE_ROW = 1  # the table holds one row, with this id


class IndexState(SQLModel, table=True):
    """The index build the database's contents are indexed in (one row); kept in step with the
    index by ``archive/search/index_state.py``."""

    __tablename__ = "index_state"
    id: int = Field(default=INDEX_STATE_ROW, primary_key=True)
    build: Optional[str] = None
    changed_at: Optional[dt.datetime] = None
    # incremented by every commit of an import or a reindex, even one that keeps the build (an
    # import that touched no person's documents: a source, the collection record): the read
    # cache (archive/catalogue/read_cache.py) keys derived data on (build, data_version)
    data_version: Optional[int] = None
