"""OAI-PMH against a live archive (issue 20, items 15, 16 and 17).

* a resumption token is tied to the records of the list it pages: adding an account, or a
  token's last use being recorded, leaves it valid; a change of the records listed does not;
* a re-import stamps only the records whose published content changed: removing two people
  and putting them back restamps those two and no other;
* a person withdrawn from publication (removed, made restricted or embargoed) is announced as
  deleted, and stays so; ``deletedRecord`` is ``persistent``.

Times are given to ``handle`` (``now``), each later than the last, as a harvester's visits would be.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from lxml import etree

from archive.access import accounts
from archive.facade import Archive
from archive.interchange import oai_pmh

BASE = "http://archive.example.org/"
NS = {"o": oai_pmh.OAI_NS}
PERSON = "oai:archive.example.org:person/"


class Harvester:
    """Requests to the repository, each at a later moment."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.now = datetime(2030, 1, 1, tzinfo=timezone.utc)

    def __call__(self, *params: tuple[str, str], page_size: int = oai_pmh.PAGE_SIZE) -> etree._Element:
        self.now += timedelta(hours=1)
        status, body = oai_pmh.handle(self.archive, list(params), BASE, page_size=page_size, now=self.now)
        assert status == 200
        return etree.fromstring(body)

    def stamps(self) -> dict[str, tuple[str, bool]]:
        doc = self(("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc"))
        return {h.findtext("o:identifier", namespaces=NS).removeprefix(PERSON):
                (h.findtext("o:datestamp", namespaces=NS), h.get("status") == "deleted")
                for h in doc.iterfind(".//o:header", NS)}


def error_code(doc: etree._Element) -> str | None:
    error = doc.find("o:error", NS)
    return None if error is None else error.get("code")


@pytest.fixture
def live(tmp_path, shipped_collection):
    archive = Archive.open(tmp_path / "home")
    archive.import_collection(shipped_collection)
    yield archive, shipped_collection, Harvester(archive)
    archive.close()


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# --- item 15: tokens --------------------------------------------------------------------------


@pytest.mark.slow
def test_a_token_survives_writes_that_change_no_record(live):
    archive, _, harvest = live
    first = harvest(("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc"), page_size=2)
    token = first.findtext(".//o:resumptionToken", namespaces=NS)
    accounts.add_user(archive.engine, "synthetic-reader", "researcher", "a synthetic passphrase 1")
    api_token = accounts.issue_token(archive.engine, "synthetic-reader")
    assert accounts.account_for_token(archive.engine, api_token) is not None  # records the token's last use
    second = harvest(("verb", "ListIdentifiers"), ("resumptionToken", token), page_size=2)
    assert error_code(second) is None
    assert len(second.findall(".//o:header", NS)) == 2


@pytest.mark.slow
def test_a_token_from_before_a_change_of_its_records_is_refused(live):
    archive, collection, harvest = live
    first = harvest(("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc"), page_size=2)
    token = first.findtext(".//o:resumptionToken", namespaces=NS)
    _edit(collection / "people" / "igor.yaml", "name: Igor", "name: Igor (renamed)")
    archive.import_collection(collection)
    again = harvest(("verb", "ListIdentifiers"), ("resumptionToken", token), page_size=2)
    assert error_code(again) == "badResumptionToken"


# --- item 16: stamps ----------------------------------------------------------------------------


@pytest.mark.slow
def test_removing_and_restoring_people_restamps_only_them(live, tmp_path):
    archive, collection, harvest = live
    before = harvest.stamps()
    assert len(before) == 5
    kept = tmp_path / "kept"
    kept.mkdir()
    for person in ("igor", "the-sisters"):
        (collection / "people" / f"{person}.yaml").rename(kept / f"{person}.yaml")
    archive.import_collection(collection)
    removed = harvest.stamps()
    assert {p for p, (_, deleted) in removed.items() if deleted} == {"igor", "the-sisters"}
    assert {p: s for p, s in removed.items() if not s[1]} == {p: s for p, s in before.items()
                                                             if p not in ("igor", "the-sisters")}
    for person in ("igor", "the-sisters"):
        (kept / f"{person}.yaml").rename(collection / "people" / f"{person}.yaml")
    archive.import_collection(collection)
    restored = harvest.stamps()
    assert not any(deleted for _, deleted in restored.values())
    changed = {p for p in restored if restored[p] != before[p]}
    assert changed == {"igor", "the-sisters"}


@pytest.mark.slow
def test_an_edit_restamps_the_record_it_changes(live):
    archive, collection, harvest = live
    before = harvest.stamps()
    _edit(collection / "people" / "igor.yaml", "name: Igor", "name: Igor (renamed)")
    archive.import_collection(collection)
    after = harvest.stamps()
    assert {p for p in after if after[p] != before[p]} == {"igor"}
    assert after["igor"][0] > before["igor"][0]


# --- item 17: withdrawn records -------------------------------------------------------------------


@pytest.mark.parametrize("withdrawal", [
    "visibility:\n  status: restricted\n  reason: synthetic restriction\n",
    "visibility:\n  status: embargoed\n  until: \"2999-01-01\"\n  reason: synthetic embargo\n",
])
@pytest.mark.slow
def test_a_withdrawn_person_is_announced_as_deleted_and_stays_so(live, withdrawal):
    archive, collection, harvest = live
    harvest.stamps()  # published once
    _edit(collection / "people" / "igor.yaml", "role: interviewee\n", "role: interviewee\n" + withdrawal)
    archive.import_collection(collection)
    stamps = harvest.stamps()
    assert stamps["igor"][1] is True
    record = harvest(("verb", "GetRecord"), ("identifier", PERSON + "igor"), ("metadataPrefix", "oai_dc"))
    assert record.find(".//o:header", NS).get("status") == "deleted"
    assert record.find(".//o:metadata", NS) is None
    # another import that changes something else: the tombstone stays
    _edit(collection / "people" / "galina.yaml", "name: Galina", "name: Galina (renamed)")
    archive.import_collection(collection)
    assert harvest.stamps()["igor"] == stamps["igor"]
    identify = harvest(("verb", "Identify"))
    assert identify.findtext(".//o:deletedRecord", namespaces=NS) == "persistent"


@pytest.mark.slow
def test_a_person_never_published_leaves_no_trace(tmp_path, fixture_collection):
    """Boris is restricted from the start: removing him announces nothing."""
    archive = Archive.open(tmp_path / "home")
    try:
        archive.import_collection(fixture_collection)
        harvest = Harvester(archive)
        assert "boris-synthetic" not in harvest.stamps()
        (fixture_collection / "people" / "boris-synthetic.yaml").unlink()
        archive.import_collection(fixture_collection)
        assert "boris-synthetic" not in harvest.stamps()
    finally:
        archive.close()
