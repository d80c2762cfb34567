"""WebVTT and SRT: exports read back by webvtt-py and srt, imports as timecoded quotes that
pass the collection check, and the files that cannot be represented refused with where and why."""

from __future__ import annotations

import html
from datetime import timedelta
from pathlib import Path

import pytest
import srt
import webvtt
import yaml

from archive.access.visibility import ANONYMOUS, Viewer, viewer_for
from archive.catalogue import pages as catalogue
from archive.collection.loader import read_collection
from archive.collection.problems import InvalidCollection
from archive.facade import Archive
from archive.interchange.segment_import import SegmentImportError
from archive.interchange.subtitles import (
    AmbiguousRecording,
    SubtitleError,
    interview_to_srt,
    interview_to_vtt,
    person_to_srt,
    person_to_vtt,
    read_subtitles,
    subtitles_to_collection,
)
from tests.interviews.conftest import INTERVIEW_ID, PERSON_FILE, PERSON_ID

ANNA_TIMED = {  # the visible timecoded quotes of the fixture's Anna: start, end, en, ru
    "anna-grandfather-shot": (65.0, 72.5, "My grandfather was shot in 1937, and my grandmother was sent to a camp.",
                              "Мой дед был расстрелян в 1937 году, а бабушку сослали в лагерь."),
    "anna-victory": (120.0, 129.0, "Stalin won the war. Without him there would have been no victory.",
                     "Сталин выиграл войну. Без него не было бы победы."),
}


def edit_person(collection: Path, person_id: str, change) -> None:
    path = collection / "people" / f"{person_id}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def quote(data: dict, quote_id: str) -> dict:
    return next(q for q in data["quotes"] if q["id"] == quote_id)


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# --- export ------------------------------------------------------------------------------------


def test_vtt_export_reads_back_in_webvtt_py(archive, fixture_collection):
    archive.import_collection(fixture_collection)
    text = person_to_vtt(archive, "anna-synthetic", ANONYMOUS, lang="en")
    captions = webvtt.from_string(text, strict=True).captions
    assert [c.identifier for c in captions] == list(ANNA_TIMED)
    for caption in captions:
        start, end, en, _ = ANNA_TIMED[caption.identifier]
        assert (caption.start_time.to_tuple(), caption.end_time.to_tuple()) == (
            _tuple(start), _tuple(end))
        assert caption.voice == "Anna (synthetic)"
        assert html.unescape(caption.text) == en


def _tuple(seconds: float) -> tuple[int, int, int, int]:
    millis = round(seconds * 1000)
    return millis // 3_600_000, millis // 60_000 % 60, millis // 1000 % 60, millis % 1000


def test_srt_export_reads_back_in_srt(archive, fixture_collection):
    archive.import_collection(fixture_collection)
    subtitles = list(srt.parse(person_to_srt(archive, "anna-synthetic", ANONYMOUS)))
    assert [s.index for s in subtitles] == [1, 2]
    for subtitle, (start, end, _, ru) in zip(subtitles, ANNA_TIMED.values(), strict=False):
        assert subtitle.start == timedelta(seconds=start) and subtitle.end == timedelta(seconds=end)
        assert subtitle.content == ru  # the original language by default


def test_awkward_text_survives_both_formats(archive, fixture_collection):
    awkward = "Tom & Jerry <b>bold</b> --> 5 > 3\n\nA second paragraph."

    def change(data):
        quote(data, "anna-victory")["text"]["en"] = awkward  # the archive's own translation: not checked verbatim

    edit_person(fixture_collection, "anna-synthetic", change)
    archive.import_collection(fixture_collection)
    caption = webvtt.from_string(person_to_vtt(archive, "anna-synthetic", ANONYMOUS, lang="en"), strict=True)[1]
    assert html.unescape(caption.text) == "Tom & Jerry <b>bold</b> --> 5 > 3\nA second paragraph."
    subtitle = list(srt.parse(person_to_srt(archive, "anna-synthetic", ANONYMOUS, lang="en")))[1]
    assert subtitle.content == "Tom & Jerry <b>bold</b> → 5 > 3\nA second paragraph."


def test_export_honours_visibility(archive, fixture_collection):
    def change(data):
        embargoed = quote(data, "anna-embargoed")
        embargoed.update({"recording": "anna-2020", "timecode_in": "00:03:00", "timecode_out": "00:03:05"})

    edit_person(fixture_collection, "anna-synthetic", change)
    archive.import_collection(fixture_collection)
    anonymous = webvtt.from_string(person_to_vtt(archive, "anna-synthetic", ANONYMOUS)).captions
    assert [c.identifier for c in anonymous] == list(ANNA_TIMED)
    researcher = webvtt.from_string(person_to_vtt(archive, "anna-synthetic", Viewer(role="researcher"))).captions
    assert [c.identifier for c in researcher] == [*ANNA_TIMED, "anna-embargoed"]
    with pytest.raises(catalogue.NotFound):
        person_to_vtt(archive, "boris-synthetic", ANONYMOUS)
    with pytest.raises(catalogue.NotFound):
        person_to_srt(archive, "boris-synthetic", ANONYMOUS)


def test_a_missing_end_is_the_next_start(archive, fixture_collection):
    edit_person(fixture_collection, "anna-synthetic",
                lambda data: quote(data, "anna-grandfather-shot").pop("timecode_out"))
    archive.import_collection(fixture_collection)
    first = list(srt.parse(person_to_srt(archive, "anna-synthetic", ANONYMOUS)))[0]
    assert first.end == timedelta(seconds=120)


@pytest.mark.slow
def test_several_recordings_need_a_choice(archive, fixture_collection):
    def change(data):
        quote(data, "anna-camps").update({"recording": "synthetic-test", "timecode_in": "00:10:00"})

    edit_person(fixture_collection, "anna-synthetic", change)
    archive.import_collection(fixture_collection)
    with pytest.raises(AmbiguousRecording, match="anna-2020, synthetic-test"):
        person_to_vtt(archive, "anna-synthetic", ANONYMOUS)
    film = webvtt.from_string(person_to_vtt(archive, "anna-synthetic", ANONYMOUS, recording="synthetic-test"))
    assert [c.identifier for c in film.captions] == ["anna-camps"]
    assert len(webvtt.from_string(person_to_vtt(archive, "anna-synthetic", ANONYMOUS,
                                                recording="anna-2020")).captions) == 2


# --- import ------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["vtt", "srt"])
@pytest.mark.slow
def test_round_trip_into_an_existing_person(archive, fixture_collection, tmp_path, suffix):
    archive.import_collection(fixture_collection)
    export = person_to_vtt if suffix == "vtt" else person_to_srt
    path = tmp_path / f"anna-en.{suffix}"
    path.write_text(export(archive, "anna-synthetic", ANONYMOUS, lang="en"), encoding="utf-8")
    before = (fixture_collection / "people" / "anna-synthetic.yaml").read_text(encoding="utf-8")

    result = subtitles_to_collection(path, fixture_collection, person_id="anna-synthetic",
                                     interview_id="anna-2020", language="en", original_language="ru")
    collection = read_collection(fixture_collection)  # what `archive check` runs
    anna = next(p for p in collection.people if p.id == "anna-synthetic")
    imported = [q for q in anna.quotes if q.id in result.quote_ids]
    assert len(imported) == 2
    for q, (start, end, en, _) in zip(imported, ANNA_TIMED.values(), strict=False):
        assert q.text == {"en": en}
        assert q.original_language == "ru" and q.published_translations == ["en"]
        assert q.recording == "anna-2020"
        assert (q.timecode_in, q.timecode_out) == (_timecode(start), _timecode(end))
        assert q.stance == "not-stated"
    assert anna.stance.value == "ambivalent"  # the existing coding is kept
    assert [i.id for i in anna.interviews] == ["anna-2020"]
    assert anna.interviews[0].place == "Moscow"  # the interview's own fields are kept
    assert len(anna.quotes) == 5 + 2
    if suffix == "vtt":
        assert "Speaker: Anna (synthetic)." in imported[0].context
        assert "(anna-grandfather-shot)" in imported[0].context  # the cue id names the quote it came from
    assert (fixture_collection / "sources" / path.name).read_bytes() == path.read_bytes()
    assert before != (fixture_collection / "people" / "anna-synthetic.yaml").read_text(encoding="utf-8")

    # importing the same file again replaces what it brought
    again = subtitles_to_collection(path, fixture_collection, person_id="anna-synthetic",
                                    interview_id="anna-2020", language="en", original_language="ru")
    assert again.quote_ids == result.quote_ids
    assert len(next(p for p in read_collection(fixture_collection).people if p.id == "anna-synthetic").quotes) == 7
    archive.import_collection(fixture_collection)


def _timecode(seconds: float) -> str:
    from archive.collection.timecodes import format_timecode
    return format_timecode(seconds)


def test_import_into_a_new_collection(tmp_path):
    path = tmp_path / "witness.srt"
    path.write_text(srt.compose([
        srt.Subtitle(1, timedelta(seconds=1.5), timedelta(seconds=4), "Первая реплика."),
        srt.Subtitle(2, timedelta(minutes=61), timedelta(minutes=61, seconds=3), "Вторая\nреплика."),
    ]), encoding="utf-8")
    root = tmp_path / "new"
    with pytest.raises(SegmentImportError, match="person_name"):
        subtitles_to_collection(path, root, person_id="witness", interview_id="witness-1", language="ru")
    result = subtitles_to_collection(path, root, person_id="witness", interview_id="witness-1", language="ru",
                                     person_name="Witness (synthetic)")
    assert result.created_collection
    collection = read_collection(root)
    person = collection.people[0]
    assert person.stance.value == "not-stated" and person.stance.basis == "none"
    assert "carries no stance" in person.stance.rationale
    assert [(q.timecode_in, q.timecode_out, q.text["ru"]) for q in person.quotes] == [
        ("00:00:01.500", "00:00:04", "Первая реплика."), ("01:01:00", "01:01:03", "Вторая\nреплика.")]
    assert all(q.stance == "not-stated" for q in person.quotes)


# --- what cannot be represented ------------------------------------------------------------------


BAD_FILES = {
    "comma.vtt": ("WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nfine\n\n2\n00:00:03,000 --> 00:00:04,000\ncomma\n",
                  2, 8, "not a comma"),
    "backwards.vtt": ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nfine\n\n00:00:05.000 --> 00:00:04.000\nback\n",
                      2, 6, "ends (00:00:04.000) before it starts (00:00:05.000)"),
    "arrow.vtt": ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nfine\n\n00:00:03.000 --> 00:00:04.000\nhello\n"
                  "this --> that\n", 2, 8, "contains '-->'"),
    "backwards.srt": ("1\n00:00:01,000 --> 00:00:02,000\nfine\n\n2\n00:00:05,000 --> 00:00:04,000\nback\n",
                      2, 6, "ends (00:00:04,000) before it starts (00:00:05,000)"),
    "arrow.srt": ("1\n00:00:01,000 --> 00:00:02,000\nfine\n\n2\n00:00:03,000 --> 00:00:04,000\nhello\n"
                  "this --> that\n", 2, 8, "contains '-->'"),
    # OHMS ends its last transcript cue at 00:00:00.000; a plain WebVTT file may not
    "zero-end.vtt": ("WEBVTT\n\n01:01:22.000 --> 00:00:00.000\nthe end\n", 1, 3, "before it starts"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_what_cannot_be_represented_is_refused_clearly(tmp_path, fixture_collection, name):
    text, cue, line, reason = BAD_FILES[name]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SubtitleError) as caught:
        read_subtitles(path)
    error = caught.value
    assert (error.cue, error.line) == (cue, line)
    assert reason in error.message
    assert str(error).startswith(f"{path}:{line}: cue {cue}: ")
    # nothing is written when the file is refused
    before = snapshot(fixture_collection)
    with pytest.raises(SubtitleError):
        subtitles_to_collection(path, fixture_collection, person_id="anna-synthetic", interview_id="anna-2020",
                                language="ru")
    assert snapshot(fixture_collection) == before


def test_other_malformed_files_name_the_line(tmp_path):
    path = tmp_path / "setting.vtt"
    path.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:02.000 bogus:1\nx\n", encoding="utf-8")
    with pytest.raises(SubtitleError, match=r"setting\.vtt:3: .*bogus"):
        read_subtitles(path)
    path = tmp_path / "header.vtt"
    path.write_text("00:00:01.000 --> 00:00:02.000\nno header\n", encoding="utf-8")
    with pytest.raises(SubtitleError, match="must start with 'WEBVTT'"):
        read_subtitles(path)
    path = tmp_path / "notes.txt"
    path.write_text("hello", encoding="utf-8")
    with pytest.raises(SubtitleError, match="expected .vtt or .srt"):
        read_subtitles(path)


def test_an_import_that_would_not_validate_changes_nothing(tmp_path, fixture_collection):
    path = tmp_path / "ok.vtt"
    path.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nfine\n", encoding="utf-8")
    before = snapshot(fixture_collection)
    with pytest.raises(InvalidCollection, match=r"interviews\[1\]\.id: String should match pattern"):
        subtitles_to_collection(path, fixture_collection, person_id="anna-synthetic", interview_id="Bad Id",
                                language="ru")
    assert snapshot(fixture_collection) == before


# --- interview transcripts: speakers kept per cue -----------------------------------------------

RESEARCHER = viewer_for("researcher")


@pytest.fixture(scope="module")
def interview_archive(generated_example: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The synthetic interview example, with its generated audio (shared: read it, copy it to change it), imported."""
    archive = Archive.open(tmp_path_factory.mktemp("subtitles-home") / "home")
    archive.import_collection(generated_example)
    yield archive, generated_example
    archive.close()


def _essentials(segments) -> list[tuple]:  # type: ignore[no-untyped-def]
    return [(s.start, s.end, s.speaker.name, s.speaker.role, s.original_language, dict(s.text)) for s in segments]


def _transcript_from(collection: Path, tmp_path: Path, files: dict[str, str], suffix: str) -> list[tuple]:
    """The example collection with its transcript replaced by subtitle ``files`` per language: its segments."""
    import shutil

    target = tmp_path / "round-trip"
    shutil.copytree(collection, target)
    folder = target / "people" / PERSON_ID
    folder.mkdir()
    for lang, text in files.items():
        (folder / f"interview.{lang}.{suffix}").write_text(text, encoding="utf-8")
    path = target / PERSON_FILE
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    original = data["interviews"][0]["transcript"]["segments"]
    data["interviews"][0]["transcript"] = {
        "webvtt": [{"file": f"{PERSON_ID}/interview.{lang}.{suffix}", "language": lang} for lang in files],
        "original_language": "ru",
        "speakers": {s["speaker"]["name"]: s["speaker"]["role"] for s in original},
    }
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return _essentials(read_collection(target).people[0].interviews[0].transcript.segments)


@pytest.mark.parametrize(("render", "suffix"), [(interview_to_vtt, "vtt"), (interview_to_srt, "srt")])
@pytest.mark.slow
def test_an_interview_transcript_round_trips_with_its_speakers(interview_archive, tmp_path: Path, render,
                                                               suffix: str) -> None:  # type: ignore[no-untyped-def]
    archive, collection = interview_archive
    files = {lang: render(archive, PERSON_ID, INTERVIEW_ID, RESEARCHER, lang) for lang in ("ru", "en")}
    speakers = ["Interviewer (synthetic)", "Narrator (synthetic)"]
    if suffix == "vtt":
        cues = list(webvtt.from_string(files["en"]))
        assert [c.voice for c in cues][:2] == speakers  # each cue voiced by its own speaker
    else:
        cues = list(srt.parse(files["en"]))
        assert [c.content.split(": ")[0] for c in cues][:2] == speakers
    back = _transcript_from(collection, tmp_path, files, suffix)
    expected = _essentials(read_collection(collection).people[0].interviews[0].transcript.segments)
    # one language is the original of every segment when read back from per-language files
    assert [(s[0], s[1], s[2], s[3], s[5]) for s in back] == [(s[0], s[1], s[2], s[3], s[5]) for s in expected]


def test_an_exported_transcript_leaves_out_withheld_segments(interview_archive) -> None:  # type: ignore[no-untyped-def]
    archive, _collection = interview_archive
    public = interview_to_vtt(archive, PERSON_ID, INTERVIEW_ID, ANONYMOUS, "en")
    assert "This passage is withheld" not in public
    assert "This passage is withheld" in interview_to_vtt(archive, PERSON_ID, INTERVIEW_ID, RESEARCHER, "en")
    assert "This passage is withheld" not in interview_to_srt(archive, PERSON_ID, INTERVIEW_ID, ANONYMOUS, "en")


def test_an_srt_line_that_names_no_known_speaker_stays_text(tmp_path: Path) -> None:
    from archive.interchange.subtitles import parse_srt, speaker_prefix

    cues = parse_srt("1\n00:00:01,000 --> 00:00:02,000\nNote: the tape skips here\n\n"
                     "2\n00:00:03,000 --> 00:00:04,000\nAnna: a synthetic line\n")
    read = [speaker_prefix(cue, {"Anna"}) for cue in cues]
    assert [(c.speaker, c.text) for c in read] == [(None, "Note: the tape skips here"), ("Anna", "a synthetic line")]
