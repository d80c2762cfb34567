"""The JSON API's search answers moments as the search page does: a transcript passage or an index
point links to the interview page at its moment, and the facets interview, recording and speaker's
role carry labels (in the request's language, and per language) of only what the viewer may see."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient

from tests.interviews.conftest import PERSON_FILE
from tests.support import import_into
from webapp import create_app
from webapp.i18n import compile_catalogues

INTERVIEW = "narrator-synthetic/synthetic-interview-1"
RECORDING = f"{INTERVIEW}/part-1"
TITLE_EN = "A synthetic interview about an invented village"
TITLE_RU = "Синтетическое интервью о выдуманном посёлке"


def _client(home: Path, **config: str) -> FlaskClient:
    compile_catalogues()
    return create_app({"ARCHIVE_HOME": str(home), "TESTING": True, **config}).test_client()


def _labels(answer: dict[str, Any], facet: str) -> dict[str, tuple[Any, Any]]:
    return {v["value"]: (v["label"], v["labels"]) for v in answer["facets"][facet]["values"]}


@pytest.mark.slow
def test_a_moment_links_to_the_interview_at_its_moment(example_home: Path) -> None:
    client = _client(example_home)
    hits = client.get("/api/search?q=sledging").get_json()["hits"]
    moments = {hit["kind"]: hit for hit in hits if hit["kind"] in ("segment", "index_point")}
    assert set(moments) == {"segment", "index_point"}
    for hit in moments.values():
        link = urlsplit(hit["links"]["html"])
        assert link.scheme == "http" and link.netloc == "localhost"  # absolute, as every API link
        assert link.path == f"/interviews/{INTERVIEW}"
        hours, minutes, seconds = hit["timecode_in"].split(":")
        assert parse_qs(link.query) == {"t": [str(int(int(hours) * 3600 + int(minutes) * 60 + float(seconds)))]}
        # the same address the search page gives the hit
        page = client.get("/search?q=sledging").get_data(as_text=True)
        assert f'href="{link.path}?{link.query}"' in page
        assert client.get(f"{link.path}?{link.query}").status_code == 200
    quote = next(hit for hit in hits if hit["kind"] == "quote")
    assert "#quote-" in quote["links"]["html"]  # a quote still opens on its person's page


def test_moment_facets_are_labelled_in_the_request_language(example_home: Path) -> None:
    client = _client(example_home)
    english = client.get("/api/search?kind=segment").get_json()
    assert _labels(english, "interview") == {INTERVIEW: (TITLE_EN, {"en": TITLE_EN, "ru": TITLE_RU})}
    assert _labels(english, "recording")[RECORDING][0] == f"part-1 ({TITLE_EN})"
    assert _labels(english, "speaker_role") == {
        "interviewer": ("Interviewer", {"en": "Interviewer", "ru": "Интервьюер"}),
        "interviewee": ("Interviewee", {"en": "Interviewee", "ru": "Интервьюируемый"}),
    }
    russian = client.get("/api/search?kind=segment", headers={"Accept-Language": "ru"}).get_json()
    assert _labels(russian, "interview")[INTERVIEW][0] == TITLE_RU
    assert _labels(russian, "recording")[RECORDING][0] == f"part-1 ({TITLE_RU})"
    assert {label for label, _ in _labels(russian, "speaker_role").values()} == {"Интервьюер", "Интервьюируемый"}


@pytest.mark.slow
def test_a_withheld_recording_has_no_label_for_those_who_may_not_see_it(
        example_collection: Path, tmp_path: Path) -> None:
    person = example_collection / PERSON_FILE
    old = "          holder: Synthetic example (no rights holder; generated)\n"
    person.write_text(person.read_text(encoding="utf-8").replace(
        old, old + "        visibility: {status: restricted, reason: synthetic}\n", 1), encoding="utf-8")
    home = import_into(tmp_path / "home", example_collection)
    asked = f"/api/search?recording={RECORDING}"
    public = _labels(_client(home).get(asked).get_json(), "recording")
    assert public == {RECORDING: (None, None)}  # the asked value is echoed, selected, with nothing of it
    researcher = _labels(_client(home, ARCHIVE_VIEWER="researcher").get(asked).get_json(), "recording")
    assert researcher[RECORDING][0] == f"part-1 ({TITLE_EN})"
