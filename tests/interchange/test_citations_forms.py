"""Citations in the forms the manuals give, for every kind of thing cited.

The expected strings follow the published example forms of the APA Publication Manual (7th
ed.: group author, "[Press kit]" description, "as cited in" for a secondary source, a film
with "(Director)" and "[Film]", an archived interview with the collection and its location in
parentheses, a work without author or date: title first and "(n.d.)", "Retrieved …, from")
and of the Chicago Manual of Style (17th ed.: full given names, inverted first author, the
period and comma inside closing quotation marks, nested quotation marks single, "quoted in"
for a secondary source, "dir." after a director, web pages with "Accessed"). The shipped
collection (data/) gives the press kit, the article, the people known from documents and the
collection; the synthetic fixture gives the recorded interview and the film.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from archive.catalogue.pages import NotFound
from archive.facade import Archive
from archive.interchange.citations import (
    CitationData,
    CitationTarget,
    NothingToCite,
    citation_data,
    cite,
    personal_name,
    render_in_text,
    render_style,
)
from tests.support import DATA

BASE = "https://archive.example.org"
ACCESSED = dt.date(2025, 3, 4)


@pytest.fixture
def shipped(archive: Archive) -> Archive:
    archive.import_collection(DATA)
    return archive


@pytest.fixture
def synthetic(archive: Archive, fixture_collection: Path) -> Archive:
    """The synthetic fixture with a (synthetic) director and production company, and one quote
    heard in the collection's own film."""
    collection_file = fixture_collection / "collection.yaml"
    collection = yaml.safe_load(collection_file.read_text(encoding="utf-8"))
    collection["collection"]["directors"] = ["Test Director"]
    collection["collection"]["organisations"] = [
        {"name": "Synthetic Films", "role": "production", "source": "synthetic-notes"}]
    collection_file.write_text(yaml.safe_dump(collection, allow_unicode=True, sort_keys=False), encoding="utf-8")
    person_file = fixture_collection / "people" / "anna-synthetic.yaml"
    person = yaml.safe_load(person_file.read_text(encoding="utf-8"))
    camps = next(q for q in person["quotes"] if q["id"] == "anna-camps")
    camps["recording"], camps["timecode_in"] = "synthetic-test", "01:02:03"
    person_file.write_text(yaml.safe_dump(person, allow_unicode=True, sort_keys=False), encoding="utf-8")
    archive.import_collection(fixture_collection)
    return archive


def _forms(archive: Archive, target: str) -> dict[str, str]:
    data = citation_data(archive, CitationTarget.parse(target), BASE, accessed=ACCESSED)
    forms = {}
    for style in ("apa", "chicago", "chicago-notes"):
        forms[style] = render_style(data, style)
        forms[style + " in text"] = render_in_text(data, style)
    return forms


@pytest.mark.slow
def test_a_quote_from_a_press_kit_is_cited_as_the_press_kit(shipped: Archive) -> None:
    assert _forms(shipped, "quote:igor-shark-feed") == {
        "apa": "Zeppers Film en TV. (2017, November). The Red Soul: press kit [Press kit].",
        "apa in text": "(Igor, as cited in Zeppers Film en TV, 2017, About the film, para. 2)",
        "chicago": "Zeppers Film en TV. 2017. The Red Soul: Press Kit. Press kit.",
        "chicago in text": "(Igor, quoted in Zeppers Film en TV 2017, About the film, para. 2)",
        "chicago-notes": "Zeppers Film en TV. The Red Soul: Press Kit. Press kit. 2017.",
        "chicago-notes in text":
            "Igor, quoted in Zeppers Film en TV, The Red Soul: Press Kit, Press kit (2017), About the film, para. 2.",
    }


@pytest.mark.slow
def test_a_quote_from_an_article_is_cited_as_the_article(shipped: Archive) -> None:
    title = "Stalin's Troubled Legacy: The Red Soul"
    site = "IDFA (International Documentary Film Festival Amsterdam)"
    assert _forms(shipped, "quote:gorter-his-name-was-alexis") == {
        "apa": f"Goodfellow, M. (2017, November 18). {title}. {site}.",
        "apa in text": "(Jessica Gorter, as cited in Goodfellow, 2017, introduction, para. 2)",
        # the period and the comma inside the closing quotation mark
        "chicago": f"Goodfellow, Melanie. 2017. “{title}.” {site}, November 18.",
        "chicago in text": "(Jessica Gorter, quoted in Goodfellow 2017, introduction, para. 2)",
        "chicago-notes": f"Goodfellow, Melanie. “{title}.” {site}, November 18, 2017.",
        "chicago-notes in text":
            f"Jessica Gorter, quoted in Melanie Goodfellow, “{title},” {site}, November 18, 2017, "
            "introduction, para. 2.",
    }


@pytest.mark.slow
def test_a_person_known_from_documents_is_cited_as_their_page_in_the_archive(shipped: Archive) -> None:
    url = BASE + "/people/igor"
    assert _forms(shipped, "person:igor") == {
        "apa": f"Igor. (n.d.). The Red Soul. Retrieved March 4, 2025, from {url}",
        "apa in text": "(Igor, n.d.)",
        "chicago": f"The Red Soul. n.d. “Igor.” Accessed March 4, 2025. {url}.",
        "chicago in text": "(The Red Soul, n.d.)",
        "chicago-notes": f"The Red Soul. “Igor.” Accessed March 4, 2025. {url}.",
        "chicago-notes in text": f"The Red Soul, “Igor,” accessed March 4, 2025, {url}.",
    }


@pytest.mark.slow
def test_the_collection_is_cited_as_the_archive_without_an_invented_author(shipped: Archive) -> None:
    url = BASE + "/"
    assert _forms(shipped, "collection") == {
        "apa": f"The Red Soul [Oral history archive]. (n.d.). Retrieved March 4, 2025, from {url}",
        "apa in text": "(The Red Soul, n.d.)",
        "chicago": f"The Red Soul. n.d. Oral history archive. Accessed March 4, 2025. {url}.",
        "chicago in text": "(The Red Soul, n.d.)",
        "chicago-notes": f"The Red Soul. Oral history archive. Accessed March 4, 2025. {url}.",
        "chicago-notes in text": f"The Red Soul, Oral history archive, accessed March 4, 2025, {url}.",
    }


@pytest.mark.slow
def test_a_quote_from_a_recorded_interview_is_cited_as_the_interview(synthetic: Archive) -> None:
    url = BASE + "/people/anna-synthetic#quote-anna-grandfather-shot"
    assert _forms(synthetic, "quote:anna-grandfather-shot") == {
        # no title of its own: APA's bracketed description; the collection with the recording's id
        "apa": f"Anna (synthetic). (2020, May 1). [Oral history interview by T. Suite]. "
               f"Synthetic test collection (anna-2020). {url}",
        "apa in text": "(Anna (synthetic), 2020, 00:01:05)",  # the quote's timestamp
        "chicago": f"Anna (synthetic). 2020. Oral history interview by Test Suite. May 1, 2020. Anna-2020. "
                   f"Synthetic test collection. {url}.",
        "chicago in text": "(Anna (synthetic) 2020, 00:01:05)",
        "chicago-notes": f"Anna (synthetic). Oral history interview by Test Suite. May 1, 2020. Anna-2020. "
                         f"Synthetic test collection. {url}.",
        "chicago-notes in text": f"Anna (synthetic), Oral history interview by Test Suite, May 1, 2020, anna-2020, "
                                 f"Synthetic test collection, {url}, 00:01:05.",
    }


@pytest.mark.slow
def test_a_quote_heard_in_the_film_is_cited_as_the_motion_picture(synthetic: Archive) -> None:
    assert _forms(synthetic, "quote:anna-camps") == {
        "apa": "Director, T. (Director). (2020). Synthetic test collection [Film]. Synthetic Films.",
        "apa in text": "(Anna (synthetic), as cited in Director, 2020, 01:02:03)",
        "chicago": "Director, Test, dir. 2020. Synthetic test collection. Synthetic Films.",
        "chicago in text": "(Anna (synthetic), quoted in Director 2020, 01:02:03)",
        "chicago-notes": "Director, Test, dir. Synthetic test collection. Synthetic Films, 2020.",
        "chicago-notes in text":
            "Anna (synthetic), quoted in Synthetic test collection, directed by Test Director (Synthetic Films, 2020), "
            "01:02:03.",
    }


def test_a_person_who_was_interviewed_is_cited_as_the_interview(synthetic: Archive) -> None:
    apa = cite(synthetic, "person:anna-synthetic", "apa", BASE, accessed=ACCESSED)
    assert apa == ("Anna (synthetic). (2020, May 1). [Oral history interview by T. Suite]. "
                   f"Synthetic test collection (anna-2020). {BASE}/people/anna-synthetic")


@pytest.mark.slow
def test_people_without_quotes_have_no_testimony_to_cite(shipped: Archive) -> None:
    for person in ("galina", "the-sisters", "the-volunteers"):
        with pytest.raises(NothingToCite):
            cite(shipped, f"person:{person}", "apa", BASE)
    assert issubclass(NothingToCite, NotFound)  # the page answers 404, the command line an error


def test_chicago_nests_quotation_marks_and_keeps_punctuation_inside() -> None:
    data = CitationData(
        key="synthetic:nested", kind="quote", form="document", title="On “Shark Feed” and “Law”", url=None,
        accessed=ACCESSED, collection_title="Synthetic", collection_id="synthetic", authors=["Test Author"],
        container_title="Synthetic Site", issued="2020-01-02", document_type="webpage")
    assert render_style(data, "chicago-notes") == \
        "Author, Test. “On ‘Shark Feed’ and ‘Law.’” Synthetic Site, January 2, 2020."


@pytest.mark.parametrize("written, parts", [
    ("Jessica Gorter", {"family": "Gorter", "given": "Jessica"}),
    ("Melanie Goodfellow", {"family": "Goodfellow", "given": "Melanie"}),
    ("Jos van der Burg", {"family": "Burg", "given": "Jos", "non-dropping-particle": "van der"}),
    ("Igor", {"literal": "Igor"}),
    ("Anna (synthetic)", {"literal": "Anna (synthetic)"}),
])
def test_names_in_parts_so_styles_invert_them(written: str, parts: dict[str, str]) -> None:
    assert personal_name(written).csl() == parts
    assert personal_name("The sisters", group=True).csl() == {"literal": "The sisters"}


@pytest.mark.slow
def test_dublin_core_of_the_collection_does_not_make_the_director_its_creator(shipped: Archive) -> None:
    from archive.interchange.dublin_core import collection_record

    record = collection_record(shipped.engine, BASE)
    assert record is not None
    assert record.get("creator") == []
    assert "Jessica Gorter (director)" in record.get("contributor")
