"""The stylesheet that lets a person read an OAI-PMH answer in a browser (webapp/static/oai.xsl),
applied with lxml to real answers of the protocol on the shipped collection: every verb becomes
a page with its records' titles and Dublin Core fields as text, and no inline style or script
(which the site's Content-Security-Policy would refuse)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree, html

from archive.facade import Archive
from archive.interchange import oai_pmh

STYLESHEET = Path(__file__).resolve().parents[2] / "webapp" / "static" / "oai.xsl"


@pytest.fixture(scope="module")
def shipped(imported_data_home: Path):  # type: ignore[no-untyped-def]
    archive = Archive.open(imported_data_home)
    yield archive
    archive.close()


def _page(archive: Archive, params: list[tuple[str, str]]) -> html.HtmlElement:
    _status, body = oai_pmh.handle(archive, params, base_url="http://127.0.0.1/")
    transform = etree.XSLT(etree.parse(str(STYLESHEET)))
    return html.fromstring(str(transform(etree.fromstring(body))))


@pytest.mark.parametrize("params,heading", [
    ([("verb", "Identify")], "OAI-PMH: Identify"),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc")], "OAI-PMH: ListRecords"),
    ([("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc")], "OAI-PMH: ListIdentifiers"),
    ([("verb", "ListSets")], "OAI-PMH: ListSets"),
    ([("verb", "ListMetadataFormats")], "OAI-PMH: ListMetadataFormats"),
    ([("verb", "Nonsense")], "OAI-PMH: "),
])
def test_every_verb_reads_as_a_page(shipped, params, heading):  # type: ignore[no-untyped-def]
    page = _page(shipped, params)
    assert page.findtext(".//h1").startswith(heading)
    assert not page.xpath("//script | //style | //*[@style]")
    assert page.xpath("//link[@rel='stylesheet']/@href") == ["/static/site.css"]


def test_records_show_their_titles_and_fields(shipped):  # type: ignore[no-untyped-def]
    page = _page(shipped, [("verb", "ListRecords"), ("metadataPrefix", "oai_dc")])
    titles = [h.text_content() for h in page.xpath("//article/h3")]
    assert "Galina" in titles and "Igor" in titles
    text = page.text_content()
    assert "digging up the bones of anonymous victims" in text
    assert page.xpath("//dd[@lang='en']")  # the language of a description is kept
    error = _page(shipped, [("verb", "Nonsense")])
    assert "badVerb" in error.text_content()
