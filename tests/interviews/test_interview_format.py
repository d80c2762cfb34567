"""The collection format of interviews: recordings, transcripts (inline, YAML file, WebVTT),
index points and quote spans; every wrong value is reported as file:line: field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from archive.collection import format as fmt
from archive.collection.loader import read_collection
from archive.collection.problems import InvalidCollection
from tests.interviews.conftest import PERSON_FILE


def _problems(collection: Path) -> list[str]:
    with pytest.raises(InvalidCollection) as raised:
        read_collection(collection)
    return [str(p) for p in raised.value.problems]


def _edit(collection: Path, old: str, new: str) -> None:
    path = collection / PERSON_FILE
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line_of(collection: Path, needle: str, relative: Path = PERSON_FILE) -> int:
    lines = (collection / relative).read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if needle in line)


def _one(problems: list[str], pattern: str) -> str:
    found = [p for p in problems if re.search(pattern, p)]
    assert len(found) == 1, problems
    return found[0]


def test_the_generated_example_is_valid_and_complete(example_collection: Path) -> None:
    collection = read_collection(example_collection)
    interview = collection.people[0].interviews[0]
    assert [r.id for r in interview.recordings] == ["part-1"]
    segments = interview.transcript.segments
    assert len(segments) == 6
    assert {s.speaker.role for s in segments} == {"interviewer", "interviewee"}
    assert all(set(s.text) == {"ru", "en"} for s in segments)
    assert [s.visibility.status for s in segments].count("restricted") == 1
    assert all(s.recording == "part-1" for s in segments)  # the only recording, filled in
    garden = interview.index_points[1]
    assert garden.gps is not None and garden.gps.zoom == 12
    assert garden.hyperlinks[0].text["ru"]


def test_a_wrong_checksum_names_file_line_and_field(example_collection: Path) -> None:
    (example_collection / "media" / "synthetic-interview-1.wav").write_bytes(b"RIFF not the generated audio")
    problem = _one(_problems(example_collection), "sha256")
    line = _line_of(example_collection, "sha256:")
    assert f"narrator-synthetic.yaml:{line}: interviews[0].recordings[0].sha256: the file " in problem


def test_a_missing_media_file_is_reported(example_collection: Path) -> None:
    (example_collection / "media" / "synthetic-interview-1.wav").unlink()
    problem = _one(_problems(example_collection), r"recordings\[0\]\.file")
    assert f":{_line_of(example_collection, 'file: media/')}:" in problem
    assert "no such file 'media/synthetic-interview-1.wav'" in problem


@pytest.mark.parametrize(("old", "new", "field", "says", "at_line"), [
    ("file: media/synthetic-interview-1.wav", "file: audio/synthetic-interview-1.wav", r"recordings\[0\]:",
     "must be under media/", "- id: part-1"),
    ("file: media/synthetic-interview-1.wav", "file: ../outside.wav", r"recordings\[0\]\.file",
     "not a relative path inside the collection", "file: ../outside.wav"),
    ("mime_type: audio/wav", "mime_type: text/plain", r"recordings\[0\]\.mime_type", "audio", "mime_type:"),
    ("uri: http://creativecommons.org/publicdomain/zero/1.0/", "uri: https://example.org/my-rights",
     r"recordings\[0\]\.rights\.uri", "rightsstatements", "uri: https://example.org/my-rights"),
    ("role: interviewer}", "role: moderator}", r"segments\[0\]\.speaker\.role", "interviewee", "role: moderator"),
    ('end: "00:00:05.000"', 'end: "00:00:00.100"', r"segments\[0\]:", "is before start", '- start: "00:00:00.500"'),
    ("        - start: \"00:00:00.500\"\n          end:",
     "        - recording: part-9\n          start: \"00:00:00.500\"\n          end:", r"segments\[0\]\.recording",
     "not a recording of this interview", "recording: part-9"),
    ("span: {recording: part-1,", "span: {recording: tape-7,", r"quotes\[0\]\.span\.recording",
     "not a recording of this person", "span: {recording: tape-7"),
    ("latitude: 0.5", "latitude: 95", r"index_points\[1\]\.gps\.latitude", "less than or equal to 90", "latitude: 95"),
    ("zoom: 12", "zoom: eleven", r"index_points\[1\]\.gps\.zoom", "integer", "zoom: eleven"),
    ("url: https://example.org/synthetic-garden", "url: example.org", r"hyperlinks\[0\]\.url", "pattern",
     "url: example.org"),
    ("title: {en: Introduction, ru: Вступление}", "title: {}", r"index_points\[0\]\.title", "at least 1",
     "title: {}"),
])
def test_each_wrong_value_is_one_problem_with_its_line(example_collection: Path, old: str, new: str, field: str,
                                                        says: str, at_line: str) -> None:
    _edit(example_collection, old, new)
    problem = _one(_problems(example_collection), field)
    assert says in problem
    assert f"narrator-synthetic.yaml:{_line_of(example_collection, at_line)}: " in problem, problem


def test_a_transcript_in_its_own_yaml_file_gives_the_same_segments(example_collection: Path) -> None:
    inline = read_collection(example_collection).people[0].interviews[0].transcript.segments
    person_path = example_collection / PERSON_FILE
    person = yaml.safe_load(person_path.read_text(encoding="utf-8"))
    segments = person["interviews"][0]["transcript"]["segments"]
    folder = example_collection / "people" / "narrator-synthetic"
    folder.mkdir()
    (folder / "interview-1.yaml").write_text(yaml.safe_dump({"segments": segments}, allow_unicode=True),
                                             encoding="utf-8")
    person["interviews"][0]["transcript"] = {"file": "narrator-synthetic/interview-1.yaml"}
    person_path.write_text(yaml.safe_dump(person, allow_unicode=True, sort_keys=False), encoding="utf-8")
    from_file = read_collection(example_collection).people[0].interviews[0].transcript.segments
    assert [s.model_dump() for s in from_file] == [s.model_dump() for s in inline]

    # a mistake inside the transcript file is reported at its own file and line
    text = (folder / "interview-1.yaml").read_text(encoding="utf-8").replace("role: interviewer", "role: host", 1)
    (folder / "interview-1.yaml").write_text(text, encoding="utf-8")
    problem = _one(_problems(example_collection), "speaker.role")
    line = _line_of(example_collection, "role: host", Path("people/narrator-synthetic/interview-1.yaml"))
    assert f"interview-1.yaml:{line}: segments[0].speaker.role:" in problem


def test_a_yaml_transcript_directly_in_people_is_refused(example_collection: Path) -> None:
    _edit(example_collection, "    transcript:\n      segments:", "    transcript:\n      file: interview-1.yaml\n"
          "      segments:")
    problem = _one(_problems(example_collection), r"transcript")
    assert "one way, not segments and file" in problem


WEBVTT_RU = """WEBVTT

00:00:00.500 --> 00:00:05.000
<v Interviewer (synthetic)>Здравствуйте. Синтетический вопрос.

00:00:05.500 --> 00:00:12.000
<v Narrator (synthetic)>Синтетический ответ.
"""
WEBVTT_EN = """WEBVTT

00:00:00.500 --> 00:00:05.000
<v Interviewer (synthetic)>Hello. A synthetic question.

00:00:05.500 --> 00:00:12.000
<v Narrator (synthetic)>A synthetic answer.
"""


def _use_webvtt(collection: Path, ru: str, en: str) -> None:
    person_path = collection / PERSON_FILE
    person = yaml.safe_load(person_path.read_text(encoding="utf-8"))
    folder = collection / "people" / "narrator-synthetic"
    folder.mkdir(exist_ok=True)
    (folder / "interview-1.ru.vtt").write_text(ru, encoding="utf-8")
    (folder / "interview-1.en.vtt").write_text(en, encoding="utf-8")
    person["interviews"][0]["transcript"] = {
        "webvtt": [{"file": "narrator-synthetic/interview-1.ru.vtt", "language": "ru"},
                   {"file": "narrator-synthetic/interview-1.en.vtt", "language": "en"}],
        "original_language": "ru",
        "speakers": {"Interviewer (synthetic)": "interviewer", "Narrator (synthetic)": "interviewee"},
    }
    person_path.write_text(yaml.safe_dump(person, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_a_transcript_in_webvtt_files_keeps_speakers_and_both_languages(example_collection: Path) -> None:
    _use_webvtt(example_collection, WEBVTT_RU, WEBVTT_EN)
    segments = read_collection(example_collection).people[0].interviews[0].transcript.segments
    assert [(s.start, s.end, s.speaker.name, s.speaker.role) for s in segments] == [
        ("00:00:00.500", "00:00:05.000", "Interviewer (synthetic)", "interviewer"),
        ("00:00:05.500", "00:00:12.000", "Narrator (synthetic)", "interviewee"),
    ]
    assert segments[1].text == {"ru": "Синтетический ответ.", "en": "A synthetic answer."}
    assert all(s.original_language == "ru" and s.recording == "part-1" for s in segments)


def test_webvtt_mistakes_name_the_vtt_file_and_line(example_collection: Path) -> None:
    _use_webvtt(example_collection, WEBVTT_RU.replace("<v Narrator (synthetic)>", ""),
                WEBVTT_EN.replace("00:00:05.500 --> 00:00:12.000", "00:00:06.000 --> 00:00:12.000"))
    problems = _problems(example_collection)
    assert _one(problems, "no voice").split(": cue 2:")[0].endswith("interview-1.ru.vtt:6")
    assert _one(problems, "original's timings").split(": cue 2:")[0].endswith("interview-1.en.vtt:6")


def test_quotes_without_spans_keep_working(fixture_collection: Path) -> None:
    collection = read_collection(fixture_collection)
    assert all(q.span is None for p in collection.people for q in p.quotes)
    assert sum(len(p.quotes) for p in collection.people) > 0


def test_the_json_schema_describes_the_new_fields() -> None:
    schemas = fmt.json_schemas()
    person = schemas["people/*.yaml"]
    for name in ("Recording", "Segment", "IndexPoint", "Transcript", "Gps", "Hyperlink", "Rights", "TranscriptSpan"):
        assert name in person["$defs"]
    assert person["$defs"]["Speaker"]["properties"]["role"]["enum"] == list(fmt.SPEAKER_ROLES)
    assert "segments" in schemas["people/<person-id>/*.yaml (transcripts)"]["properties"]


def test_the_catalogue_record_is_checked_field_by_field(example_collection: Path) -> None:
    _edit(example_collection, "    transcript:\n",
          "    catalogue:\n      accession: SYN-2\n      series: {}\n      format: Audio cassette\n"
          "      shelf: B-12\n    transcript:\n")
    problems = _problems(example_collection)
    series = _one(problems, r"catalogue\.series")
    assert series.startswith(f"{example_collection / PERSON_FILE}:{_line_of(example_collection, 'series:')}:")
    assert "give the `id`, the `name` or both" in series
    assert _one(problems, r"catalogue\.format").split(":")[1] == str(_line_of(example_collection, "format: Audio"))
    assert "shelf" in _one(problems, r"catalogue\.shelf")


def test_a_catalogue_record_is_stored_as_given(example_collection: Path, tmp_path: Path) -> None:
    from archive.facade import Archive
    from archive.store import models
    from tests.support import import_into

    _edit(example_collection, "    transcript:\n",
          "    catalogue:\n      accession: SYN-2\n      collection: {name: Synthetic collection}\n"
          "      format: [Audio cassette, WAV file]\n    transcript:\n")
    home = import_into(tmp_path / "home", example_collection)
    archive = Archive.open(home)
    try:
        with archive.engine.connect() as conn:
            stored = conn.execute(models.table_of(models.Interview).select()).mappings().one()["catalogue"]
    finally:
        archive.close()
    assert stored == {"accession": "SYN-2", "collection": {"name": "Synthetic collection"},
                      "format": ["Audio cassette", "WAV file"]}
