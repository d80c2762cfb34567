"""The database tables, mirroring the collection format.

Natural, stable ids (the slugs of the YAML files) are the primary keys, so a record
keeps its id across re-imports and every permalink stays valid. Lists that are only
ever shown whole (ages, places, organisations) are JSON columns; everything that is
filtered or counted (stance, theme, fate, visibility, dates) is a column of its own.
Only portable SQLAlchemy types are used, so ``DATABASE_URL`` may name another database.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel


def _json(**kwargs: Any) -> Any:
    return Field(default=None, sa_column=Column(JSON, **kwargs))


class CollectionRecord(SQLModel, table=True):
    __tablename__ = "collection"
    id: str = Field(primary_key=True)
    title: str
    title_native: str | None = None
    kind: str
    year: int | None = None
    runtime_minutes: int | None = None
    languages: Any = _json()
    subtitle_languages: Any = _json()
    directors: Any = _json()
    organisations: Any = _json()
    premiere: Any = _json()
    description: Any = _json()
    description_sources: Any = _json()
    facts_sources: Any = _json()
    rights: str | None = None


class Source(SQLModel, table=True):
    id: str = Field(primary_key=True)
    position: int
    title: str
    author: str | None = None
    publisher: str | None = None
    date: str | None = None
    kind: str
    url: str | None = None
    locator: str | None = None
    language: str | None = None
    text_file: str | None = None
    notes: str | None = None


class VocabularyTerm(SQLModel, table=True):
    __tablename__ = "vocabulary_term"
    kind: str = Field(primary_key=True)
    id: str = Field(primary_key=True)
    position: int
    label: Any = _json()
    definition: Any = _json()
    synonyms: Any = _json()
    repression: bool | None = None


class Person(SQLModel, table=True):
    id: str = Field(primary_key=True)
    position: int
    name: str
    name_native: str | None = None
    pseudonym: bool = False
    real_name: str | None = None  # behind a pseudonym; researchers only
    real_name_native: str | None = None
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
    stance_coded_on: dt.date | None = None
    stance_source: str | None = Field(default=None, foreign_key="source.id")
    stance_locator: str | None = None
    portrait: Any = _json()
    portrait_sources: Any = _json()
    visibility: str = Field(default="public", index=True)
    embargo_until: dt.date | None = None
    visibility_reason: str | None = None
    visibility_review: dt.date | None = None
    private_notes: str | None = None  # never published: see visibility.may_read_field


class Relative(SQLModel, table=True):
    id: str = Field(primary_key=True)
    person_id: str = Field(foreign_key="person.id", index=True)
    position: int
    relation: str
    name: str | None = None
    name_native: str | None = None
    external_records: Any = _json()
    notes: str | None = None
    private_notes: str | None = None  # never published: see visibility.may_read_field
    # who may see it (archive/access/visibility.py); the default fills older databases' rows
    visibility: str = Field(default="public", sa_column_kwargs={"server_default": "public"})
    embargo_until: dt.date | None = None
    visibility_reason: str | None = None
    visibility_review: dt.date | None = None


class FateEvent(SQLModel, table=True):
    __tablename__ = "fate_event"
    id: str = Field(primary_key=True)
    relative_id: str = Field(foreign_key="relative.id", index=True)
    person_id: str = Field(foreign_key="person.id", index=True)
    position: int
    kind: str = Field(index=True)
    date: str | None = None
    date_start: dt.date | None = None
    date_end: dt.date | None = None
    place: str | None = None
    details: str | None = None
    source: str = Field(foreign_key="source.id")
    locator: str | None = None
    private_notes: str | None = None  # never published: see visibility.may_read_field
    # who may see it (archive/access/visibility.py); the default fills older databases' rows
    visibility: str = Field(default="public", sa_column_kwargs={"server_default": "public"})
    embargo_until: dt.date | None = None
    visibility_reason: str | None = None
    visibility_review: dt.date | None = None


class Interview(SQLModel, table=True):
    id: str = Field(primary_key=True)
    person_id: str = Field(foreign_key="person.id", index=True)
    local_id: str
    position: int
    date: str | None = None
    place: str | None = None
    interviewer: str | None = None
    language: str | None = None
    media: str | None = None
    duration_seconds: float | None = None
    source: str | None = Field(default=None, foreign_key="source.id")
    locator: str | None = None
    private_notes: str | None = None  # never published: see visibility.may_read_field


class Quote(SQLModel, table=True):
    id: str = Field(primary_key=True)
    person_id: str = Field(foreign_key="person.id", index=True)
    position: int
    original_language: str
    published_translations: Any = _json()
    recording: str | None = None
    timecode_in: float | None = None
    timecode_out: float | None = None
    stance: str = Field(index=True)
    context: str | None = None
    source: str = Field(foreign_key="source.id", index=True)
    locator: str | None = None
    visibility: str = Field(default="public", index=True)
    embargo_until: dt.date | None = None
    visibility_reason: str | None = None
    visibility_review: dt.date | None = None
    private_notes: str | None = None  # never published: see visibility.may_read_field


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
    date: str | None = None
    date_start: dt.date | None = None
    date_end: dt.date | None = None
    description: Any = _json()
    place: str | None = None
    source: str = Field(foreign_key="source.id")
    locator: str | None = None
    private_notes: str | None = None  # never published: see visibility.may_read_field
    # who may see it (archive/access/visibility.py); the default fills older databases' rows
    visibility: str = Field(default="public", sa_column_kwargs={"server_default": "public"})
    embargo_until: dt.date | None = None
    visibility_reason: str | None = None
    visibility_review: dt.date | None = None


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
    build: str | None = None
    changed_at: dt.datetime | None = None
    # incremented by every commit of an import or a reindex, even one that keeps the build (an
    # import that touched no person's documents: a source, the collection record): the read
    # cache (archive/catalogue/read_cache.py) keys derived data on (build, data_version)
    data_version: int | None = None
