"""Transcript segments and index points are searched like quotes, in both languages, under the
visibility rule: a withheld segment, or anything of a withheld recording, is found only by
those who may see it."""

from __future__ import annotations

from pathlib import Path

from archive.access.visibility import ANONYMOUS, viewer_for
from archive.facade import Archive
from archive.search.request import SearchRequest
from tests.interviews.conftest import PERSON_FILE
from tests.support import import_into

INTERVIEW = "narrator-synthetic/synthetic-interview-1"
RESEARCHER = viewer_for("researcher")


def _found(home: Path, query: str, viewer=ANONYMOUS) -> set[str]:  # type: ignore[no-untyped-def]
    archive = Archive.open(home)
    try:
        return {hit.id for hit in archive.search(SearchRequest(query=query, per_page=50), viewer).hits}
    finally:
        archive.close()


def test_segments_and_index_points_are_found_in_both_languages(example_home: Path) -> None:
    assert {f"{INTERVIEW}#s4", f"{INTERVIEW}#p2"} <= _found(example_home, "sledging")
    assert f"{INTERVIEW}#s4" in _found(example_home, "санках")  # the Russian original
    assert f"{INTERVIEW}#p2" in _found(example_home, "яблони")  # a Russian keyword of the index point
    assert f"{INTERVIEW}#p3" in _found(example_home, "closing")  # an index point's title


def test_a_withheld_segment_is_found_only_by_those_who_may_see_it(example_home: Path) -> None:
    assert _found(example_home, "withheld") == set()
    assert _found(example_home, "withheld", RESEARCHER) == {f"{INTERVIEW}#s5"}


def test_nothing_of_a_withheld_recording_is_found(example_collection: Path, tmp_path: Path) -> None:
    person = example_collection / PERSON_FILE
    old = "          holder: Synthetic example (no rights holder; generated)\n"
    person.write_text(person.read_text(encoding="utf-8").replace(
        old, old + "        visibility: {status: restricted, reason: synthetic}\n", 1), encoding="utf-8")
    home = import_into(tmp_path / "home", example_collection)
    assert not any(hit.startswith(INTERVIEW) for hit in _found(home, "sledging OR garden OR synthetic"))
    assert f"{INTERVIEW}#s4" in _found(home, "sledging", RESEARCHER)
