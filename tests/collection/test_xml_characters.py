"""Characters XML 1.0 cannot carry are refused at the door of every importer, with the file
and the line (issue 20, item 11): the collection's YAML (written as escapes in a double-quoted
value, on both reading paths), a source's text file, WebVTT and SRT subtitles, and OHMS XML.

Once such a character is in the archive, every OAI-PMH answer that includes its record fails;
the archive as published is checked here too.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from archive.collection.loader import read_collection
from archive.collection.problems import InvalidCollection
from archive.collection.xml_characters import first_unsafe_character
from archive.interchange.ohms import OhmsFileError, read_ohms
from archive.interchange.segment_import import SegmentImportError
from archive.interchange.subtitles import SubtitleError, read_subtitles, subtitles_to_collection

ROOT = Path(__file__).resolve().parents[2]
ANNA = "people/anna-synthetic.yaml"


def _line(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(needle)


def _problems(collection: Path) -> list:
    with pytest.raises(InvalidCollection) as raised:
        read_collection(collection)
    return raised.value.problems


@pytest.mark.parametrize("escaped, code", [
    ("\\x01", "U+0001"), ("\\v", "U+000B"), ("\\uFFFE", "U+FFFE"), ("\\uFFFF", "U+FFFF"),
    ("\\0", "U+0000"), ("\\e", "U+001B"),
])
def test_an_escaped_character_xml_cannot_carry_is_refused_with_file_line_and_field(fixture_collection, escaped, code):
    path = fixture_collection / ANNA
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("name: Anna (synthetic)", f'name: "Igor{escaped}"', 1), encoding="utf-8")
    [problem] = _problems(fixture_collection)
    assert problem.file.endswith(ANNA)
    assert (problem.line, problem.field) == (_line(path, "name: \"Igor"), "name")
    assert code in problem.message


def test_a_lone_surrogate_escape_is_refused_on_its_line(fixture_collection):
    """libyaml refuses it itself, as a syntax error on its line."""
    path = fixture_collection / ANNA
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("name: Anna (synthetic)", 'name: "Igor\\uD800"', 1), encoding="utf-8")
    [problem] = _problems(fixture_collection)
    assert problem.line == _line(path, "name: \"Igor")


def test_on_the_line_tracking_path_too_and_in_a_key(fixture_collection):
    """A file with an anchor is read on the line-tracking path; a key is checked like a value."""
    path = fixture_collection / ANNA
    text = path.read_text(encoding="utf-8")
    text = text.replace("name: Anna (synthetic)", 'name: &who "Igor\\x01"', 1)
    text = text.replace("role: interviewee", 'role: interviewee\n"na\\x02me": x', 1)
    path.write_text(text, encoding="utf-8")
    problems = _problems(fixture_collection)
    found = {(p.line, p.message.split(" (")[0]) for p in problems if "XML 1.0" in p.message}
    assert found == {(_line(path, "name: &who"), "character U+0001"), (_line(path, "na\\x02me"), "character U+0002")}


def test_an_ordinary_escape_is_still_welcome(fixture_collection):
    path = fixture_collection / ANNA
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("name: Anna (synthetic)", 'name: "Anna\\t\\u00e9 (synthetic)"', 1), encoding="utf-8")
    collection = read_collection(fixture_collection)
    assert any(p.name == "Anna\té (synthetic)" for p in collection.people)


def test_a_source_text_file_with_a_control_character_is_refused_with_its_line(fixture_collection):
    text_file = fixture_collection / "sources" / "synthetic-transcript.txt"
    lines = text_file.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1] + "\x0c"
    text_file.write_text("\n".join(lines), encoding="utf-8")
    [problem] = _problems(fixture_collection)
    assert problem.field.endswith("text_file")
    assert "line 2" in problem.message and "U+000C" in problem.message


@pytest.mark.parametrize("suffix, content, line", [
    ("srt", "1\n00:00:01,000 --> 00:00:02,000\nhi\x00there\n", 3),
    ("vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nhi\ufffethere\n", 4),
])
def test_subtitles_with_a_character_xml_cannot_carry_are_refused(tmp_path, fixture_collection, suffix, content, line):
    path = tmp_path / f"talk.{suffix}"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SubtitleError) as raised:
        read_subtitles(path)
    assert raised.value.line == line and str(raised.value).startswith(f"{path}:{line}: ")
    before = {p: p.read_bytes() for p in fixture_collection.rglob("*") if p.is_file()}
    with pytest.raises((SubtitleError, SegmentImportError)):
        subtitles_to_collection(path, fixture_collection, person_id="anna-synthetic", interview_id="anna-2020",
                                language="ru")
    assert {p: p.read_bytes() for p in fixture_collection.rglob("*") if p.is_file()} == before


@pytest.mark.slow
def test_the_import_subtitles_command_says_it_in_one_line(tmp_path, fixture_collection):
    path = tmp_path / "talk.srt"
    path.write_text("1\n00:00:01,000 --> 00:00:02,000\nhi\x00there\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "archive.cli.main", "import-subtitles", str(path), "--into",
                           str(fixture_collection), "--person", "anna-synthetic", "--interview", "anna-2020",
                           "--language", "ru"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert f"{path}:3: " in done.stderr and "U+0000" in done.stderr


@pytest.mark.parametrize("content, code", [
    (b"<ROOT>\n<record><title>hi\x01</title></record></ROOT>", "U+0001"),
    (b"<ROOT>\n<record><title>hi&#1;</title></record></ROOT>", "value 1"),
    (b"<ROOT>\n<record><title>hi&#xFFFE;</title></record></ROOT>", "value 65534"),
])
def test_ohms_with_a_character_xml_cannot_carry_is_refused_with_its_line(tmp_path, content, code):
    path = tmp_path / "interview.xml"
    path.write_bytes(content)
    with pytest.raises(OhmsFileError) as raised:
        read_ohms(path)
    assert raised.value.line == 2 and code in str(raised.value)


def test_the_rule_is_xml_1_0s():
    """Every character the rule lets through is one lxml can write into an XML document, and
    every one it refuses is one lxml refuses."""
    for number in [*range(0x00, 0x80), 0x85, 0xA0, 0xD7FF, 0xD800, 0xDFFF, 0xE000, 0xFFFD, 0xFFFE, 0xFFFF, 0x10000]:
        character = chr(number)
        element = etree.Element("t")
        try:
            element.text = character
            writable = True
        except ValueError:
            writable = False
        assert (first_unsafe_character(character) is None) == writable, hex(number)
