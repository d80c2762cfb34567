"""OHMS import as interviews: ``archive import-ohms`` writes each record as an interview (its
recording, transcript segments with speakers, index points and the record's catalogue fields).
archive → OHMS → import-ohms → archive gives the same interview (the synthetic example); the
real OHMS samples keep their record-level fields through OHMS → archive → OHMS; the older plain
transcript with a sync map is read too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from lxml import etree

from archive.access.visibility import viewer_for
from archive.catalogue.interviews import interview_page
from archive.cli.main import main
from archive.collection.loader import read_collection
from archive.facade import Archive
from archive.interchange import ohms
from tests.interviews.conftest import INTERVIEW_ID, PERSON_FILE, PERSON_ID
from tests.support import FIXTURES, import_into

SAMPLES = FIXTURES / "ohms"
SCHEMA = etree.XMLSchema(etree.parse(str(FIXTURES / "schemas" / "ohms" / "ohms.xsd")))
BASE = "https://archive.example.org/"
ARCHIVIST = viewer_for("archivist")
# SYNTHETIC record-level fields, as a holding archive would catalogue the example interview
CATALOGUE = """    catalogue:
      accession: SYN-0001
      collection: {id: syn-c, name: Synthetic collection}
      series: {id: syn-s, name: Synthetic series}
      funding: Synthetic funding body
      user_notes: Synthetic cataloguer's note.
      format: [WAV file (synthetic)]
      file_name: synthetic-interview-1.wav
"""


def _valid(xml: bytes) -> bytes:
    SCHEMA.assertValid(etree.fromstring(xml))
    return xml


def _export(home: Path, person_id: str, interview_id: str, lang: str = "ru", alt: str | None = "en") -> bytes:
    archive = Archive.open(home)
    try:
        return _valid(ohms.interview_to_ohms(archive, person_id, interview_id, ARCHIVIST, BASE, lang=lang, alt=alt))
    finally:
        archive.close()


def _interview(home: Path, person_id: str, interview_id: str) -> dict[str, Any]:
    """The interview as the database holds it, in what OHMS can carry."""
    archive = Archive.open(home)
    try:
        page = interview_page(archive.engine, ARCHIVIST, person_id, interview_id)
    finally:
        archive.close()
    return {
        "title": page.title.get("ru"),  # OHMS has one title: the main language's
        "date": page.date, "interviewer": page.interviewer, "language": page.language, "duration": page.duration,
        "catalogue": page.catalogue,
        "recordings": [(r.local_id, r.mime_type, r.duration, r.rights_uri, r.rights_holder) for r in page.recordings],
        "segments": [(s.start, s.end, s.speaker_name, s.speaker_role, s.original_language, s.text)
                     for s in page.segments],
        # OHMS times an index point in whole seconds (xs:int)
        "index_points": [(round(x.start), x.title, x.synopsis, x.partial_transcript, x.keywords, x.subjects,
                          x.latitude, x.longitude, x.zoom, x.place, x.hyperlinks) for x in page.index_points],
    }


@pytest.mark.slow
def test_archive_ohms_archive_gives_the_same_interview(example_collection: Path, tmp_path: Path) -> None:
    person = example_collection / PERSON_FILE
    person.write_text(person.read_text(encoding="utf-8").replace("    transcript:\n", CATALOGUE + "    transcript:\n",
                                                                 1), encoding="utf-8")
    home = import_into(tmp_path / "home", example_collection)
    exported = tmp_path / "exported.xml"
    exported.write_bytes(_export(home, PERSON_ID, INTERVIEW_ID))

    again = tmp_path / "again"
    result = CliRunner().invoke(main, ["import-ohms", str(exported), "--into", str(again)])
    assert result.exit_code == 0, result.output
    assert "1 interview(s), 6 transcript segment(s), 3 index point(s)" in result.output
    back = import_into(tmp_path / "home-again", again)
    before, after = _interview(home, PERSON_ID, INTERVIEW_ID), _interview(back, PERSON_ID, INTERVIEW_ID)
    assert before["catalogue"]["accession"] == "SYN-0001"  # the catalogue was there to go round
    # the local file comes back as the address the archive serves it at (OHMS has no file of its own)
    assert after.pop("recordings") == [("part-1", "audio/wav", 36.0, "http://creativecommons.org/publicdomain/zero/1.0/",
                                        "Synthetic example (no rights holder; generated)")]
    before.pop("recordings")
    assert after == before
    # and the interview goes back to the same OHMS, record field for record field
    assert _fields(_export(back, PERSON_ID, INTERVIEW_ID)) == _fields(exported.read_bytes())


def _name(node: Any) -> str:
    """An element's local name; a processing instruction (the archive's extension) as ``?target``."""
    return etree.QName(node).localname if isinstance(node.tag, str) else f"?{node.target}"


def _fields(xml: bytes) -> dict[str, Any]:
    """The record-level fields, the extension and the index and transcripts of an OHMS file, without
    its date of export."""
    record = etree.fromstring(xml).find("{*}record")
    return {_name(child): etree.tostring(child) for child in record
            if _name(child) not in ("repository_url", "collection_link")}


@pytest.mark.parametrize("sample", sorted(p.name for p in SAMPLES.glob("*.xml")))
@pytest.mark.slow
def test_the_record_fields_of_the_real_samples_survive_ohms_archive_ohms(tmp_path: Path, sample: str) -> None:
    collection = tmp_path / "collection"
    ohms.ohms_interviews_to_collection(SAMPLES / sample, collection)
    read_collection(collection)  # what `archive check` runs
    home = import_into(tmp_path / "home", collection)
    [record] = ohms.read_ohms(SAMPLES / sample)
    person = next((collection / "people").glob("*.yaml")).stem
    archive = Archive.open(home)
    try:
        [interview] = [i for i in interview_page_ids(archive, person)]
    finally:
        archive.close()
    exported = _export(home, person, interview, lang="en", alt=None)
    assert b"<?red-soul-archive" not in exported  # a file from OHMS goes back with OHMS's own fields only
    (tmp_path / "back.xml").write_bytes(exported)
    [back] = ohms.read_ohms(tmp_path / "back.xml")
    kept = ("title", "accession", "collection_id", "collection_name", "series_id", "series_name", "funding",
            "rights", "usage", "user_notes", "file_name", "media_url")
    assert {k: back.fields.get(k) for k in kept} == {k: record.fields.get(k) for k in kept}
    assert back.lists.get("format") == record.lists.get("format")
    assert len(back.points) == len(record.points)
    assert [_point(p) for p in back.points] == [_point(p) for p in record.points]
    assert back.fields.get("vtt_transcript", "").count("-->") == record.fields.get("vtt_transcript", "").count("-->")
    assert _cues(back) == _cues(record)


def _cues(record: ohms.OhmsRecord) -> list[tuple[Any, ...]]:
    """The WebVTT transcript's cues: start, speaker and text (an end OHMS leaves at 00:00:00.000 is unknown)."""
    from archive.interchange.subtitles import parse_vtt

    text = record.fields.get("vtt_transcript")
    return [(c.start, c.speaker, c.text) for c in parse_vtt(text, "vtt", zero_end_is_unknown=True)] if text else []


def _point(point: ohms.IndexPoint) -> tuple[Any, ...]:
    """An index point's time and fields as read, without the empty elements a file may have."""
    return (point.time, point.fields, [{k: v for k, v in link.items() if v} for link in point.links], point.gps)


def interview_page_ids(archive: Archive, person_id: str) -> list[str]:
    from sqlalchemy import select

    from archive.store import models

    with archive.engine.connect() as conn:
        return [row[0] for row in conn.execute(select(models.Interview.local_id)
                                               .where(models.Interview.person_id == person_id))]


def _legacy_record(tmp_path: Path) -> Path:
    """A SYNTHETIC OHMS 5.4 record in the older form: a plain transcript and its sync map (two
    one-minute marks), a Russian transcript_alt with its own map, speakers labelled in capitals."""
    transcript = ("SMITH: This is a synthetic interview in the older form.\n"
                  "\n"
                  "JONES: The first minute ends after these words here and the second minute starts\n"
                  "SMITH: with a question about an invented river?\n"
                  "JONES: An invented answer ends it.")
    transcript_alt = ("СМИТ: Это синтетическое интервью в старом виде.\n"
                      "\n"
                      "ДЖОНС: Первая минута кончается здесь а вторая\n"
                      "СМИТ: начинается с вопроса о выдуманной реке?\n"
                      "ДЖОНС: Выдуманный ответ её завершает.")
    path = tmp_path / "legacy.xml"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<ROOT xmlns="https://www.weareavp.com/nunncenter/ohms">'
        '<record id="1" dt="2024-01-01"><version>5.4</version><date value="2024-01-02" format="yyyy-mm-dd"/>'
        "<title>Synthetic legacy interview</title><accession>SYN-LEGACY</accession><duration>00:02:30</duration>"
        "<interviewee>Alex Jones (synthetic)</interviewee><interviewer>Sam Smith (synthetic)</interviewer>"
        "<sync>1:|3(9)</sync><sync_alt>1:|3(5)</sync_alt><transcript_alt_lang>ru</transcript_alt_lang>"
        "<media_url>https://example.org/synthetic/legacy.mp3</media_url><language>en</language>"
        f"<index/><transcript>{transcript}</transcript><transcript_alt>{transcript_alt}</transcript_alt>"
        "</record></ROOT>\n", encoding="utf-8")
    return path


def test_the_older_transcript_with_its_sync_map_becomes_segments(tmp_path: Path) -> None:
    collection = tmp_path / "collection"
    ohms.ohms_interviews_to_collection(_legacy_record(tmp_path), collection)
    [person] = read_collection(collection).people
    [interview] = person.interviews
    assert interview.transcript is not None
    segments = [(s.start, s.end, s.speaker.name, s.speaker.role, s.text) for s in interview.transcript.segments]
    assert segments == [
        ("00:00:00.000", "00:01:00.000", "SMITH", "interviewer",
         {"en": "SMITH: This is a synthetic interview in the older form.\n"
                "JONES: The first minute ends after these words",
          "ru": "СМИТ: Это синтетическое интервью в старом виде.\nДЖОНС: Первая минута кончается"}),
        ("00:01:00.000", "00:02:30.000", "JONES", "interviewee",
         {"en": "here and the second minute starts\nSMITH: with a question about an invented river?\n"
                "JONES: An invented answer ends it.",
          "ru": "здесь а вторая\nСМИТ: начинается с вопроса о выдуманной реке?\n"
                "ДЖОНС: Выдуманный ответ её завершает."}),
    ]
    assert interview.catalogue is not None and interview.catalogue.accession == "SYN-LEGACY"
    assert [r.mime_type for r in interview.recordings] == ["audio/mpeg"]


def test_a_sync_map_that_cannot_be_read_is_one_line(tmp_path: Path) -> None:
    path = _legacy_record(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace("<sync>1:|3(9)</sync>", "<sync>1:|three</sync>"),
                    encoding="utf-8")
    result = CliRunner().invoke(main, ["import-ohms", str(path), "--into", str(tmp_path / "collection")])
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == f"error: {path}: the sync map's mark 'three' is not line(word)"
    assert not (tmp_path / "collection").exists()
