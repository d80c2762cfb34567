"""Importing interviews: recordings, transcript segments and index points become rows, the
media checksum is verified, and a failed import leaves the database as it was."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from archive.collection.problems import InvalidCollection
from archive.facade import Archive
from archive.store import models
from tests.interviews.conftest import PERSON_FILE

INTERVIEW = "narrator-synthetic/synthetic-interview-1"
RECORDING = f"{INTERVIEW}/part-1"


def _rows(archive: Archive, table: type) -> list[dict]:
    with archive.engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(select(table.__table__).order_by(table.position))]


@pytest.mark.slow
def test_the_example_imports_into_rows(example_collection: Path, archive: Archive) -> None:
    report = archive.import_collection(example_collection)
    assert report.added["interviews"] == {INTERVIEW}
    assert report.counts()["transcript segments"] == (6, 0, 0)
    [recording] = _rows(archive, models.Recording)
    assert recording["id"] == RECORDING and recording["mime_type"] == "audio/wav"
    assert Path(recording["media_path"]) == (example_collection / "media" / "synthetic-interview-1.wav").resolve()
    assert recording["duration_seconds"] == 36
    assert recording["rights_uri"] == "http://creativecommons.org/publicdomain/zero/1.0/"
    segments = _rows(archive, models.TranscriptSegment)
    assert [s["speaker_role"] for s in segments] == ["interviewer", "interviewee", "interviewer", "interviewee",
                                                    "interviewee", "interviewer"]
    assert segments[1]["original_language"] == "ru" and set(segments[1]["text"]) == {"ru", "en"}
    assert (segments[3]["start_seconds"], segments[3]["end_seconds"]) == (17.5, 24.0)
    assert [s["visibility"] for s in segments].count("restricted") == 1
    assert all(s["recording_id"] == RECORDING for s in segments)
    points = _rows(archive, models.IndexPoint)
    assert [p["title"]["en"] for p in points] == ["Introduction", "The garden", "Closing"]
    garden = points[1]
    assert (garden["latitude"], garden["longitude"], garden["zoom"]) == (0.5, 0.5, 12)
    assert garden["keywords"] == {"en": ["apple trees", "sledging"], "ru": ["яблони", "санки"]}
    assert garden["hyperlinks"][0]["url"] == "https://example.org/synthetic-garden"
    [quote] = _rows(archive, models.Quote)
    assert (quote["span_recording"], quote["span_start"], quote["span_end"]) == (RECORDING, 17.5, 24.0)
    [interview] = _rows(archive, models.Interview)
    assert interview["title"]["ru"].startswith("Синтетическое")

    assert archive.import_collection(example_collection).unchanged


@pytest.mark.slow
def test_a_changed_segment_is_an_interview_change_and_a_removed_point_goes(example_collection: Path,
                                                                           archive: Archive) -> None:
    archive.import_collection(example_collection)
    person = example_collection / PERSON_FILE
    text = person.read_text(encoding="utf-8")
    text = text.replace("What do you remember about the garden?\n", "What do you remember about the orchard?\n", 1)
    closing = text.index('      - start: "00:00:30.500"\n        title: {en: Closing')
    person.write_text(text[:closing], encoding="utf-8")
    report = archive.import_collection(example_collection)
    assert report.changed["transcript segments"] == {f"{INTERVIEW}#s3"}
    assert report.removed["index points"] == {f"{INTERVIEW}#p3"}
    assert "transcript segments: 0 added, 1 changed, 0 removed" in report.summary_lines()
    assert [p["title"]["en"] for p in _rows(archive, models.IndexPoint)] == ["Introduction", "The garden"]
    assert "orchard" in _rows(archive, models.TranscriptSegment)[2]["text"]["en"]


def test_an_import_with_a_wrong_checksum_changes_nothing(example_collection: Path, archive: Archive) -> None:
    archive.import_collection(example_collection)
    before = {table: _rows(archive, table) for table in (models.Recording, models.TranscriptSegment,
                                                          models.IndexPoint, models.Quote)}
    person = example_collection / PERSON_FILE
    person.write_text(person.read_text(encoding="utf-8").replace("Closing", "The end", 1), encoding="utf-8")
    media = example_collection / "media" / "synthetic-interview-1.wav"
    media.write_bytes(media.read_bytes()[:-2])  # the file changed after its checksum was taken
    with pytest.raises(InvalidCollection, match=r"recordings\[0\]\.sha256"):
        archive.import_collection(example_collection)
    assert {table: _rows(archive, table) for table in before} == before
