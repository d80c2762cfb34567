"""Visibility on every record kind that can name or describe a person (issue 20, item 6): a relative,
a fate event or a timeline event may be restricted or embargoed like a person or a quote, and the one
rule applies to it on every path: the person page, the API, the exports, OAI-PMH, the counts and the
search. The records are synthetic, each with a marker word found nowhere else."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import yaml

from archive.facade import Archive
from tests.support import import_into, make_access_collection, response_text, viewer_client

RELATIVE_MARKER = "Ocelotovich"  # the name of a restricted relative
FATE_MARKER = "Capybaraton"  # the details of a restricted fate of a public relative
EVENT_MARKER = "Narwhalsk"  # the description of an embargoed timeline event
MARKERS = (RELATIVE_MARKER, FATE_MARKER, EVENT_MARKER)
RESTRICTED = {"status": "restricted", "reason": "synthetic restriction for the record kinds test"}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("record-kinds")
    collection = make_access_collection(root / "collection")
    path = collection / "people" / "anna-synthetic.yaml"
    anna = yaml.safe_load(path.read_text(encoding="utf-8"))
    anna.setdefault("family", []).extend([
        {"id": "hidden-uncle", "relation": "grandmother", "name": f"Uncle {RELATIVE_MARKER} (synthetic)",
         "visibility": RESTRICTED,
         "events": [{"kind": "executed", "date": "1938", "source": "synthetic-notes",
                     "details": "A synthetic fate of the restricted uncle."}]},
        {"id": "open-aunt", "relation": "mother", "name": "Aunt (synthetic)",
         "events": [{"kind": "sent-to-camp", "date": "1947", "source": "synthetic-notes",
                     "details": f"Sent to {FATE_MARKER}, a synthetic place.", "visibility": RESTRICTED}]},
    ])
    anna.setdefault("events", []).append(
        {"date": "1960", "description": {"en": f"A synthetic move to {EVENT_MARKER}."}, "source": "synthetic-notes",
         "visibility": {"status": "embargoed", "until": "2999-01-01"}})
    path.write_text(yaml.safe_dump(anna, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return import_into(root / "home", collection)


def _client(home: Path, viewer: str) -> Any:
    return viewer_client(home, viewer)


URLS = ["/people/anna-synthetic", "/api/people/anna-synthetic", "/people/anna-synthetic/export.yaml",
        "/people/anna-synthetic/export.datapackage", "/export.datapackage", "/export.yaml", "/paradoxes", "/sources",
        "/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:localhost:person/anna-synthetic",
        "/cite/person:anna-synthetic"]


@pytest.mark.slow
def test_the_public_meets_no_withheld_relative_fate_or_event(home: Path) -> None:
    client = _client(home, "anonymous")
    for url in URLS:
        response = client.get(url)
        assert response.status_code == 200, url
        text = response_text(response)
        for marker in MARKERS:
            assert marker not in text, (url, marker)
    for marker in MARKERS:
        for word in (marker, marker.lower()[:-1] + "~1", marker[:6] + "*"):
            found = client.get(f"/api/search?{urlencode({'q': word})}").get_json()
            assert found["total"] == 0 and not found.get("suggestion"), (word, found)
    people = client.get("/api/people/anna-synthetic").get_json()
    aunt = [relative for relative in people["family"] if relative["name"] == "Aunt (synthetic)"]
    assert len(aunt) == 1 and aunt[0]["events"] == []  # the public relative, without the withheld fate


@pytest.mark.slow
def test_researchers_see_them(home: Path) -> None:
    client = _client(home, "researcher")
    page = client.get("/people/anna-synthetic").get_data(as_text=True)
    api = response_text(client.get("/api/people/anna-synthetic"))
    exported = response_text(client.get("/people/anna-synthetic/export.yaml"))
    for marker in MARKERS:
        assert marker in page and marker in api and marker in exported, marker
    assert client.get(f"/api/search?{urlencode({'q': RELATIVE_MARKER})}").get_json()["total"] >= 1
    assert client.get(f"/api/search?{urlencode({'q': FATE_MARKER})}").get_json()["total"] >= 1


@pytest.mark.slow
def test_a_source_cited_only_by_withheld_records_is_not_listed(tmp_path: Path) -> None:
    collection = make_access_collection(tmp_path / "collection")
    collection_file = collection / "collection.yaml"
    data = yaml.safe_load(collection_file.read_text(encoding="utf-8"))
    data["sources"].append({"id": "withheld-only-source", "title": "Synthetic Lemurgrad letters", "kind": "other"})
    collection_file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    quentin = collection / "people" / "quentin-synthetic.yaml"
    person = yaml.safe_load(quentin.read_text(encoding="utf-8"))
    person["quotes"][0]["source"] = "withheld-only-source"  # a restricted person's quote cites it, nothing else
    quentin.write_text(yaml.safe_dump(person, allow_unicode=True, sort_keys=False), encoding="utf-8")
    archive = Archive.open(tmp_path / "home")
    try:
        archive.import_collection(collection)
    finally:
        archive.close()
    assert "Lemurgrad" not in _client(tmp_path / "home", "anonymous").get("/sources").get_data(as_text=True)
    assert "Lemurgrad" in _client(tmp_path / "home", "researcher").get("/sources").get_data(as_text=True)
