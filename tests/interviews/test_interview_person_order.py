"""The person page reads the testimony in the order of the interviews too: each interview's quotes
in the order they are said in its recording, each linking to that moment of the interview page,
then the quotes from no interview; the choice is offered only to a person with interviews."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.interviews.conftest import INTERVIEW_ID, PERSON_FILE, PERSON_ID
from tests.support import import_into
from webapp import create_app

# two more SYNTHETIC quotes: one said earlier in the interview (given after the other in the file),
# one from no interview
MORE_QUOTES = """  - id: narrator-synthetic-elsewhere
    text:
      en: A synthetic sentence from no interview, written for this test.
    original_language: en
    context: SYNTHETIC example quote from no interview.
    source: synthetic-recording
  - id: narrator-synthetic-village
    text:
      ru: Я выросла в выдуманном посёлке у реки.
      en: I grew up in an invented village by a river.
    original_language: ru
    recording: synthetic-interview-1
    timecode_in: "00:00:05.500"
    timecode_out: "00:00:12.000"
    context: SYNTHETIC example quote, taken from the transcript.
    source: synthetic-recording
interviews:
"""


def _page(home: Path, url: str) -> str:
    response = create_app({"ARCHIVE_HOME": str(home), "TESTING": True}).test_client().get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def _quote_ids(html: str) -> list[str]:
    return re.findall(r'<figure class="quote[^"]*" id="quote-([\w-]+)"', html)


@pytest.mark.slow
def test_the_testimony_in_the_order_of_the_interviews(example_collection: Path, tmp_path: Path) -> None:
    person = example_collection / PERSON_FILE
    person.write_text(person.read_text(encoding="utf-8").replace("interviews:\n", MORE_QUOTES, 1), encoding="utf-8")
    home = import_into(tmp_path / "home", example_collection)
    html = _page(home, f"/people/{PERSON_ID}?order=interview")
    section = html[html.index('id="quotes"'):]
    assert _quote_ids(section) == ["narrator-synthetic-village", "narrator-synthetic-apple-trees",
                                   "narrator-synthetic-elsewhere"]
    headings = re.findall(r'<h3 id="interview-group-\d+">(.*?)</h3>', section, re.S)
    assert "A synthetic interview about an invented village" in headings[0] and "Other quotes" in headings[1]
    moments = re.findall(rf'href="/interviews/{PERSON_ID}/{INTERVIEW_ID}\?t=([^"]+)"', section)
    assert moments == ["00:00:05.500", "00:00:17.500"]
    assert '<span aria-current="true">In the order of the interviews</span>' in html
    # the page opened at such a link starts at that moment
    assert 'data-start-at="5.5"' in _page(home, f"/interviews/{PERSON_ID}/{INTERVIEW_ID}?t=00:00:05.500")
    # the other orders hold the same quotes
    assert sorted(_quote_ids(_page(home, f"/people/{PERSON_ID}?order=source"))) == sorted(_quote_ids(section))


@pytest.mark.slow
def test_the_order_is_offered_only_where_there_are_interviews(example_collection: Path, tmp_path: Path) -> None:
    person = example_collection / PERSON_FILE
    text = person.read_text(encoding="utf-8")
    kept = [line for line in text[:text.index("interviews:\n")].splitlines(keepends=True)
            if not line.lstrip().startswith(("recording:", "span:", "timecode_in:", "timecode_out:"))]
    person.write_text("".join(kept), encoding="utf-8")  # the same person without her interview
    home = import_into(tmp_path / "home", example_collection)
    html = _page(home, f"/people/{PERSON_ID}?order=interview")
    assert "In the order of the interviews" not in html
    assert '<span aria-current="true">By theme</span>' in html  # the default order, as for any unknown one
    assert _quote_ids(html) == ["narrator-synthetic-apple-trees"]
