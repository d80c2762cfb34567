"""Metadata other tools read from the pages by themselves: schema.org JSON-LD and Dublin Core
(read with extruct, as a crawler does), the citation_* tags Zotero's connector reads (equal to
``archive cite``), the sitemap and robots.txt. Nothing withheld appears in any of them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import urlsplit

import extruct
import pytest
from lxml import etree, html

from archive.facade import Archive
from archive.interchange.citations import CitationTarget, citation_data
from tests.support import DATA, import_into, make_access_collection
from webapp import create_app

SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
MARKERS = ("Quokkaville", "Zanzibar", "Vorkuta", "Marmaladeov", "Kestrelnikova", "Кестрельникова", "Wombatfeather",
           "Tardigradeski", "boris-synthetic", "anna-embargoed")


def _client(home: Path):  # type: ignore[no-untyped-def]
    return create_app({"ARCHIVE_HOME": str(home), "TESTING": True}).test_client(use_cookies=False)


@pytest.fixture(scope="module")
def data_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return import_into(tmp_path_factory.mktemp("metadata-data") / "home", DATA)


@pytest.fixture(scope="module")
def access_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    collection = make_access_collection(tmp_path_factory.mktemp("metadata-access") / "collection")
    return import_into(tmp_path_factory.mktemp("metadata-access-home") / "home", collection)


def _extract(client, url: str) -> dict:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200, url
    text = response.get_data(as_text=True)
    return extruct.extract(text, base_url="http://localhost" + url, syntaxes=["json-ld", "dublincore"],
                           uniform=True)


def _items(found: dict) -> list[dict]:
    items = []
    for block in found["json-ld"]:
        items += block.get("@graph", [block])
    return items


def _types(item: dict) -> set[str]:
    kind = item.get("@type", [])
    return {kind} if isinstance(kind, str) else set(kind)


def _citation_tags(client, url: str) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    tree = html.fromstring(client.get(url).get_data())
    tags: dict[str, list[str]] = {}
    for meta in tree.xpath("//head/meta[starts-with(@name, 'citation_')]"):
        tags.setdefault(meta.get("name"), []).append(meta.get("content"))
    return tags


# --- every public page type ------------------------------------------------------------------------


@pytest.mark.parametrize("url, expected_type", [
    ("/", "Collection"), ("/people/igor", "Person"), ("/people/galina", "Person"),
    ("/themes/perestroika", "CollectionPage"), ("/themes/perestroika/perspectives", "CollectionPage"),
    ("/cite/quote:igor-shark-feed", "Quotation"), ("/cite/person:igor", "Person"), ("/cite/collection", "Collection"),
    ("/people", "WebPage"), ("/themes", "WebPage"), ("/paradoxes", "WebPage"), ("/sources", "WebPage"),
    ("/search?q=Stalin", "WebPage"),
])
@pytest.mark.slow
def test_every_public_page_type_carries_json_ld(data_home: Path, url: str, expected_type: str) -> None:
    items = _items(_extract(_client(data_home), url))
    assert any(expected_type in _types(item) for item in items), items
    for item in items:
        if "WebPage" in _types(item) or "CollectionPage" in _types(item):
            assert item["isPartOf"]["name"] == "The Red Soul"


def test_the_collection_is_an_archive_component_about_the_film(data_home: Path) -> None:
    found = _extract(_client(data_home), "/")
    [collection] = [i for i in _items(found) if "Collection" in _types(i)]
    assert _types(collection) == {"Collection", "ArchiveComponent"}
    assert collection["name"] == "The Red Soul" and collection["url"] == "http://localhost/"
    film = collection["about"]
    assert film["@type"] == "Movie" and film["dateCreated"] == "2017"
    assert film["director"] == [{"@type": "Person", "name": "Jessica Gorter", "familyName": "Gorter",
                                 "givenName": "Jessica"}]
    assert film["productionCompany"] == [{"@type": "Organization", "name": "Zeppers Film en TV"}]
    assert "author" not in collection and "creator" not in collection  # no source names an editor of the archive


@pytest.mark.slow
def test_a_quote_is_a_quotation_spoken_by_the_person_and_part_of_its_document(data_home: Path) -> None:
    items = _items(_extract(_client(data_home), "/people/igor"))
    [person] = [i for i in items if "Person" in _types(i)]
    [quote] = [i for i in items if "Quotation" in _types(i)]
    assert person["name"] == "Igor" and person["@id"] == "http://localhost/people/igor"
    assert quote["spokenByCharacter"] == {"@id": person["@id"]}
    assert quote["@id"] == "http://localhost/people/igor#quote-igor-shark-feed"
    assert quote["text"].startswith("In the new capitalist era")
    assert quote["isPartOf"]["name"] == "The Red Soul: press kit"
    assert quote["isPartOf"]["publisher"]["name"] == "Zeppers Film en TV"
    assert "stance" not in str(items).lower() and "admirer" not in str(items)  # a political opinion: never


def test_a_theme_page_is_about_the_term(data_home: Path) -> None:
    [page] = [i for i in _items(_extract(_client(data_home), "/themes/perestroika")) if "CollectionPage" in _types(i)]
    assert page["about"]["@type"] == "DefinedTerm" and page["about"]["termCode"] == "perestroika"
    assert page["about"]["name"] == "Perestroika"


def test_dublin_core_tags_are_read_by_extruct(data_home: Path) -> None:
    found = _extract(_client(data_home), "/cite/quote:gorter-his-name-was-alexis")
    [dublin_core] = found["dublincore"]
    elements = {e["name"].lower(): e["content"] for e in dublin_core["elements"]}
    assert elements["dc.title"] == "Stalin's Troubled Legacy: The Red Soul"
    assert elements["dc.creator"] == "Goodfellow, Melanie"
    assert elements["dc.date"] == "2017-11-18"


# --- the citation tags are the archive's citation ------------------------------------------------------


@pytest.mark.parametrize("url, target", [
    ("/", "collection"), ("/cite/collection", "collection"), ("/people/igor", "person:igor"),
    ("/cite/quote:igor-shark-feed", "quote:igor-shark-feed"),
    ("/cite/quote:gorter-his-name-was-alexis", "quote:gorter-his-name-was-alexis"),
])
@pytest.mark.slow
def test_citation_tags_equal_archive_cite(data_home: Path, url: str, target: str) -> None:
    tags = _citation_tags(_client(data_home), url)
    archive = Archive.open(data_home)
    try:
        data = citation_data(archive, CitationTarget.parse(target), "http://localhost/", accessed=dt.date.today())
    finally:
        archive.close()
    assert tags["citation_title"] == [data.title]
    assert tags.get("citation_author", []) == [name.inverted for name in data.authors]
    assert tags.get("citation_date") == ([data.issued.replace("-", "/")] if data.issued else None)
    assert tags.get("citation_public_url") == ([data.url] if data.url else None)


def test_zotero_reads_the_press_kit_from_a_quote_page(data_home: Path) -> None:
    tags = _citation_tags(_client(data_home), "/cite/quote:gorter-his-name-was-alexis")
    assert tags["citation_author"] == ["Goodfellow, Melanie"]  # family, given: inverted as the styles do
    assert tags["citation_date"] == ["2017/11/18"]
    assert tags["citation_abstract_html_url"] == ["http://localhost/people/jessica-gorter#quote-gorter-his-name-was-alexis"]


@pytest.mark.slow
def test_an_interviewed_person_page_cites_the_interview(tmp_path: Path) -> None:
    from tests.support import FIXTURES

    home = import_into(tmp_path / "home", FIXTURES / "collection")
    tags = _citation_tags(_client(home), "/people/anna-synthetic")
    assert tags["citation_author"] == ["Anna (synthetic)"]
    assert tags["citation_date"] == ["2020/05/01"]
    assert tags["citation_title"] == ["Oral history interview"]  # it has no title of its own
    items = _items(_extract(_client(home), "/people/anna-synthetic"))
    [interview] = [i for i in items if "CreativeWork" in _types(i) and i.get("genre") == "Oral history interview"]
    assert interview["dateCreated"] == "2020-05-01" and interview["locationCreated"]["name"] == "Moscow"
    quotes = [i for i in items if "Quotation" in _types(i)]
    assert {q["isPartOf"]["@id"] for q in quotes if q["@id"].endswith("anna-victory")} == {interview["@id"]}


# --- nothing withheld --------------------------------------------------------------------------------


@pytest.mark.slow
def test_no_withheld_field_in_the_metadata(access_home: Path) -> None:
    client = _client(access_home)
    urls = _sitemap(client)
    assert len(urls) > 10
    for url in urls:
        head = client.get(url).get_data(as_text=True).split("</head>", 1)[0]
        for marker in MARKERS:
            assert marker not in head, (url, marker)


# --- sitemap and robots.txt ------------------------------------------------------------------------


def _sitemap(client) -> list[str]:  # type: ignore[no-untyped-def]
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    document = etree.fromstring(response.get_data())
    return [urlsplit(loc).path for loc in document.xpath("//s:url/s:loc/text()", namespaces=SITEMAP_NS)]


@pytest.mark.slow
def test_the_sitemap_lists_every_public_page_and_no_withheld_one(access_home: Path) -> None:
    client = _client(access_home)
    urls = _sitemap(client)
    assert len(urls) == len(set(urls))
    for url in urls:
        assert client.get(url).status_code == 200, url  # every listed page is public
    people = client.get("/people").get_data(as_text=True)
    listed_people = {u for u in urls if u.startswith("/people/")}
    for person_url in listed_people:
        assert f'href="{person_url}"' in people
    assert "/people/anna-synthetic" in listed_people and "/people/vera-synthetic" in listed_people
    assert "/cite/quote:anna-victory" in urls and "/themes/the-war" in urls and "/" in urls
    for withheld in ("/people/boris-synthetic", "/cite/quote:boris-secret", "/cite/quote:anna-embargoed",
                     "/people/tamara-synthetic"):
        assert withheld not in urls
        assert client.get(withheld).status_code == 404
    assert not any(marker in "".join(urls) for marker in MARKERS)


def test_robots_txt_points_at_the_sitemap(data_home: Path) -> None:
    response = _client(data_home).get("/robots.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert "Sitemap: http://localhost/sitemap.xml" in response.get_data(as_text=True).splitlines()


def test_an_interview_page_is_a_creative_work_with_its_recordings(access_home: Path) -> None:
    client = _client(access_home)
    assert "/interviews/anna-synthetic/anna-2020" in _sitemap(client)
    items = _items(_extract(client, "/interviews/anna-synthetic/anna-2020"))
    [work] = [i for i in items if "CreativeWork" in _types(i)]
    assert work["genre"] == "Oral history interview" and work["dateCreated"] == "2020-05-01"
    assert work["about"]["@id"] == "http://localhost/people/anna-synthetic"
    assert work["contributor"] == [{"@type": "Person", "name": "Test Suite", "familyName": "Suite",
                                    "givenName": "Test"}]
    for media in work.get("associatedMedia", []):  # each recording the visitor may play
        assert media["@type"] in ("AudioObject", "VideoObject") and media["encodingFormat"]
