"""The interview page without a browser: what it shows, links that work without JavaScript,
and the visibility rule (a withheld segment never reaches the page)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.interviews.conftest import INTERVIEW_ID, PERSON_ID
from webapp import create_app
from webapp.i18n import compile_catalogues

PAGE = f"/interviews/{PERSON_ID}/{INTERVIEW_ID}"
MEDIA = f"/media/{PERSON_ID}/{INTERVIEW_ID}/part-1"
WITHHELD_WORDS = ("This passage is withheld", "Этот отрывок закрыт")


def _get(home: Path, url: str, **config: str) -> str:
    app = create_app({"ARCHIVE_HOME": str(home), "TESTING": True, **config})
    response = app.test_client().get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_the_page_shows_player_transcript_index_and_rights(example_home: Path) -> None:
    html = _get(example_home, PAGE)
    assert f'<source src="{MEDIA}" type="audio/wav">' in html
    for lang in ("en", "ru"):
        assert (f'<track kind="captions" src="{PAGE}/captions/part-1/{lang}.vtt" srclang="{lang}"') in html
    # original and translation side by side
    assert re.search(r'<td lang="ru">Я выросла в выдуманном посёлке у реки\.[^<]*</td>\s*'
                     r'<td lang="en">I grew up in an invented village by a river\.', html)
    assert html.count('class="segment"') == 5  # the withheld one is not there
    for title in ("Introduction", "The garden", "Closing"):
        assert f"<strong lang=\"en\">{title}</strong>" in html
    assert 'href="https://example.org/synthetic-garden"' in html and "A synthetic link about the garden" in html
    assert 'rel="license">http://creativecommons.org/publicdomain/zero/1.0/</a>' in html
    assert "<kbd>k</kbd>" in html  # the keyboard is documented on the page
    assert "<dd>May 1, 2024</dd>" in html  # the interview's date in words, not as stored


@pytest.mark.slow
def test_every_timecode_is_a_media_fragment_link(example_home: Path) -> None:
    html = _get(example_home, PAGE)
    links = re.findall(r'<a class="timecode" href="([^"]+)" data-start="([^"]+)"', html)
    assert len(links) == 5 + 3
    for href, start in links:
        assert href == f"{MEDIA}#t={float(start):g}"
    assert f'href="{MEDIA}#t=17.5"' in html


@pytest.mark.slow
def test_t_opens_the_page_at_a_moment(example_home: Path) -> None:
    html = _get(example_home, f"{PAGE}?t=17.5")
    assert f'<source src="{MEDIA}#t=17.5"' in html
    assert 'data-start-at="17.5"' in html
    assert 'data-start-at' not in _get(example_home, f"{PAGE}?t=soon")


@pytest.mark.slow
def test_withheld_segments_reach_only_those_who_may_see_them(example_home: Path) -> None:
    public = _get(example_home, PAGE)
    for words in WITHHELD_WORDS:
        assert words not in public
    researcher = _get(example_home, PAGE, ARCHIVE_VIEWER="researcher")
    assert all(words in researcher for words in WITHHELD_WORDS)
    assert researcher.count('class="segment"') == 6


@pytest.mark.slow
def test_the_person_page_links_to_the_interview_and_unknown_ones_are_404(example_home: Path) -> None:
    assert f'href="{PAGE}"' in _get(example_home, f"/people/{PERSON_ID}")
    app = create_app({"ARCHIVE_HOME": str(example_home), "TESTING": True})
    assert app.test_client().get(f"/interviews/{PERSON_ID}/no-such-interview").status_code == 404
    assert app.test_client().get(f"/interviews/no-such-person/{INTERVIEW_ID}").status_code == 404


def test_the_page_in_russian(example_home: Path) -> None:
    compile_catalogues()
    html = _get(example_home, f"{PAGE}?lang=ru")
    assert "Расшифровка" in html and "Содержание" in html
    assert '<strong lang="ru">Сад</strong>' in html
    assert re.search(r"<dd>1 мая 2024\s?г\.</dd>", html)  # Babel's narrow no-break space before г.
    # the translation column shows Russian for an English original
    assert re.search(r'<td lang="en">Hello\. This is a synthetic interview[^<]*</td>\s*<td lang="ru">Здравствуйте',
                     html)


def test_the_ohms_export_of_the_interview(example_home: Path) -> None:
    from lxml import etree

    from tests.support import FIXTURES

    schema = etree.XMLSchema(etree.parse(str(FIXTURES / "schemas" / "ohms" / "ohms.xsd")))
    xml = _get(example_home, f"{PAGE}/ohms.xml").encode("utf-8")
    doc = etree.fromstring(xml)
    assert schema.validate(doc), schema.error_log
    titles = [e.text for e in doc.iterfind(".//{*}point/{*}title")]
    assert titles == ["Вступление", "Сад", "Завершение"]
    assert [e.text for e in doc.iterfind(".//{*}point/{*}title_alt")] == ["Introduction", "The garden", "Closing"]
    transcript = doc.findtext(".//{*}vtt_transcript")
    assert "<v Narrator (synthetic)>" in transcript and WITHHELD_WORDS[1] not in transcript


@pytest.mark.slow
def test_a_search_inside_the_interview_lists_its_moments_in_time_order(example_home: Path) -> None:
    html = _get(example_home, f"{PAGE}?q=garden")
    assert '<input id="interview-q" type="search" name="q" value="garden"' in html
    moments = re.findall(r'<a class="timecode hit-moment" href="([^"]+)" data-start="([^"]+)" '
                         r'data-recording="part-1">([\d:]+)</a>\s*<span class="tag">([^<]+)</span>', html)
    # the interviewer's question at 12.5 s and the index point "The garden" there, then the closing line's none
    assert [(start, label, tag) for _, start, label, tag in moments] == [
        ("12.5", "00:00:12", "Index point"), ("12.5", "00:00:12", "Transcript passage")]
    assert all(href == f"{PAGE}?t=12.5&amp;q=garden" for href, *_ in moments)  # plain links without JavaScript
    assert "<mark>garden</mark>" in html
    assert "2 moments match" in html
    # the quote taken from this interview is no moment of the list: its passage is
    apples = _get(example_home, f"{PAGE}?q=apple")
    assert "2 moments match" in apples
    assert re.findall(r'class="timecode hit-moment" href="[^"]+" data-start="([^"]+)"', apples) == ["12.5", "17.5"]
    sledging = _get(example_home, f"{PAGE}?q=катались")  # the Russian original
    assert re.findall(r'class="timecode hit-moment" href="[^"]+" data-start="([^"]+)"', sledging) == ["17.5"]


@pytest.mark.slow
def test_a_search_inside_the_interview_never_shows_a_withheld_passage(example_home: Path) -> None:
    public = _get(example_home, f"{PAGE}?q=withheld")
    assert "0 moments match" in public and "hit-moment" not in public
    researcher = _get(example_home, f"{PAGE}?q=withheld", ARCHIVE_VIEWER="researcher")
    assert re.findall(r'class="timecode hit-moment" href="[^"]+" data-start="([^"]+)"', researcher) == ["24.5"]


def test_a_search_inside_the_interview_in_russian(example_home: Path) -> None:
    compile_catalogues()
    html = _get(example_home, f"{PAGE}?q=garden&lang=ru")
    assert '<input type="hidden" name="lang" value="ru">' in html
    assert "Пункт оглавления" in html and "Искать в этом интервью" in html
    assert f"{PAGE}?t=12.5&amp;q=garden&amp;lang=ru" in html


@pytest.mark.slow
def test_the_page_shows_the_holding_archives_record(example_collection: Path, tmp_path: Path) -> None:
    from tests.interviews.conftest import PERSON_FILE
    from tests.support import import_into

    person = example_collection / PERSON_FILE
    person.write_text(person.read_text(encoding="utf-8").replace(
        "    transcript:\n", "    catalogue:\n      accession: SYN-3\n      series: {id: s-1, name: Synthetic series}\n"
        "      format: [Audio cassette, WAV file]\n    transcript:\n", 1), encoding="utf-8")
    home = import_into(tmp_path / "home", example_collection)
    html = _get(home, PAGE)
    assert '<dt>Accession number</dt><dd lang="en">SYN-3</dd>' in html
    assert '<dd lang="en">Synthetic series (s-1)</dd>' in html
    assert '<dd lang="en">Audio cassette; WAV file</dd>' in html
    compile_catalogues()
    assert "<dt>Инвентарный номер</dt>" in _get(home, f"{PAGE}?lang=ru")
