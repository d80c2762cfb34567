"""Collection files that lead out of the collection folder are refused unread, and a file name
cannot split or colour a ``FILE:LINE`` message (issue 20, item 12).

The outside file here holds a marker value: it must appear in no message.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from archive.collection.loader import read_collection
from archive.collection.problems import InvalidCollection
from archive.interchange.subtitles import SubtitleError, read_subtitles

ROOT = Path(__file__).resolve().parents[2]
ANNA = "anna-synthetic.yaml"
MARKER = "OUTSIDE-MARKER-SYNTHETIC"


def _problems(collection: Path) -> list:
    with pytest.raises(InvalidCollection) as raised:
        read_collection(collection)
    return raised.value.problems


def _outside_person(tmp_path: Path, collection: Path) -> Path:
    """A person file outside the collection, with an invalid field holding the marker."""
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    text = (collection / "people" / ANNA).read_text(encoding="utf-8")
    (outside / ANNA).write_text(text.replace("role: interviewee", f"role: {MARKER}"), encoding="utf-8")
    return outside


def test_a_people_file_linked_out_of_the_collection_is_refused_unread(tmp_path, fixture_collection):
    outside = _outside_person(tmp_path, fixture_collection)
    (fixture_collection / "people" / ANNA).unlink()
    (fixture_collection / "people" / ANNA).symlink_to(outside / ANNA)
    problems = _problems(fixture_collection)
    assert [p.file.endswith(f"people/{ANNA}") and "outside the collection" in p.message for p in problems] == [True]
    assert MARKER not in "\n".join(map(str, problems))


def test_a_people_folder_linked_out_of_the_collection_is_refused_unread(tmp_path, fixture_collection):
    outside = _outside_person(tmp_path, fixture_collection)
    shutil.copy(fixture_collection / "people" / "boris-synthetic.yaml", outside)
    shutil.rmtree(fixture_collection / "people")
    (fixture_collection / "people").symlink_to(outside, target_is_directory=True)
    problems = _problems(fixture_collection)
    assert problems and all("outside the collection" in p.message for p in problems)
    assert MARKER not in "\n".join(map(str, problems))


def test_a_collection_file_linked_out_is_refused(tmp_path, fixture_collection):
    outside = tmp_path / "vocabulary.yaml"
    shutil.move(fixture_collection / "vocabulary.yaml", outside)
    (fixture_collection / "vocabulary.yaml").symlink_to(outside)
    [problem] = _problems(fixture_collection)
    assert problem.file.endswith("vocabulary.yaml") and "outside the collection" in problem.message


def test_a_link_inside_the_collection_is_still_read(fixture_collection):
    keep = fixture_collection / "kept"
    keep.mkdir()
    shutil.move(fixture_collection / "people" / ANNA, keep / ANNA)
    (fixture_collection / "people" / ANNA).symlink_to(keep / ANNA)
    assert len(read_collection(fixture_collection).people) == 2


@pytest.mark.parametrize("name", ["anna\nforged.yaml:1: id: all is well.yaml", "anna\x1b[31mred\x1b[0m.yaml"])
@pytest.mark.slow
def test_a_file_name_cannot_split_or_colour_a_message(tmp_path, fixture_collection, name):
    bad = fixture_collection / "people" / name
    (fixture_collection / "people" / ANNA).rename(bad)
    problems = _problems(fixture_collection)  # its id differs from its file name
    assert problems
    for problem in problems:
        assert "\n" not in str(problem) and "\x1b" not in str(problem)
    assert any(problem.file.endswith(repr(name)[1:-1]) for problem in problems)

    done = subprocess.run([sys.executable, "-m", "archive.cli.main", "check", "--no-index", str(fixture_collection)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "\x1b" not in done.stderr
    lines = done.stderr.splitlines()
    assert lines[-1].endswith("nothing was written.")
    assert all(line.startswith(str(fixture_collection)) for line in lines[:-1]), lines


def test_a_subtitle_file_name_is_escaped_too(tmp_path):
    path = tmp_path / "talk\n\x1b[2J.srt"
    path.write_text("1\nnot a timing\nhi\n", encoding="utf-8")
    with pytest.raises(SubtitleError) as raised:
        read_subtitles(path)
    assert "\n" not in str(raised.value) and "\x1b" not in str(raised.value)
