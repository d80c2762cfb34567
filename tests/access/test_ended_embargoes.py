"""An embargo whose day has come is public, on every path alike (issue 20, item 4): pages do not mark
its record "Restricted: not public", the API's ``withheld`` and quote ``access`` and the CSV's
``access`` all say public, for an anonymous visitor and for a researcher. Records still under
embargo or restricted stay marked for a researcher. The people are the synthetic access fixtures."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from tests.support import import_into, viewer_client

RESTRICTED_TAG = "Restricted: not public"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.support import make_access_collection

    root = tmp_path_factory.mktemp("ended-embargoes")
    collection = make_access_collection(root / "collection")
    # the embargoed person and the embargoed quote of a public person: both embargoes ended long ago
    for name in ("tamara-synthetic", "vera-synthetic"):
        path = collection / "people" / f"{name}.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace('until: "2999-01-01"', 'until: "2000-01-01"'),
                        encoding="utf-8")
    return import_into(root / "home", collection)


def _client(home: Path, viewer: str) -> Any:
    return viewer_client(home, viewer)


def _csv_access(client: Any, url: str) -> dict[str, str]:
    response = client.get(url)
    assert response.status_code == 200, url
    rows = csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")))
    return {row["id"]: row["access"] for row in rows}


@pytest.mark.parametrize("viewer", ["anonymous", "researcher"])
@pytest.mark.slow
def test_an_ended_embargo_is_public_on_every_path(home: Path, viewer: str) -> None:
    client = _client(home, viewer)
    person_page = client.get("/people/tamara-synthetic")
    assert person_page.status_code == 200
    assert RESTRICTED_TAG not in person_page.get_data(as_text=True)
    assert RESTRICTED_TAG not in client.get("/people/vera-synthetic").get_data(as_text=True)
    people = {p["id"]: p for p in client.get("/api/people").get_json()["items"]}
    assert people["tamara-synthetic"]["withheld"] is False
    assert client.get("/api/people/tamara-synthetic").status_code == 200
    quotes = {q["id"]: q for q in client.get("/api/quotes?person=vera-synthetic").get_json()["items"]}
    assert quotes["vera-embargoed"]["access"] == "public"
    assert _csv_access(client, "/people/vera-synthetic/export.csv")["vera-embargoed"] == "public"
    assert _csv_access(client, "/people/tamara-synthetic/export.csv")["tamara-tardigradeski"] == "public"
    people_list = client.get("/people").get_data(as_text=True)
    if viewer == "anonymous":  # nothing the public sees is marked withheld
        assert RESTRICTED_TAG not in people_list


@pytest.mark.slow
def test_a_researcher_still_sees_restricted_records_marked(home: Path) -> None:
    client = _client(home, "researcher")
    people = {p["id"]: p for p in client.get("/api/people").get_json()["items"]}
    assert people["boris-synthetic"]["withheld"] is True and people["quentin-synthetic"]["withheld"] is True
    assert RESTRICTED_TAG in client.get("/people/quentin-synthetic").get_data(as_text=True)
    assert _csv_access(client, "/people/quentin-synthetic/export.csv")["quentin-quokkaville"] == "restricted"
