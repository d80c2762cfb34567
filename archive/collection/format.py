"""The collection format: the shape of the YAML files archivists write.

These pydantic models are the contract of ``collection.yaml``, ``vocabulary.yaml`` and
``people/*.yaml``. They check each file on its own (types, required fields, unknown
fields, date and timecode syntax); checks that need the whole collection (ids that must
exist in the vocabulary or among the sources, duplicate ids) live in
``collection_loader``. ``archive schema`` publishes the JSON Schema generated from them,
so editors can validate and autocomplete the YAML.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Discriminator, Field, PrivateAttr, Tag, model_validator

from archive.collection import dates, timecodes

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
LANG_PATTERN = r"^[a-z]{2,3}$"


def _check_date(value: str) -> str:
    dates.parse_period(value)
    return value


def _check_day(value: str) -> str:
    dates.parse_day(value)
    return value


def _check_timecode(value: str) -> str:
    timecodes.parse_timecode(value)
    return value


Slug = Annotated[str, Field(pattern=SLUG_PATTERN, description="lower-case words joined by hyphens")]
LangCode = Annotated[str, Field(pattern=LANG_PATTERN, description="ISO 639-1 language code, e.g. ru, en")]
DateText = Annotated[
    str,
    AfterValidator(_check_date),
    Field(description="EDTF subset: 1937, 1937-08, 1937-08-05, 193X, 1937/1945, ../1953"),
]
DayText = Annotated[str, AfterValidator(_check_day), Field(description="a full date: YYYY-MM-DD")]
Timecode = Annotated[str, AfterValidator(_check_timecode), Field(description="HH:MM:SS[.mmm]")]
NonEmpty = Annotated[str, Field(min_length=1)]
Translations = dict[LangCode, NonEmpty]


class Strict(BaseModel):
    """Unknown fields are errors: a typo must never be silently dropped."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Cited(Strict):
    """Where a fact comes from: a source id from collection.yaml and a place in it."""

    source: Slug
    locator: str | None = Field(None, description="where in the source: page, section, paragraph, timecode")


RIGHTS_PATTERN = r"^https?://(rightsstatements\.org/vocab/|creativecommons\.org/(licenses|publicdomain)/)\S+$"


class Rights(Strict):
    """A rights statement and who holds the rights: of the collection, a person's testimony, a
    quote or a recording. A record without one stands under the statement of what it belongs to
    (a quote under its person's, a person under the collection's)."""

    uri: str = Field(pattern=RIGHTS_PATTERN,
                     description="a rightsstatements.org or Creative Commons URI")
    holder: NonEmpty


def _rights_form(value: object) -> str:
    return "rights[uri, holder]" if isinstance(value, dict) else "rights[words]"


# The collection's rights: a ``Rights`` mapping, or a statement in words. The tags say which form
# a value is read as, so a mistake is reported against that form only (the loader leaves the
# bracketed tags out of the field path it prints).
CollectionRights = Annotated[
    Annotated[Rights, Tag("rights[uri, holder]")] | Annotated[NonEmpty, Tag("rights[words]")],
    Discriminator(_rights_form),
]


class Visibility(Strict):
    """Who may see a record. Restricted and embargoed records are stored, never shown to the public.

    Frozen, so that the records that give none share one public default (``PUBLIC``) rather
    than each building its own: a large import validates one per quote.
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    status: Literal["public", "restricted", "embargoed"] = "public"
    until: DayText | None = Field(default=None, description="for embargoed: the day it becomes public")
    reason: str | None = None
    review: DayText | None = Field(default=None, description="the day the restriction is to be reviewed")

    @model_validator(mode="after")
    def _embargo_needs_until(self) -> Visibility:
        if self.status == "embargoed" and not self.until:
            raise ValueError("an embargoed record needs `until` (the day it becomes public)")
        if self.status != "embargoed" and self.until:
            raise ValueError("`until` only applies to status embargoed")
        return self


PUBLIC = Visibility()


# --- collection.yaml -----------------------------------------------------------------


class Source(Strict):
    id: Slug
    title: NonEmpty
    author: str | None = None
    publisher: str | None = None
    date: DateText | None = None
    kind: Literal["article", "press kit", "film", "interview", "book", "archive record", "website", "other"]
    url: str | None = None
    locator: str | None = Field(None, description="archive shelf mark, call number or other locator")
    language: LangCode | None = None
    text_file: str | None = Field(
        None, description="path (relative to the collection) of the source's full text; quotes are checked against it"
    )
    notes: str | None = None
    visibility: Visibility = Field(PUBLIC, description="who may see the source: title, author, every field "
                                                       "and every citation of it")


class Organisation(Strict):
    name: NonEmpty
    role: NonEmpty = Field(description="production, distribution, world sales, press relations, …")
    note: str | None = None
    source: Slug
    locator: str | None = None


class Premiere(Cited):
    date: DateText
    venue: NonEmpty
    kind: str = "world premiere"


class CollectionInfo(Strict):
    id: Slug
    title: NonEmpty
    title_native: str | None = None
    kind: str = Field("documentary film", description="what the collection documents")
    year: int | None = Field(None, ge=1800, le=2200)
    runtime_minutes: int | None = Field(None, gt=0)
    languages: list[LangCode] = Field(default_factory=list, description="languages spoken in the recordings")
    subtitle_languages: list[LangCode] = Field(default_factory=list)
    directors: list[NonEmpty] = Field(default_factory=list)
    organisations: list[Organisation] = Field(default_factory=list)
    premiere: Premiere | None = None
    description: Translations = Field(default_factory=dict)
    description_sources: list[Cited] = Field(default_factory=list)
    rights: CollectionRights | None = Field(
        None, description="`uri` (rightsstatements.org or Creative Commons) and `holder`; or a statement "
                          "in words")
    facts_sources: list[Cited] = Field(default_factory=list, description="sources for year, runtime, languages")


class CollectionFile(Strict):
    collection: CollectionInfo
    sources: list[Source] = Field(min_length=1)


# --- vocabulary.yaml -------------------------------------------------------------------


class Term(Strict):
    id: Slug
    label: Translations
    definition: Translations = Field(default_factory=dict)

    @model_validator(mode="after")
    def _needs_en_and_ru(self) -> Term:
        missing = [lang for lang in ("en", "ru") if lang not in self.label]
        if missing:
            raise ValueError(f"label needs both en and ru; missing {', '.join(missing)}")
        return self


class ThemeTerm(Term):
    synonyms: dict[LangCode, list[NonEmpty]] = Field(default_factory=dict)


class FateTerm(Term):
    repression: bool = Field(description="true when this fate is a form of political repression")


class VocabularyFile(Strict):
    stances: list[Term] = Field(min_length=1)
    themes: list[ThemeTerm] = Field(min_length=1)
    relations: list[Term] = Field(min_length=1)
    fates: list[FateTerm] = Field(min_length=1)
    roles: list[Term] = Field(min_length=1)


# --- people/*.yaml ---------------------------------------------------------------------




class Age(Cited):
    years: int = Field(ge=0, le=130)
    as_of: DateText = Field(description="the year (or period) the age applies to; never a guessed birth year")
    note: str | None = None


class Occupation(Cited):
    value: NonEmpty


class Place(Cited):
    name: NonEmpty
    name_native: str | None = None
    relation: str | None = Field(None, description="how the place relates to the person: lives, works, filmed, …")
    visibility: Visibility = PUBLIC


class Portrait(Strict):
    text: Translations = Field(min_length=1)
    sources: list[Cited] = Field(min_length=1)


class StanceCoding(Cited):
    value: Slug = Field(description="a stance id from vocabulary.yaml")
    basis: Literal["stated", "described", "none"] = Field(
        description="stated: the person's own words; described: what the sources say of them; none: not stated"
    )
    rationale: NonEmpty
    supporting_quotes: list[Slug] = Field(default_factory=list)
    coded_by: NonEmpty
    coded_on: DayText | None = None


class ExternalRecord(Strict):
    label: NonEmpty = Field(description="e.g. 'Memorial victims database', 'archive case no.'")
    identifier: str | None = None
    url: str | None = None


class FateEvent(Cited):
    kind: Slug = Field(description="a fate id from vocabulary.yaml")
    date: DateText | None = None
    place: str | None = None
    details: str | None = None
    visibility: Visibility = PUBLIC
    private_notes: str | None = Field(None, description="archivists' notes; never published, shown to no one "
                                                        "outside the archive")


class Relative(Strict):
    id: Slug | None = Field(None, description="stable id within the person; defaults to the relation and a number")
    relation: Slug = Field(description="a relation id from vocabulary.yaml")
    name: str | None = None
    name_native: str | None = None
    pseudonym: bool = Field(False, description="true when `name` is a pseudonym chosen to protect the relative")
    real_name: str | None = Field(
        None, description="for a pseudonym: the real name; stored, shown and exported only to researchers"
    )
    real_name_native: str | None = Field(None, description="the real name in the native script; researchers only")
    events: list[FateEvent] = Field(default_factory=list)
    external_records: list[ExternalRecord] = Field(default_factory=list)
    notes: str | None = None
    visibility: Visibility = PUBLIC
    private_notes: str | None = Field(None, description="archivists' notes; never published, shown to no one "
                                                        "outside the archive")

    @model_validator(mode="after")
    def _real_name_needs_pseudonym(self) -> Relative:
        _check_real_name(self.pseudonym, self.real_name, self.real_name_native)
        return self


class TranscriptSpan(Strict):
    """A passage of one of the person's recordings that a quote comes from."""

    recording: Slug = Field(description="a recording id of one of this person's interviews")
    start: Timecode
    end: Timecode

    @model_validator(mode="after")
    def _in_order(self) -> TranscriptSpan:
        if timecodes.parse_timecode(self.end) < timecodes.parse_timecode(self.start):
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


class Quote(Cited):
    id: Slug
    text: Translations = Field(min_length=1, description="the text per language")
    original_language: LangCode
    published_translations: list[LangCode] = Field(
        default_factory=list, description="languages whose text is a published translation (not the archive's own)"
    )
    recording: Slug | None = Field(None, description="the interview id, or the collection id for the film")
    timecode_in: Timecode | None = None
    timecode_out: Timecode | None = None
    span: TranscriptSpan | None = Field(
        None, description="the passage of a recording's transcript this quote comes from (recording, start, end)")
    themes: list[Slug] = Field(default_factory=list)
    stance: Slug = Field("not-stated", description="the stance of this passage, from vocabulary.yaml")
    context: str | None = Field(None, description="who speaks, to whom, about what: editorial context")
    rights: Rights | None = Field(None, description="the rights of these words; else the person's, else the "
                                                    "collection's")
    visibility: Visibility = PUBLIC
    private_notes: str | None = Field(None, description="archivists' notes; never published, shown to no one "
                                                        "outside the archive")

    @model_validator(mode="after")
    def _timecodes_in_order(self) -> Quote:
        if self.timecode_in and self.timecode_out:
            if timecodes.parse_timecode(self.timecode_out) < timecodes.parse_timecode(self.timecode_in):
                raise ValueError(f"timecode_out {self.timecode_out} is before timecode_in {self.timecode_in}")
        if self.timecode_out and not self.timecode_in:
            raise ValueError("timecode_out needs a timecode_in")
        for lang in self.published_translations:
            if lang == self.original_language:
                raise ValueError(f"{lang} is the original language, so it cannot be a published translation")
        return self


class TimelineEvent(Cited):
    date: DateText | None = None
    description: Translations = Field(min_length=1)
    place: str | None = None
    visibility: Visibility = PUBLIC
    private_notes: str | None = Field(None, description="archivists' notes; never published, shown to no one "
                                                        "outside the archive")


# --- interviews: recordings, transcripts, index points -------------------------------

MEDIA_DIR = "media"
MIME_PATTERN = r"^(audio|video)/[a-z0-9][a-z0-9.+-]*$"
SHA256_PATTERN = r"^[0-9a-f]{64}$"
SPEAKER_ROLES = ("interviewer", "interviewee", "interpreter", "other")
TRANSCRIPT_SUFFIXES = (".vtt", ".yaml", ".yml")


def _check_relative_path(value: str) -> str:
    """A path inside the collection folder: relative, forward slashes, no ``..``."""
    parts = PurePosixPath(value).parts
    if (not parts or PurePosixPath(value).is_absolute() or "\\" in value or "\x00" in value
            or ":" in parts[0] or any(part in ("..", ".") for part in parts)):
        raise ValueError(f"{value!r} is not a relative path inside the collection folder")
    return value


RelativePath = Annotated[str, AfterValidator(_check_relative_path),
                         Field(description="a relative path with forward slashes, inside the collection folder")]
HttpUrl = Annotated[str, Field(pattern=r"^https?://\S+$", description="an http(s) URL")]


class Recording(Strict):
    """One recording (a part, a tape) of an interview: a file under the collection's ``media/``
    folder, with its SHA-256 checksum, or an external URL."""

    id: Slug = Field(description="unique among the person's recordings")
    file: RelativePath | None = Field(None, description="path of the media file, under media/ in the collection")
    url: HttpUrl | None = Field(None, description="where the recording is, when the archive does not hold its file")
    mime_type: str = Field(pattern=MIME_PATTERN, description="e.g. audio/ogg, audio/mpeg, video/mp4")
    duration: Timecode | None = None
    sha256: str | None = Field(None, pattern=SHA256_PATTERN,
                               description="the SHA-256 checksum of the file (lower-case hex); checked at import")
    rights: Rights | None = None
    visibility: Visibility = PUBLIC
    # the checked file on disk, set by ``archive.collection.interviews`` once its checksum matched
    _media_path: str | None = PrivateAttr(None)

    @model_validator(mode="after")
    def _file_or_url(self) -> Recording:
        if (self.file is None) == (self.url is None):
            raise ValueError("a recording needs exactly one of `file` (under media/) and `url`")
        if self.file is not None:
            if PurePosixPath(self.file).parts[0] != MEDIA_DIR:
                raise ValueError(f"the file {self.file!r} must be under {MEDIA_DIR}/ in the collection")
            if self.sha256 is None:
                raise ValueError("a local file needs its `sha256` checksum (sha256sum FILE)")
        elif self.sha256 is not None:
            raise ValueError("`sha256` is only for a local `file`")
        return self


class Speaker(Strict):
    name: NonEmpty
    role: Literal["interviewer", "interviewee", "interpreter", "other"]


class Segment(Strict):
    """One timed passage of a transcript: who speaks, and the text in each language."""

    recording: Slug | None = Field(None, description="the recording id; may be left out when there is only one")
    start: Timecode
    end: Timecode
    speaker: Speaker
    text: Translations = Field(min_length=1, description="the text per language")
    original_language: LangCode = Field(description="the language spoken; the others are translations")
    visibility: Visibility = PUBLIC

    @model_validator(mode="after")
    def _consistent(self) -> Segment:
        if timecodes.parse_timecode(self.end) < timecodes.parse_timecode(self.start):
            raise ValueError(f"end {self.end} is before start {self.start}")
        if self.original_language not in self.text:
            raise ValueError(f"the original language {self.original_language!r} has no text")
        return self


class TranscriptTrack(Strict):
    """A subtitle file holding the transcript in one language: WebVTT (``<v Name>`` voices the
    cues) or SRT (a cue's first line starts with ``Name: `` for a name of ``speakers``)."""

    file: RelativePath = Field(description="a .vtt or .srt file, relative to the folder of the person's file")
    language: LangCode


class Transcript(Strict):
    """An interview's transcript: segments given here, in a YAML file (``file``, holding
    ``segments:``), or in WebVTT files, one per language (``webvtt``), next to the person's file."""

    segments: list[Segment] = Field(default_factory=list)
    file: RelativePath | None = Field(None, description="a YAML file with `segments:`, next to the person's file")
    webvtt: list[TranscriptTrack] = Field(default_factory=list)
    original_language: LangCode | None = Field(None, description="for webvtt: the language spoken")
    speakers: dict[NonEmpty, Literal["interviewer", "interviewee", "interpreter", "other"]] = Field(
        default_factory=dict, description="for webvtt: the role of each voice name")
    recording: Slug | None = Field(None, description="for webvtt: the recording the cues are timed against")

    @model_validator(mode="after")
    def _one_form(self) -> Transcript:
        forms = [name for name, given in (("segments", self.segments), ("file", self.file),
                                          ("webvtt", self.webvtt)) if given]
        if len(forms) > 1:
            raise ValueError(f"give the transcript one way, not {' and '.join(forms)}")
        if self.file is not None and not self.file.endswith((".yaml", ".yml")):
            raise ValueError(f"the transcript file {self.file!r} must be .yaml or .yml (or use `webvtt`)")
        for track in self.webvtt:
            if not track.file.endswith((".vtt", ".srt")):
                raise ValueError(f"{track.file!r} is neither a .vtt nor an .srt file")
        if self.webvtt:
            languages = [track.language for track in self.webvtt]
            if len(set(languages)) < len(languages):
                raise ValueError("one WebVTT file per language")
            if self.original_language not in languages:
                raise ValueError("`original_language` must name the language of one of the WebVTT files")
        return self


class TranscriptFile(Strict):
    """A transcript kept in its own YAML file (``transcript: {file: …}``)."""

    segments: list[Segment] = Field(min_length=1)


class Gps(Strict):
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    zoom: int | None = Field(None, ge=0, le=21, description="the map zoom level to show the point at")
    place: Translations = Field(default_factory=dict, description="the place name per language")


class Hyperlink(Strict):
    url: HttpUrl
    text: Translations = Field(default_factory=dict, description="the link's text per language")


class IndexPoint(Strict):
    """An entry of the interview's table of contents (an OHMS index point)."""

    recording: Slug | None = Field(None, description="the recording id; may be left out when there is only one")
    start: Timecode
    title: Translations = Field(min_length=1)
    synopsis: Translations = Field(default_factory=dict)
    partial_transcript: Translations = Field(default_factory=dict)
    keywords: dict[LangCode, list[NonEmpty]] = Field(default_factory=dict)
    subjects: list[NonEmpty] = Field(
        default_factory=list, description="subjects; a theme id of vocabulary.yaml links to the theme")
    gps: Gps | None = None
    hyperlinks: list[Hyperlink] = Field(default_factory=list)


class ArchiveGroup(Strict):
    """A collection or series of the archive that holds an interview: its id there, its name, or both."""

    id: NonEmpty | None = None
    name: NonEmpty | None = None

    @model_validator(mode="after")
    def _named(self) -> ArchiveGroup:
        if self.id is None and self.name is None:
            raise ValueError("give the `id`, the `name` or both")
        return self


class CatalogueRecord(Strict):
    """How the archive that holds the interview catalogues it (OHMS's record-level fields), kept
    as given so that an export gives them back."""

    accession: NonEmpty | None = Field(None, description="the accession number")
    collection: ArchiveGroup | None = Field(None, description="the holding archive's collection")
    series: ArchiveGroup | None = Field(None, description="the holding archive's series")
    funding: NonEmpty | None = Field(None, description="who funded the interview or its processing")
    rights: NonEmpty | None = Field(None, description="the rights statement, as text")
    usage: NonEmpty | None = Field(None, description="the usage statement, as text")
    user_notes: NonEmpty | None = Field(None, description="the cataloguer's notes, published with the record")
    format: list[NonEmpty] = Field(default_factory=list, description="the physical or digital formats, "
                                                                      "e.g. Audio cassette")
    file_name: NonEmpty | None = Field(None, description="the media file's name in the holding archive")


class Interview(Strict):
    id: Slug
    date: DateText | None = None
    place: str | None = None
    interviewer: str | None = None
    language: LangCode | None = None
    media: str | None = Field(None, description="a reference to the recording: file name, URL, shelf mark")
    duration: Timecode | None = None
    source: Slug | None = None
    locator: str | None = None
    title: Translations = Field(default_factory=dict, description="the interview's title per language")
    recordings: list[Recording] = Field(default_factory=list)
    transcript: Transcript | None = None
    index_points: list[IndexPoint] = Field(default_factory=list)
    catalogue: CatalogueRecord | None = Field(None, description="the holding archive's record of the interview")
    private_notes: str | None = Field(None, description="archivists' notes; never published, shown to no one "
                                                        "outside the archive")


class Person(Strict):
    id: Slug
    name: NonEmpty = Field(description="the name as the sources give it")
    name_native: str | None = Field(None, description="the Cyrillic (native-script) form, where a source gives it")
    pseudonym: bool = Field(False, description="true when `name` is a pseudonym chosen to protect the narrator")
    real_name: str | None = Field(
        None, description="for a pseudonym: the real name; stored, shown and exported only to researchers"
    )
    real_name_native: str | None = Field(None, description="the real name in the native script; researchers only")
    group: bool = Field(False, description="true when the record stands for several people")
    role: Slug = Field(description="a role id from vocabulary.yaml")
    ages: list[Age] = Field(default_factory=list)
    occupations: list[Occupation] = Field(default_factory=list)
    places: list[Place] = Field(default_factory=list)
    stance: StanceCoding
    portrait: Portrait
    rights: Rights | None = Field(None, description="the rights of this testimony; else the collection's")
    visibility: Visibility = PUBLIC
    family: list[Relative] = Field(default_factory=list)
    quotes: list[Quote] = Field(default_factory=list)
    events: list[TimelineEvent] = Field(default_factory=list)
    interviews: list[Interview] = Field(default_factory=list)
    private_notes: str | None = Field(None, description="archivists' notes; never published, shown to no one "
                                                        "outside the archive")

    @model_validator(mode="after")
    def _real_name_needs_pseudonym(self) -> Person:
        _check_real_name(self.pseudonym, self.real_name, self.real_name_native)
        return self


def _check_real_name(pseudonym: bool, real_name: str | None, real_name_native: str | None) -> None:
    """A real name is kept only behind a pseudonym (a person's or a relative's)."""
    if (real_name or real_name_native) and not pseudonym:
        raise ValueError("`real_name` is only for a record shown under a pseudonym (set `pseudonym: true`)")


def json_schemas() -> dict[str, dict]:
    """The JSON Schemas of the three kinds of file, keyed by the file they describe."""
    return {
        "collection.yaml": CollectionFile.model_json_schema(),
        "vocabulary.yaml": VocabularyFile.model_json_schema(),
        "people/*.yaml": Person.model_json_schema(),
        "people/<person-id>/*.yaml (transcripts)": TranscriptFile.model_json_schema(),
    }


def relative_key(person_id: str, relative: Relative, ordinal: int) -> str:
    """The stable id of a relative: ``person/relative-id``, or ``person/relation-N`` by default."""
    local = relative.id or f"{relative.relation}-{ordinal}"
    return f"{person_id}/{local}"

