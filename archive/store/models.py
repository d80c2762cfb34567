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

from sqlalchemy import JSON, Column, Index, Table, inspect
from sqlmodel import Field, SQLModel

from archive.store.reflected import INDEX_STATE_ROW  # the index_state table's one row


def _json(**kwargs: Any) -> Any:
    return Field(default=None, sa_column=Column(JSON, **kwargs))


def table_of(model: type[SQLModel]) -> Table:
    """The Core table a table model is mapped to (its ``__table__``, which SQLModel does not declare
    to type checkers), for reading plain rows and for bulk writes."""
    table = inspect(model).local_table
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not mapped to a table")
    return table


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
    rights: str | None = None  # a rightsstatements.org or Creative Commons URI, or a statement in words
    rights_holder: str | None = None


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
    # who may see it (archive/access/visibility.py); the default fills older databases' rows
    visibility: str = Field(default="public", sa_column_kwargs={"server_default": "public"})
    embargo_until: dt.date | None = None
    visibility_reason: str | None = None
    visibility_review: dt.date | None = None


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
    # the testimony's own rights statement; None: the collection's (archive/catalogue/rights.py)
    rights_uri: str | None = None
    rights_holder: str | None = None


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
    # ``name`` is a pseudonym (None in older databases' rows: not one); the real name behind it is
    # read by researchers only, as a person's (visibility.may_read_field)
    pseudonym: bool | None = None
    real_name: str | None = None
    real_name_native: str | None = None


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
    title: Any = _json()  # per language
    catalogue: Any = _json()  # the holding archive's record (collection format ``CatalogueRecord``), as given


class Recording(SQLModel, table=True):
    """A recording of an interview (a part, a tape): a checked local file or an external URL."""

    id: str = Field(primary_key=True)  # person/interview/recording
    interview_id: str = Field(foreign_key="interview.id", index=True)
    person_id: str = Field(foreign_key="person.id", index=True)
    local_id: str
    position: int
    file: str | None = None  # as the collection names it (under media/)
    media_path: str | None = None  # the file on disk, whose checksum the import verified; never published
    url: str | None = None
    mime_type: str
    duration_seconds: float | None = None
    sha256: str | None = None
    rights_uri: str | None = None
    rights_holder: str | None = None
    visibility: str = Field(default="public", index=True)
    embargo_until: dt.date | None = None
    visibility_reason: str | None = None
    visibility_review: dt.date | None = None


class TranscriptSegment(SQLModel, table=True):
    """One timed passage of an interview's transcript, its text per language."""

    __tablename__ = "transcript_segment"
    id: str = Field(primary_key=True)  # person/interview#s<position>
    interview_id: str = Field(foreign_key="interview.id", index=True)
    person_id: str = Field(foreign_key="person.id", index=True)
    recording_id: str | None = Field(default=None, foreign_key="recording.id")
    position: int
    start_seconds: float
    end_seconds: float
    speaker_name: str
    speaker_role: str
    original_language: str
    text: Any = _json()  # per language
    visibility: str = Field(default="public", index=True)
    embargo_until: dt.date | None = None
    visibility_reason: str | None = None
    visibility_review: dt.date | None = None


class IndexPoint(SQLModel, table=True):
    """An entry of an interview's table of contents (an OHMS index point); text fields per language."""

    __tablename__ = "index_point"
    id: str = Field(primary_key=True)  # person/interview#p<position>
    interview_id: str = Field(foreign_key="interview.id", index=True)
    person_id: str = Field(foreign_key="person.id", index=True)
    recording_id: str | None = Field(default=None, foreign_key="recording.id")
    position: int
    start_seconds: float
    title: Any = _json()
    synopsis: Any = _json()
    partial_transcript: Any = _json()
    keywords: Any = _json()  # per language, a list each
    subjects: Any = _json()
    latitude: float | None = None
    longitude: float | None = None
    zoom: int | None = None
    place: Any = _json()
    hyperlinks: Any = _json()  # [{url, text: {lang: text}}]


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
    # the transcript passage the quote comes from: a recording id (person/interview/recording), seconds
    span_recording: str | None = None
    span_start: float | None = None
    span_end: float | None = None
    # the quote's own rights statement; None: its person's, else the collection's
    rights_uri: str | None = None
    rights_holder: str | None = None


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
    Recording,
    TranscriptSegment,
    IndexPoint,
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
    # the data version (``IndexState.data_version``) of the commit that wrote the row: the web nodes
    # following the database find what changed since their build by it, whatever the importers'
    # clocks say (``archive/search/node_sync.py``); empty in rows written before it was kept
    data_version: int | None = Field(default=None, index=True)


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
