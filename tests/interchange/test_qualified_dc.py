"""OAI-PMH's qualified Dublin Core (``oai_qdc``): DCMI terms beside ``oai_dc``, every response
valid against the OAI-PMH schema with DCMI's own schemas for the record, and never stance."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from archive.facade import Archive
from archive.interchange import oai_pmh
from tests.support import DATA, FIXTURES

SCHEMAS = FIXTURES / "schemas" / "qdc"
HARNESS = etree.XMLSchema(etree.parse(str(SCHEMAS / "harness.xsd")))
BASE = "http://archive.example.org/"
NS = {"o": oai_pmh.OAI_NS, "q": "http://worldcat.org/xmlschemas/qdc-1.0/", "dcterms": "http://purl.org/dc/terms/",
      "xsi": "http://www.w3.org/2001/XMLSchema-instance"}
STANCE_WORDS = {"admirer", "ambivalent", "critic", "not-stated", "not stated", "stance"}


def _imported(tmp_path_factory: pytest.TempPathFactory, collection: Path) -> Archive:
    archive = Archive.open(tmp_path_factory.mktemp("home"))
    archive.import_collection(collection)
    return archive


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    opened = _imported(tmp_path_factory, FIXTURES / "collection")
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    opened = _imported(tmp_path_factory, DATA)
    yield opened
    opened.close()


def oai(archive: Archive, *params: tuple[str, str]) -> etree._Element:
    status, body = oai_pmh.handle(archive, list(params), BASE)
    assert status == 200
    doc = etree.fromstring(body)
    assert HARNESS.validate(doc), HARNESS.error_log  # the envelope, and each record by DCMI's schemas
    assert doc.find("o:error", NS) is None, etree.tostring(doc)
    return doc


def _terms(record: etree._Element, term: str) -> list[str]:
    return [e.text for e in record.iterfind(f".//dcterms:{term}", NS)]


def test_oai_qdc_is_offered_beside_oai_dc(synthetic: Archive) -> None:
    doc = oai(synthetic, ("verb", "ListMetadataFormats"))
    prefixes = [e.text for e in doc.iterfind(".//o:metadataPrefix", NS)]
    assert prefixes == ["oai_dc", "oai_qdc"]
    namespace = doc.xpath("//o:metadataFormat[o:metadataPrefix='oai_qdc']/o:metadataNamespace/text()", namespaces=NS)
    assert namespace == ["http://worldcat.org/xmlschemas/qdc-1.0/"]


def test_a_record_in_dcmi_terms(synthetic: Archive) -> None:
    doc = oai(synthetic, ("verb", "GetRecord"), ("identifier", "oai:archive.example.org:person/anna-synthetic"),
              ("metadataPrefix", "oai_qdc"))
    [record] = doc.iterfind(".//q:qualifieddc", NS)
    assert _terms(record, "title") == ["Anna (synthetic)"]
    assert _terms(record, "created") == ["2020-05-01"]  # the interview's date
    [created] = record.iterfind("dcterms:created", NS)
    assert created.get(f"{{{NS['xsi']}}}type") == "dcterms:W3CDTF"
    assert {"Moscow", "Karaganda"} <= set(_terms(record, "spatial"))
    assert _terms(record, "temporal") == ["1937/2020"]  # the dated events' span, as in oai_dc's coverage
    assert _terms(record, "isPartOf") == ["Synthetic test collection (2020)", BASE]
    assert _terms(record, "identifier") == [BASE + "people/anna-synthetic"]
    assert "Sound" in _terms(record, "type")  # DCMI Type, checked by DCMIType's enumeration
    assert "Test Suite (interviewer)" in _terms(record, "contributor")


@pytest.mark.slow
def test_every_record_of_the_shipped_collection_is_valid_and_never_says_stance(shipped: Archive) -> None:
    doc = oai(shipped, ("verb", "ListRecords"), ("metadataPrefix", "oai_qdc"))
    records = list(doc.iterfind(".//q:qualifieddc", NS))
    assert len(records) == 5
    for record in records:
        for element in record:  # stance is a political opinion: no element says one
            assert element.text.lower() not in STANCE_WORDS, element.text
        assert _terms(record, "isPartOf")[0] == "The Red Soul (2017)"
    igor = next(r for r in records if _terms(r, "title") == ["Igor"])
    assert "Moscow" in _terms(igor, "spatial")
    assert _terms(igor, "created") == ["2017"]  # no interview: the collection's year


@pytest.mark.slow
def test_a_rights_uri_is_a_license_and_words_are_rights(tmp_path: Path) -> None:
    import shutil

    import yaml

    for rights, term in (("http://rightsstatements.org/vocab/InC/1.0/", "license"),
                         ("Synthetic rights statement for the tests", "rights")):
        collection = tmp_path / term / "collection"
        shutil.copytree(FIXTURES / "collection", collection)
        collection_file = collection / "collection.yaml"
        data = yaml.safe_load(collection_file.read_text(encoding="utf-8"))
        data["collection"]["rights"] = rights
        collection_file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        archive = Archive.open(tmp_path / term / "home")
        try:
            archive.import_collection(collection)
            doc = oai(archive, ("verb", "GetRecord"), ("identifier", "oai:archive.example.org:person/anna-synthetic"),
                      ("metadataPrefix", "oai_qdc"))
        finally:
            archive.close()
        assert _terms(doc, term) == [rights]
