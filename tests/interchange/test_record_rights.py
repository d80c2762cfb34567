"""Per-record rights: the collection, a person's testimony and a quote each carry a rights statement
(a rightsstatements.org or Creative Commons URI and its holder); a record without one stands under
what it belongs to. The statement reaches the pages in both languages, the citations, Dublin Core
(OAI-PMH's oai_dc and oai_qdc, the pages' DC tags), the JSON-LD and the YAML export.
All records here are the synthetic test collection's."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import extruct
import pytest
import yaml
from lxml import etree
from sqlalchemy import select
from sqlmodel import col

from archive.access.visibility import viewer_for
from archive.catalogue.result_sets import ResultSet
from archive.collection.loader import read_collection
from archive.collection.problems import InvalidCollection
from archive.facade import Archive
from archive.interchange import dublin_core, oai_pmh
from archive.interchange.exports import export
from archive.store import models
from tests.support import FIXTURES, import_into, viewer_client
from webapp.i18n import compile_catalogues

COLLECTION_RIGHTS = "http://rightsstatements.org/vocab/InC-EDU/1.0/"
COLLECTION_HOLDER = "Synthetic Archive Holder"
ANNA_RIGHTS = "http://creativecommons.org/licenses/by-nc/4.0/"
ANNA_HOLDER = "Synthetic Anna Estate"
QUOTE_RIGHTS = "http://creativecommons.org/publicdomain/zero/1.0/"
QUOTE_HOLDER = "Synthetic Quote Holder"
BASE = "http://archive.example.org/"
QDC_HARNESS = etree.XMLSchema(etree.parse(str(FIXTURES / "schemas" / "qdc" / "harness.xsd")))
NS = {"o": oai_pmh.OAI_NS, "dc": "http://purl.org/dc/elements/1.1/", "dcterms": "http://purl.org/dc/terms/"}


def _edit(path: Path, change: Any) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _quote(person: dict[str, Any], quote_id: str) -> dict[str, Any]:
    return next(q for q in person["quotes"] if q["id"] == quote_id)


def _rights_collection(target: Path) -> Path:
    """The synthetic collection with rights on the collection, on Anna and on one of her quotes."""
    shutil.copytree(FIXTURES / "collection", target)
    _edit(target / "collection.yaml", lambda d: d["collection"].update(
        rights={"uri": COLLECTION_RIGHTS, "holder": COLLECTION_HOLDER}))

    def anna(data: dict[str, Any]) -> None:
        data["rights"] = {"uri": ANNA_RIGHTS, "holder": ANNA_HOLDER}
        _quote(data, "anna-victory")["rights"] = {"uri": QUOTE_RIGHTS, "holder": QUOTE_HOLDER}

    _edit(target / "people" / "anna-synthetic.yaml", anna)
    return target


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("rights")
    return import_into(base / "home", _rights_collection(base / "collection"))


@pytest.fixture(scope="module")
def client(home: Path):  # type: ignore[no-untyped-def]
    compile_catalogues()  # the Russian interface, as `make setup` compiles it
    return viewer_client(home, "anonymous")


def _line(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


def test_a_bad_rights_statement_is_refused_with_file_line_and_field(tmp_path: Path) -> None:
    collection = _rights_collection(tmp_path / "collection")
    anna = collection / "people" / "anna-synthetic.yaml"

    def bad(data: dict[str, Any]) -> None:
        data["rights"] = {"uri": "https://example.org/my-own-licence", "holder": ANNA_HOLDER}
        _quote(data, "anna-victory")["rights"] = {"uri": QUOTE_RIGHTS}

    _edit(anna, bad)
    _edit(collection / "collection.yaml", lambda d: d["collection"].update(rights={"uri": COLLECTION_RIGHTS,
                                                                                   "holder": ""}))
    with pytest.raises(InvalidCollection) as refused:
        read_collection(collection)
    found = {(Path(p.file).name, p.line, p.field) for p in refused.value.problems}
    assert found == {
        ("anna-synthetic.yaml", _line(anna, "https://example.org/my-own-licence"), "rights.uri"),
        # a missing field: the line of the mapping that lacks it
        ("anna-synthetic.yaml", _line(anna, f"uri: {QUOTE_RIGHTS}") - 1, "quotes[1].rights.holder"),
        ("collection.yaml", _line(collection / "collection.yaml", "holder: ''"), "collection.rights.holder"),
    }
    assert all("rights" in str(p) and str(p).count(":") >= 3 for p in refused.value.problems)


def test_the_collection_may_still_give_its_rights_in_words(tmp_path: Path) -> None:
    collection = tmp_path / "collection"
    shutil.copytree(FIXTURES / "collection", collection)
    _edit(collection / "collection.yaml", lambda d: d["collection"].update(rights="Synthetic statement in words"))
    assert read_collection(collection).info.rights == "Synthetic statement in words"


def test_rights_are_stored_per_record(home: Path) -> None:
    archive = Archive.open(home)
    try:
        with archive.engine.connect() as conn:
            C, P, Q = models.CollectionRecord, models.Person, models.Quote
            assert tuple(conn.execute(select(col(C.rights), col(C.rights_holder))).one()) == (COLLECTION_RIGHTS,
                                                                                            COLLECTION_HOLDER)
            people = {row[0]: row[1] for row in conn.execute(select(col(P.id), col(P.rights_uri)))}
            quotes = {row[0]: row[1] for row in conn.execute(select(col(Q.id), col(Q.rights_holder)))}
    finally:
        archive.close()
    assert people == {"anna-synthetic": ANNA_RIGHTS, "boris-synthetic": None}
    assert quotes["anna-victory"] == QUOTE_HOLDER and quotes["anna-camps"] is None


@pytest.mark.parametrize("lang, rights_word, holder_word", [("en", "Rights:", "rights holder:"),
                                                             ("ru", "Права:", "правообладатель:")])
@pytest.mark.slow
def test_person_pages_show_the_rights_each_record_stands_under(client, home: Path, lang: str,  # type: ignore[no-untyped-def]
                                                               rights_word: str, holder_word: str) -> None:
    researcher = viewer_client(home, "researcher")
    anna = client.get(f"/people/anna-synthetic?lang={lang}").get_data(as_text=True)
    assert f'{rights_word} <a href="{ANNA_RIGHTS}" rel="license">' in anna
    assert f"{holder_word} <span lang=\"en\">{ANNA_HOLDER}</span>" in anna
    # the quote with its own statement says so beside it; the others stand under Anna's
    assert anna.count(f'href="{QUOTE_RIGHTS}" rel="license"') == 1 and QUOTE_HOLDER in anna
    assert COLLECTION_RIGHTS not in anna.split('<script type="application/ld+json">')[0].split("</head>")[-1]
    # Boris gives none: his testimony stands under the collection's (he is restricted: a researcher sees him)
    boris = researcher.get(f"/people/boris-synthetic?lang={lang}").get_data(as_text=True)
    assert f'{rights_word} <a href="{COLLECTION_RIGHTS}" rel="license">' in boris
    quote_page = client.get(f"/cite/quote:anna-victory?lang={lang}").get_data(as_text=True)
    assert f'{rights_word} <a href="{QUOTE_RIGHTS}" rel="license">' in quote_page and QUOTE_HOLDER in quote_page


@pytest.mark.parametrize("target, rights, holder", [
    ("quote:anna-victory", QUOTE_RIGHTS, QUOTE_HOLDER),
    ("quote:anna-camps", ANNA_RIGHTS, ANNA_HOLDER),
    ("person:anna-synthetic", ANNA_RIGHTS, ANNA_HOLDER),
    ("collection", COLLECTION_RIGHTS, COLLECTION_HOLDER),
])
def test_citations_carry_the_rights_of_what_they_cite(client, target: str, rights: str,  # type: ignore[no-untyped-def]
                                                      holder: str) -> None:
    expected = f"{rights} (rights holder: {holder})"
    assert f"N1  - Rights: {expected}" in client.get(f"/cite/{target}.ris").get_data(as_text=True)
    assert f"copyright = {{{expected}}}" in client.get(f"/cite/{target}.bibtex").get_data(as_text=True)
    assert expected in json.loads(client.get(f"/cite/{target}.csl-json").get_data(as_text=True))[0]["note"]
    page = client.get(f"/cite/{target}").get_data(as_text=True)
    assert f'<meta name="DC.rights" content="{rights}">' in page
    assert f'<meta name="DCTERMS.rightsHolder" content="{holder}">' in page


def _oai(home: Path, prefix: str, person: str) -> etree._Element:
    archive = Archive.open(home)
    try:
        status, body = oai_pmh.handle(archive, [("verb", "GetRecord"), ("metadataPrefix", prefix),
                                                ("identifier", f"oai:archive.example.org:person/{person}")], BASE)
    finally:
        archive.close()
    assert status == 200
    doc = etree.fromstring(body)
    assert doc.find("o:error", NS) is None, body
    return doc


def test_oai_dublin_core_gives_each_testimony_its_rights(home: Path) -> None:
    anna = _oai(home, "oai_dc", "anna-synthetic")
    assert [e.text for e in anna.iterfind(".//dc:rights", NS)] == [ANNA_RIGHTS, f"Rights holder: {ANNA_HOLDER}"]
    # Boris gives none: his record (restricted, so read as a researcher) stands under the collection's
    archive = Archive.open(home)
    try:
        boris = dublin_core.person_record(archive.engine, "boris-synthetic", viewer_for("researcher"), BASE)
    finally:
        archive.close()
    assert boris.get("rights") == [COLLECTION_RIGHTS, f"Rights holder: {COLLECTION_HOLDER}"]
    qualified = _oai(home, "oai_qdc", "anna-synthetic")
    assert QDC_HARNESS.validate(qualified), QDC_HARNESS.error_log
    assert [e.text for e in qualified.iterfind(".//dcterms:license", NS)] == [ANNA_RIGHTS]
    assert [e.text for e in qualified.iterfind(".//dcterms:rightsHolder", NS)] == [ANNA_HOLDER]


def _json_ld(html: str, url: str) -> list[dict[str, Any]]:
    return extruct.extract(html, base_url=url, syntaxes=["json-ld"])["json-ld"]


def test_json_ld_gives_each_quotation_its_license(client) -> None:  # type: ignore[no-untyped-def]
    url = "http://localhost/people/anna-synthetic"
    graph = _json_ld(client.get("/people/anna-synthetic").get_data(as_text=True), url)[0]["@graph"]
    licences = {item["@id"].rsplit("#", 1)[1]: item.get("license") for item in graph if item["@type"] == "Quotation"}
    assert licences["quote-anna-victory"] == QUOTE_RIGHTS
    assert licences["quote-anna-camps"] == ANNA_RIGHTS
    quote = _json_ld(client.get("/cite/quote:anna-victory").get_data(as_text=True), url)[0]
    assert quote["license"] == QUOTE_RIGHTS and quote["copyrightHolder"]["name"] == QUOTE_HOLDER
    home = _json_ld(client.get("/").get_data(as_text=True), "http://localhost/")[0]
    assert home["license"] == COLLECTION_RIGHTS and home["copyrightHolder"]["name"] == COLLECTION_HOLDER


def test_the_yaml_export_keeps_every_records_rights(home: Path, tmp_path: Path) -> None:
    archive = Archive.open(home)
    try:
        export(archive, ResultSet.collection(), "yaml", viewer_for("archivist"), tmp_path / "export", BASE)
    finally:
        archive.close()
    again = read_collection(tmp_path / "export")
    assert again.info.rights is not None and not isinstance(again.info.rights, str)
    assert (again.info.rights.uri, again.info.rights.holder) == (COLLECTION_RIGHTS, COLLECTION_HOLDER)
    anna = next(p for p in again.people if p.id == "anna-synthetic")
    assert anna.rights is not None and anna.rights.uri == ANNA_RIGHTS
    assert {q.id: q.rights.uri if q.rights else None for q in anna.quotes}["anna-victory"] == QUOTE_RIGHTS


@pytest.mark.slow
def test_the_data_package_names_the_collections_licence_by_its_uri(home: Path, tmp_path: Path) -> None:
    import frictionless

    archive = Archive.open(home)
    try:
        export(archive, ResultSet.collection(), "datapackage", viewer_for("researcher"), tmp_path / "package", BASE)
    finally:
        archive.close()
    report = frictionless.validate(str(tmp_path / "package" / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    descriptor = json.loads((tmp_path / "package" / "datapackage.json").read_text(encoding="utf-8"))
    title = f"rightsstatements.org InC-EDU 1.0 (rights holder: {COLLECTION_HOLDER})"
    assert descriptor["licenses"] == [{"path": COLLECTION_RIGHTS, "title": title}]
    package = frictionless.Package(str(tmp_path / "package" / "datapackage.json"))
    assert [(licence["path"], licence["title"].split(" (")[0]) for licence in package.licenses] == [
        (COLLECTION_RIGHTS, "rightsstatements.org InC-EDU 1.0")]


@pytest.mark.parametrize("uri, title", [
    ("http://creativecommons.org/licenses/by-nc/4.0/", "Creative Commons BY-NC 4.0"),
    ("https://creativecommons.org/publicdomain/zero/1.0/", "CC0 1.0"),
    ("http://rightsstatements.org/vocab/NoC-US/1.0/", "rightsstatements.org NoC-US 1.0"),
])
def test_a_rights_uri_has_a_readable_title(uri: str, title: str) -> None:
    from archive.catalogue.rights import RightsStatement

    assert RightsStatement(uri).title == title
