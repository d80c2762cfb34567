"""Places and sources under the visibility rule (issue 20, item 6): a person's place and a source
may be restricted or embargoed as the other records are (the same ``visibility`` mapping, checked
the same way, a bad one reported with file and line), and a withheld one reaches no path of a
viewer who may not see it, while researchers see it. A public quote that cites a withheld source is
shown without its citation. (The leak crawl, ``test_leak_crawl.py``, visits every route over the
same synthetic place and source; this file tests what a crawl cannot tell: the format, and what is
shown in their place.) All names and texts are synthetic."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import yaml
from sqlalchemy import select

from archive.collection.loader import read_collection
from archive.collection.problems import InvalidCollection
from archive.facade import Archive
from archive.store import models
from tests.access.synthetic_withheld import WITHHELD_PLACE, WITHHELD_SOURCE, add_withheld_place_and_source
from tests.support import import_into, make_access_collection, response_text, viewer_client

PLACE_MARKER, SOURCE_MARKER = "Pangolinsk", "Narwhalograd"
PERSON = "/people/vera-synthetic"


@pytest.fixture(scope="module")
def collection(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The access collection with the withheld place and source; Vera's public quote cites the source."""
    made = make_access_collection(tmp_path_factory.mktemp("places-sources") / "collection")
    add_withheld_place_and_source(made)
    path = made / "people" / "vera-synthetic.yaml"
    vera = yaml.safe_load(path.read_text(encoding="utf-8"))
    vera["places"].insert(0, {"name": "Open Town (synthetic)", "relation": "works", "source": "synthetic-notes"})
    public_quote = next(q for q in vera["quotes"] if q["id"] == "vera-public")
    public_quote["source"], public_quote["locator"] = WITHHELD_SOURCE["id"], "letter 7"
    path.write_text(yaml.safe_dump(vera, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return made


@pytest.fixture(scope="module")
def home(collection: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return import_into(tmp_path_factory.mktemp("places-sources-home") / "home", collection)


# --- the format -----------------------------------------------------------------------------------


@pytest.mark.slow  # imports the access collection, then fetches every kind of page
def test_a_place_and_a_source_keep_their_visibility(home: Path) -> None:
    archive = Archive.open(home)
    try:
        with archive.engine.connect() as conn:
            places = conn.scalar(select(models.Person.places).where(models.Person.id == "vera-synthetic"))
            source = conn.execute(select(models.Source).where(models.Source.id == WITHHELD_SOURCE["id"])).one()
    finally:
        archive.close()
    assert [p.get("visibility") for p in places] == [None, WITHHELD_PLACE["visibility"]]  # a public one: none
    assert (source.visibility, source.visibility_reason) == ("restricted", WITHHELD_SOURCE["visibility"]["reason"])


def _line_of(path: Path, needle: str, after: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if after in line)
    return next(i for i, line in enumerate(lines[start:], start=start + 1) if needle in line)


BAD = [
    pytest.param("people/vera-synthetic.yaml", PLACE_MARKER, "status: embargoed", "status: secret",
                 "places[1].visibility.status", "Input should be 'public', 'restricted' or 'embargoed'",
                 "status: secret", id="place-status"),
    pytest.param("people/vera-synthetic.yaml", PLACE_MARKER, "until: '2999-01-01'", "until: '2999-02-30'",
                 "places[1].visibility.until", "day 30 does not exist", "until: '2999-02-30'", id="place-day"),
    pytest.param("collection.yaml", SOURCE_MARKER, "status: restricted", "status: embargoed",
                 "sources[2].visibility", "an embargoed record needs `until`", "visibility:", id="source-embargo"),
    pytest.param("collection.yaml", SOURCE_MARKER, "status: restricted", "status: restricted\n    hidden: true",
                 "sources[2].visibility.hidden", "unknown field", "hidden: true", id="source-field"),
]


@pytest.mark.parametrize("filename, after, old, new, field, message, needle", BAD)
def test_a_bad_visibility_on_a_place_or_a_source_names_file_line_and_field(
        collection: Path, tmp_path: Path, filename: str, after: str, old: str, new: str, field: str, message: str,
        needle: str) -> None:
    copy = Path(shutil.copytree(collection, tmp_path / "collection"))
    path = copy / filename
    content = path.read_text(encoding="utf-8")
    at = content.index(after)
    changed = content[:at] + content[at:].replace(old, new, 1)
    assert changed != content
    path.write_text(changed, encoding="utf-8")
    with pytest.raises(InvalidCollection) as raised:
        read_collection(copy)
    matching = [p for p in raised.value.problems if p.field == field and message in p.message]
    assert matching, [str(p) for p in raised.value.problems]
    assert matching[0].file.endswith(filename)
    assert matching[0].line == _line_of(path, needle, after)


# --- what each viewer is shown -------------------------------------------------------------------

URLS = [PERSON, f"/api{PERSON}", f"/api/quotes?{urlencode({'person': 'vera-synthetic'})}", f"{PERSON}/export.csv",
        f"{PERSON}/export.json", f"{PERSON}/export.yaml", f"{PERSON}/export.datapackage", "/export.datapackage",
        "/sources", "/", "/cite/quote:vera-public", "/cite/quote:vera-public.apa", "/cite/quote:vera-public.bibtex",
        "/cite/person:vera-synthetic.csl-json",
        "/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:localhost:person/vera-synthetic",
        "/oai?verb=GetRecord&metadataPrefix=oai_qdc&identifier=oai:localhost:person/vera-synthetic",
        f"/search?{urlencode({'q': 'synthetic public passage'})}", f"/api/search?{urlencode({'q': 'winter'})}"]


@pytest.mark.slow  # imports the access collection, then fetches every kind of page
def test_the_public_meets_neither_the_place_nor_the_source(home: Path) -> None:
    client = viewer_client(home, "anonymous")
    for url in URLS:
        response = client.get(url)
        assert response.status_code == 200, url
        text = response_text(response)
        for marker in (PLACE_MARKER, "Панголинск", SOURCE_MARKER, WITHHELD_SOURCE["id"]):
            assert marker not in text, (url, marker)
    assert "Open Town (synthetic)" in client.get(PERSON).get_data(as_text=True)
    for word in (PLACE_MARKER, SOURCE_MARKER):
        found = client.get(f"/api/search?{urlencode({'q': word})}").get_json()
        assert found["total"] == 0 and not found.get("suggestion"), (word, found)
    # the public quote is shown, without its citation
    [quote] = [q for q in client.get(f"/api/quotes?{urlencode({'person': 'vera-synthetic'})}").get_json()["items"]
               if q["id"] == "vera-public"]
    assert quote["source"] is None
    assert "winter of 1949" in client.get(PERSON).get_data(as_text=True)
    places = client.get(f"/api{PERSON}").get_json()["places"]
    assert [p["text"] for p in places] == ["Open Town (synthetic)"]


@pytest.mark.slow  # imports the access collection, then fetches every kind of page
def test_researchers_see_the_place_and_the_source_marked_as_withheld(home: Path) -> None:
    client = viewer_client(home, "researcher")
    page = client.get(PERSON).get_data(as_text=True)
    assert PLACE_MARKER in page and SOURCE_MARKER in page
    assert WITHHELD_PLACE["visibility"]["reason"] in page  # why the place is withheld: researchers only
    sources = client.get("/sources").get_data(as_text=True)
    assert SOURCE_MARKER in sources
    [quote] = [q for q in client.get(f"/api/quotes?{urlencode({'person': 'vera-synthetic'})}").get_json()["items"]
               if q["id"] == "vera-public"]
    assert quote["source"]["title"] == WITHHELD_SOURCE["title"] and quote["source"]["locator"] == "letter 7"
    assert SOURCE_MARKER in response_text(client.get("/cite/quote:vera-public.apa"))
    assert SOURCE_MARKER in response_text(client.get(f"{PERSON}/export.csv"))
    members = _members(client.get(f"{PERSON}/export.yaml"))
    person = yaml.safe_load(members["people/vera-synthetic.yaml"])
    assert person["places"][1]["visibility"] == WITHHELD_PLACE["visibility"]  # as the collection gives it
    head = yaml.safe_load(members["collection.yaml"])
    [source] = [s for s in head["sources"] if s["id"] == WITHHELD_SOURCE["id"]]
    assert source["visibility"] == WITHHELD_SOURCE["visibility"]


def _members(response: Any) -> dict[str, str]:
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as zipped:
        return {name: zipped.read(name).decode("utf-8") for name in zipped.namelist()}
