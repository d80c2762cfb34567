"""Researchers see why a record is withheld and when a stance was coded, on the pages and in the API
(issue 20, item 7); archivists also see when a restriction is reviewed; the public sees none of it.
The people are the synthetic access fixtures, with a coding day and reasons added."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import import_into, make_access_collection, viewer_client

PERSON_REASON = "synthetic restriction for the leak crawl"  # quentin-synthetic's, in the fixture
QUOTE_REASON = "Synthetic embargo reason for the notes test."
REVIEW = "2031-02-03"
CODED_ON = "2024-05-02"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("researcher-notes")
    collection = make_access_collection(root / "collection")
    quentin = collection / "people" / "quentin-synthetic.yaml"
    data = yaml.safe_load(quentin.read_text(encoding="utf-8"))
    data["stance"]["coded_on"] = CODED_ON
    quentin.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    vera = collection / "people" / "vera-synthetic.yaml"
    data = yaml.safe_load(vera.read_text(encoding="utf-8"))
    for quote in data["quotes"]:
        if quote["id"] == "vera-embargoed":
            quote["visibility"].update({"reason": QUOTE_REASON, "review": REVIEW})
    vera.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return import_into(root / "home", collection)


def _client(home: Path, viewer: str) -> Any:
    return viewer_client(home, viewer)


@pytest.mark.parametrize("viewer", ["researcher", "archivist"])
@pytest.mark.slow
def test_researchers_see_reasons_and_coding_days(home: Path, viewer: str) -> None:
    client = _client(home, viewer)
    page = client.get("/people/quentin-synthetic").get_data(as_text=True)
    assert PERSON_REASON in page and CODED_ON in page
    person = client.get("/api/people/quentin-synthetic").get_json()
    assert person["visibility_reason"] == PERSON_REASON
    assert person["stance_coding"]["coded_on"] == CODED_ON
    # a quote withheld for its own reason, on its person's page and in the API
    vera_page = client.get("/people/vera-synthetic").get_data(as_text=True)
    assert QUOTE_REASON in vera_page
    quotes = {q["id"]: q for q in client.get("/api/quotes?person=vera-synthetic").get_json()["items"]}
    assert quotes["vera-embargoed"]["visibility_reason"] == QUOTE_REASON
    assert "visibility_reason" not in quotes["vera-public"]
    # a quote of a withheld person carries its person's reason
    quentin_quotes = {q["id"]: q for q in client.get("/api/people/quentin-synthetic").get_json()["quotes"]}
    assert quentin_quotes["quentin-quokkaville"]["visibility_reason"] == PERSON_REASON
    # the review day is the archivists' alone
    sees_review = viewer == "archivist"
    assert (REVIEW in vera_page) is sees_review
    assert ("visibility_review" in quotes["vera-embargoed"]) is sees_review
    if sees_review:
        assert quotes["vera-embargoed"]["visibility_review"] == REVIEW


@pytest.mark.slow
def test_the_public_sees_no_reason_and_no_coding_day(home: Path) -> None:
    client = _client(home, "anonymous")
    vera_page = client.get("/people/vera-synthetic").get_data(as_text=True)
    assert QUOTE_REASON not in vera_page and REVIEW not in vera_page
    for person_id in ("vera-synthetic", "anna-synthetic"):
        person = client.get(f"/api/people/{person_id}").get_json()
        assert "visibility_reason" not in person and "coded_on" not in person["stance_coding"]
        assert all("visibility_reason" not in q for q in person["quotes"])
    assert client.get("/api/people/quentin-synthetic").status_code == 404
