"""Access levels beyond public/restricted/embargoed: a pseudonym's real name (researchers only)
and archivists' private notes (never published). The fixture people are in fixtures/access."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.access.visibility import may_read_field, viewer_for
from archive.catalogue.result_sets import ResultSet
from archive.cli.main import main
from archive.collection.loader import read_collection
from archive.collection.problems import InvalidCollection
from archive.facade import Archive
from archive.interchange.exports import export
from webapp import create_app

REAL_NAME, REAL_NAME_RU, PRIVATE = "Kestrelnikova", "Кестрельникова", "Wombatfeather"
BASE = "http://archive.test/"


@pytest.fixture
def loaded(archive: Archive, access_collection: Path) -> Archive:
    archive.import_collection(access_collection)
    return archive


def _tree_text(folder: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*.yaml")))


def test_the_rule_names_who_reads_real_names_and_private_notes() -> None:
    for role, real, private in (("anonymous", False, False), ("researcher", True, False), ("archivist", True, True)):
        viewer = viewer_for(role)
        assert may_read_field(viewer, "real_name") is real
        assert may_read_field(viewer, "real_name_native") is real
        assert may_read_field(viewer, "private_notes") is private


def test_a_real_name_without_a_pseudonym_is_refused_with_file_and_line(access_collection: Path) -> None:
    person = access_collection / "people" / "vera-synthetic.yaml"
    person.write_text(person.read_text(encoding="utf-8").replace("pseudonym: true\n", ""), encoding="utf-8")
    with pytest.raises(InvalidCollection) as caught:
        read_collection(access_collection)
    [problem] = caught.value.problems
    assert problem.file.endswith("people/vera-synthetic.yaml")
    assert "pseudonym" in problem.message
    assert problem.line >= 1


@pytest.mark.slow
def test_the_database_stores_both_and_the_index_holds_neither(loaded: Archive) -> None:
    with sqlite3.connect(loaded.settings.home / "archive.sqlite3") as db:
        real_name = db.execute("select real_name from person where id='vera-synthetic'").fetchone()[0]
        assert real_name == "Vera Kestrelnikova"
        notes = [row[0] for table in ("person", "relative", "fate_event", "quote", "timeline_event", "interview")
                 for row in db.execute(f"select private_notes from {table} where private_notes is not null")]
    assert len(notes) == 6 and all(PRIVATE in note for note in notes)
    # nothing in the index: not even a researcher's search finds them
    from archive.search.request import SearchRequest

    for word in (REAL_NAME, REAL_NAME_RU, PRIVATE):
        result = loaded.search(SearchRequest(query=word), viewer_for("archivist"))
        assert result.total == 0, word
    index_bytes = b"".join(p.read_bytes() for p in (loaded.settings.home / "index").rglob("*") if p.is_file())
    assert b"quokkaville" in index_bytes.lower()  # the index does hold terms as bytes (a restricted person's)
    for word in (REAL_NAME, REAL_NAME_RU, PRIVATE):
        assert word.lower().encode() not in index_bytes.lower(), word


@pytest.mark.parametrize("role,sees_real_name,sees_private", [
    ("anonymous", False, False), ("researcher", True, False), ("archivist", True, True),
])
@pytest.mark.slow
def test_yaml_export_follows_the_rule(loaded: Archive, tmp_path: Path, role: str, sees_real_name: bool,
                                      sees_private: bool) -> None:
    folder = tmp_path / "export"
    export(loaded, ResultSet.collection(), "yaml", viewer_for(role), folder, BASE)
    text = _tree_text(folder)
    assert ("Vera (pseudonym, synthetic)" in text)  # the pseudonym is public
    assert (REAL_NAME in text) is sees_real_name
    assert (REAL_NAME_RU in text) is sees_real_name
    assert text.count(PRIVATE) == (6 if sees_private else 0)


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl", "datapackage"])
@pytest.mark.parametrize("role", ["anonymous", "researcher"])
@pytest.mark.slow
def test_other_exports_carry_no_real_name_and_no_private_note(loaded: Archive, tmp_path: Path, fmt: str,
                                                              role: str) -> None:
    target = tmp_path / f"export-{fmt}"
    export(loaded, ResultSet.collection(), fmt, viewer_for(role), target, BASE)
    raw = b"".join(p.read_bytes() for p in ([target] if target.is_file() else target.rglob("*")) if p.is_file())
    assert b"Vera (pseudonym, synthetic)" in raw
    for word in (REAL_NAME, REAL_NAME_RU, PRIVATE):
        assert word.encode() not in raw, (fmt, role, word)


@pytest.fixture
def web_home(loaded: Archive) -> Path:
    return loaded.settings.home


@pytest.mark.parametrize("role", ["anonymous", "researcher"])
@pytest.mark.slow
def test_person_page_and_api_show_the_real_name_to_researchers_only(web_home: Path, role: str) -> None:
    client = create_app({"ARCHIVE_HOME": str(web_home), "TESTING": True, "ARCHIVE_VIEWER": role}).test_client()
    page = client.get("/people/vera-synthetic")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Vera (pseudonym, synthetic)" in html
    assert (REAL_NAME in html) is (role == "researcher")
    assert PRIVATE not in html
    api = client.get("/api/people/vera-synthetic")
    assert api.status_code == 200
    body = api.get_json()
    if role == "researcher":
        assert body["real_name"] == "Vera Kestrelnikova" and body["real_name_native"] == "Вера Кестрельникова"
    else:
        assert "real_name" not in body and "real_name_native" not in body
    assert PRIVATE not in json.dumps(body, ensure_ascii=False)


def test_cli_check_accepts_the_access_collection(access_collection: Path) -> None:
    result = CliRunner().invoke(main, ["check", str(access_collection), "--no-index"])
    assert result.exit_code == 0, result.output
