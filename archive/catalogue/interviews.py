"""The interview page's read side: an interview with its recordings, transcript and index
points as one viewer may see them, and the media files the archive serves.

Every query goes through the visibility rule (``archive/access/visibility.py``): the
interview is shown only when its person is; a withheld recording or transcript segment is
left out here, so it reaches no page, caption file, manifest or media response.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from archive.access.visibility import Viewer, visible_clause
from archive.catalogue import read_cache
from archive.catalogue.common import Cite, NotFound, SourceInfo, cite, sources_by_id
from archive.collection.timecodes import format_timecode
from archive.store import models

# the tables' columns
P = models.table_of(models.Person).c
I = models.table_of(models.Interview).c  # noqa: E741
R = models.table_of(models.Recording).c
S = models.table_of(models.TranscriptSegment).c
X = models.table_of(models.IndexPoint).c


@dataclass
class RecordingView:
    id: str  # person/interview/recording
    local_id: str
    position: int
    mime_type: str
    duration: float | None
    url: str | None  # an external recording; None when the archive serves the file
    has_file: bool
    rights_uri: str | None
    rights_holder: str | None
    withheld: bool  # shown only because the viewer may see withheld records

    @property
    def is_video(self) -> bool:
        return self.mime_type.startswith("video/")


@dataclass
class SegmentView:
    id: str
    position: int
    recording: str | None  # local recording id
    start: float
    end: float
    speaker_name: str
    speaker_role: str
    original_language: str
    text: dict[str, str]
    withheld: bool

    @property
    def timecode(self) -> str:
        return format_timecode(int(self.start))  # shown to the second; the link has the exact moment


@dataclass
class IndexPointView:
    id: str
    position: int
    recording: str | None
    start: float
    title: dict[str, str]
    synopsis: dict[str, str]
    partial_transcript: dict[str, str]
    keywords: dict[str, list[str]]
    subjects: list[str]
    latitude: float | None
    longitude: float | None
    zoom: int | None
    place: dict[str, str]
    hyperlinks: list[dict[str, Any]]

    @property
    def timecode(self) -> str:
        return format_timecode(int(self.start))  # shown to the second; the link has the exact moment


@dataclass
class InterviewPage:
    id: str  # person/interview
    person_id: str
    person_name: str
    person_name_native: str | None
    local_id: str
    title: dict[str, str]
    date: str | None
    place: str | None
    interviewer: str | None
    language: str | None
    duration: float | None
    cite: Cite | None
    recordings: list[RecordingView]
    segments: list[SegmentView]
    index_points: list[IndexPointView]
    languages: list[str] = field(default_factory=list)  # of the transcript: original(s) first
    catalogue: dict[str, Any] = field(default_factory=dict)  # the holding archive's record (format CatalogueRecord)

    def recording(self, local_id: str | None) -> RecordingView | None:
        for recording in self.recordings:
            if recording.local_id == local_id:
                return recording
        return self.recordings[0] if self.recordings and local_id is None else None


def _local(recording_id: str | None) -> str | None:
    return recording_id.rsplit("/", 1)[1] if recording_id else None


def _visible_person(conn: Connection, viewer: Viewer, person_id: str) -> Any:
    person = conn.execute(select(*P).where(P.id == person_id, visible_clause(viewer, P))).first()
    if person is None:
        raise NotFound(person_id)
    return person


def _recordings(conn: Connection, viewer: Viewer, interview_id: str) -> list[RecordingView]:
    rows = conn.execute(select(*R).where(R.interview_id == interview_id, visible_clause(viewer, R))
                        .order_by(R.position))
    return [RecordingView(r.id, r.local_id, r.position, r.mime_type, r.duration_seconds, r.url,
                          r.media_path is not None, r.rights_uri, r.rights_holder, r.visibility != "public")
            for r in rows]


def interview_page(engine: Engine, viewer: Viewer, person_id: str, interview_id: str) -> InterviewPage:
    """Everything the interview page shows; ``NotFound`` when the interview or its person is
    absent or not visible. Segments and index points of a withheld recording are left out too."""
    key = f"{person_id}/{interview_id}"
    sources: dict[str, SourceInfo] = sources_by_id(engine, viewer)
    with engine.connect() as conn:
        person = _visible_person(conn, viewer, person_id)
        interview = conn.execute(select(*I).where(I.id == key)).first()
        if interview is None:
            raise NotFound(key)
        recordings = _recordings(conn, viewer, key)
        shown = {r.id for r in recordings}
        segments = [
            SegmentView(s.id, s.position, _local(s.recording_id), s.start_seconds, s.end_seconds, s.speaker_name,
                        s.speaker_role, s.original_language, s.text or {}, s.visibility != "public")
            for s in conn.execute(select(*S).where(S.interview_id == key, visible_clause(viewer, S))
                                  .order_by(S.position))
            if s.recording_id is None or s.recording_id in shown
        ]
        points = [
            IndexPointView(x.id, x.position, _local(x.recording_id), x.start_seconds, x.title or {}, x.synopsis or {},
                           x.partial_transcript or {}, x.keywords or {}, x.subjects or [], x.latitude, x.longitude,
                           x.zoom, x.place or {}, x.hyperlinks or [])
            for x in conn.execute(select(*X).where(X.interview_id == key).order_by(X.position))
            if x.recording_id is None or x.recording_id in shown
        ]
    originals = sorted({s.original_language for s in segments})
    others = sorted({lang for s in segments for lang in s.text} - set(originals))
    return InterviewPage(
        id=key, person_id=person_id, person_name=person.name, person_name_native=person.name_native,
        local_id=interview_id, title=interview.title or {}, date=interview.date, place=interview.place,
        interviewer=interview.interviewer, language=interview.language, duration=interview.duration_seconds,
        cite=cite(sources, interview.source, interview.locator), recordings=recordings, segments=segments,
        index_points=points, languages=originals + others, catalogue=interview.catalogue or {},
    )


@dataclass(frozen=True)
class MediaFile:
    path: Path
    mime_type: str
    sha256: str | None
    public: bool  # may be kept by shared caches


def media_file(engine: Engine, viewer: Viewer, person_id: str, interview_id: str, recording_id: str) -> MediaFile:
    """The file of a recording the archive serves; ``NotFound`` when the person or the
    recording is not visible to ``viewer``, the recording has no local file, or it is gone."""
    key = f"{person_id}/{interview_id}/{recording_id}"
    with engine.connect() as conn:
        person = _visible_person(conn, viewer, person_id)
        row = conn.execute(select(*R).where(R.id == key, visible_clause(viewer, R))).first()
    if row is None or row.media_path is None:
        raise NotFound(key)
    path = Path(row.media_path)
    if not path.is_file():
        raise NotFound(key)
    return MediaFile(path, row.mime_type, row.sha256,
                     public=row.visibility == "public" and person.visibility == "public")



@dataclass(frozen=True)
class InterviewLabels:
    """What a search facet shows for an interview or a recording id: the titles per language of the
    interviews, and each recording's own id with its interview, of the people ``viewer`` may see."""

    interviews: dict[str, dict[str, str]]  # person/interview -> title per language ({} when untitled)
    recordings: dict[str, tuple[str, str]]  # person/interview/recording -> (interview id, local recording id)


def interview_labels(engine: Engine, viewer: Viewer) -> InterviewLabels:
    """The interviews and recordings ``viewer`` may see (a withheld one is no label: its id stays as
    given); once per data version, role and day (read-only)."""
    def compute() -> InterviewLabels:
        with engine.connect() as conn:
            interviews = {row.id: row.title or {} for row in conn.execute(
                select(I.id, I.title).join(models.table_of(models.Person), P.id == I.person_id)
                .where(visible_clause(viewer, P)))}
            recordings = {row.id: (row.interview_id, row.local_id) for row in conn.execute(
                select(R.id, R.interview_id, R.local_id).where(visible_clause(viewer, R)))
                if row.interview_id in interviews}
        return InterviewLabels(interviews, recordings)

    return read_cache.cached(engine, "interview_labels", read_cache.visibility_key(viewer), compute)
