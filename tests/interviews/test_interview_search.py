"""Transcript segments and index points are searched like quotes, in both languages, under the
visibility rule: a withheld segment, or anything of a withheld recording, is found only by
those who may see it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from archive.access.visibility import ANONYMOUS, viewer_for
from archive.facade import Archive
from archive.search.request import SearchRequest
from tests.interviews.conftest import PERSON_FILE
from tests.support import import_into
from webapp import create_app
from webapp.i18n import compile_catalogues

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


@pytest.mark.slow
def test_nothing_of_a_withheld_recording_is_found(example_collection: Path, tmp_path: Path) -> None:
    person = example_collection / PERSON_FILE
    old = "          holder: Synthetic example (no rights holder; generated)\n"
    person.write_text(person.read_text(encoding="utf-8").replace(
        old, old + "        visibility: {status: restricted, reason: synthetic}\n", 1), encoding="utf-8")
    home = import_into(tmp_path / "home", example_collection)
    assert not any(hit.startswith(INTERVIEW) for hit in _found(home, "sledging OR garden OR synthetic"))
    assert f"{INTERVIEW}#s4" in _found(home, "sledging", RESEARCHER)


def _facets(home: Path, viewer=ANONYMOUS, **filters: tuple[str, ...]) -> dict[str, dict[str, int]]:  # type: ignore[no-untyped-def]
    archive = Archive.open(home)
    try:
        result = archive.search(SearchRequest(filters=filters), viewer)
    finally:
        archive.close()
    return {name: {v.value: v.count for v in facet.values} for name, facet in result.facets.items()}


def test_moments_have_a_kind_and_facets_of_interview_speaker_role_and_recording(example_home: Path) -> None:
    facets = _facets(example_home)
    assert facets["kind"]["segment"] == 5 and facets["kind"]["index_point"] == 3
    # the quote taken from the interview is a moment of it too
    assert facets["interview"] == {INTERVIEW: 5 + 3 + 1}
    assert facets["recording"] == {f"{INTERVIEW}/part-1": 5 + 3 + 1}
    assert facets["speaker_role"] == {"interviewer": 3, "interviewee": 2}  # index points and quotes have no speaker
    # a value of a facet narrows the search to it; values of one facet combine with OR
    assert _facets(example_home, speaker_role=("interviewee",))["kind"] == {"segment": 2}
    assert _facets(example_home, kind=("index_point", "quote"))["interview"] == {INTERVIEW: 3 + 1}
    archive = Archive.open(example_home)
    try:
        found = archive.search(SearchRequest(query="speaker_role:interviewer", per_page=50), ANONYMOUS).hits
    finally:
        archive.close()
    assert {hit.id for hit in found} == {f"{INTERVIEW}#s{n}" for n in (1, 3, 6)}  # the query syntax's filter


def test_facet_counts_never_count_a_withheld_segment(example_home: Path) -> None:
    public, researcher = _facets(example_home, kind=("segment",)), _facets(example_home, RESEARCHER, kind=("segment",))
    assert public["speaker_role"]["interviewee"] == 2 and researcher["speaker_role"]["interviewee"] == 3
    assert public["interview"][INTERVIEW] == 5 and researcher["interview"][INTERVIEW] == 6
    assert public["recording"][f"{INTERVIEW}/part-1"] == 5


def test_a_withheld_recording_is_no_facet_value(example_collection: Path, tmp_path: Path) -> None:
    person = example_collection / PERSON_FILE
    old = "          holder: Synthetic example (no rights holder; generated)\n"
    person.write_text(person.read_text(encoding="utf-8").replace(
        old, old + "        visibility: {status: restricted, reason: synthetic}\n", 1), encoding="utf-8")
    home = import_into(tmp_path / "home", example_collection)
    public = _facets(home, kind=("segment", "index_point"))
    assert "recording" not in public or not public["recording"]
    assert not public.get("speaker_role") and not public.get("interview")
    assert _facets(home, RESEARCHER, kind=("segment",))["recording"] == {f"{INTERVIEW}/part-1": 6}


def test_the_search_page_and_the_api_offer_the_moment_facets(example_home: Path) -> None:
    compile_catalogues()
    client = create_app({"ARCHIVE_HOME": str(example_home), "TESTING": True}).test_client()
    html = client.get("/search?kind=segment").get_data(as_text=True)
    facet = re.search(r'<details class="facet" id="facet-speaker_role".*?</details>', html, re.S)
    assert facet is not None and "Speaker&#39;s role" in facet.group(0)
    roles = dict(re.findall(r'<span class="box"[^>]*>[^<]*</span>\s*(\w+) <span class="count">(\d+)</span>',
                            facet.group(0)))
    assert roles == {"Interviewer": "3", "Interviewee": "2"}
    assert "A synthetic interview about an invented village" in html  # the interview facet shows its title
    assert html.count('<span class="tag">Transcript passage</span>') == 5
    russian = client.get("/search?kind=segment&lang=ru").get_data(as_text=True)
    assert "Синтетическое интервью о выдуманном посёлке" in russian and "Интервьюируемый" in russian
    assert "Фрагмент расшифровки" in russian
    api = client.get("/api/search?kind=index_point&speaker_role=interviewee").get_json()
    assert api["total"] == 0
    api = client.get("/api/search?speaker_role=interviewee").get_json()
    assert api["total"] == 2 and {hit["kind"] for hit in api["hits"]} == {"segment"}
    assert {v["value"]: v["count"] for v in api["facets"]["interview"]["values"]} == {INTERVIEW: 2}
