"""Validated, transactional, idempotent import into a real SQLite file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text

from archive.cli.main import main
from archive.collection.loader import read_collection
from archive.collection.problems import InvalidCollection
from archive.facade import Archive
from archive.store import models
from tests.stored_rows import stored_rows


def dump(archive) -> dict:
    """Every row of every table, to compare a database before and after."""
    with archive.engine.connect() as conn:
        return {
            table.__tablename__: sorted(
                (tuple(sorted((k, repr(v)) for k, v in row._mapping.items()))
                 for row in conn.execute(select(table.__table__))),
            )
            for table in models.TABLES_IN_ORDER
        }


def edit(path: Path, old: str, new: str) -> None:
    content = path.read_text(encoding="utf-8")
    assert old in content, f"{old!r} not in {path}"
    path.write_text(content.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def test_fixture_collection_imports(archive, fixture_collection):
    report = archive.import_collection(fixture_collection)
    assert report.counts()["people"] == (2, 0, 0)
    assert report.counts()["quotes"] == (6, 0, 0)
    with archive.engine.connect() as conn:
        assert conn.scalar(text("select count(*) from quote_text")) == 10
        assert conn.scalar(text("select timecode_out from quote where id='anna-grandfather-shot'")) == 72.5
        assert conn.scalar(
            text("select date_start from fate_event where id='anna-synthetic/grandmother-2#1'")) == "1938-01-01"


def test_reimport_is_idempotent(archive, fixture_collection):
    archive.import_collection(fixture_collection)
    before = dump(archive)
    report = archive.import_collection(fixture_collection)
    assert report.unchanged
    assert report.summary_lines() == ["nothing changed"]
    assert dump(archive) == before


def test_editing_one_field_changes_exactly_one_record(archive, fixture_collection):
    archive.import_collection(fixture_collection)
    before = dump(archive)
    edit(fixture_collection / "people" / "anna-synthetic.yaml", "stance: admirer", "stance: ambivalent")
    report = archive.import_collection(fixture_collection)
    changed = {kind: ids for kind, ids in report.changed.items() if ids}
    assert changed == {"quotes": {"anna-victory"}}
    assert not any(report.added.values()) and not any(report.removed.values())
    after = dump(archive)
    differing = [name for name in before if before[name] != after[name]]
    assert differing == ["quote"]


def test_editing_a_translation_changes_its_quote(archive, fixture_collection):
    archive.import_collection(fixture_collection)
    edit(fixture_collection / "people" / "anna-synthetic.yaml",
         "en: Stalin won the war. Without him there would have been no victory.",
         "en: Stalin won the war; without him, no victory.")
    report = archive.import_collection(fixture_collection)
    assert {k: v for k, v in report.changed.items() if v} == {"quotes": {"anna-victory"}}
    assert report.touched_quotes == {"anna-victory"}


@pytest.mark.slow
def test_removed_records_are_deleted(archive, fixture_collection):
    archive.import_collection(fixture_collection)
    (fixture_collection / "people" / "boris-synthetic.yaml").unlink()
    report = archive.import_collection(fixture_collection)
    assert report.removed["people"] == {"boris-synthetic"}
    assert report.removed["quotes"] == {"boris-secret"}
    with archive.engine.connect() as conn:
        assert conn.scalar(text("select count(*) from person where id='boris-synthetic'")) == 0
        assert conn.scalar(text("select count(*) from fate_event where person_id='boris-synthetic'")) == 0


@pytest.mark.slow
def test_failure_half_way_leaves_previous_contents(archive, fixture_collection):
    """A real constraint error while writing the second person file rolls everything back."""
    archive.import_collection(fixture_collection)
    before = dump(archive)
    with archive.engine.begin() as conn:
        conn.execute(text(
            "CREATE TRIGGER refuse_boris BEFORE UPDATE ON person WHEN NEW.id = 'boris-synthetic' "
            "BEGIN SELECT RAISE(ABORT, 'injected constraint error'); END"))
    edit(fixture_collection / "people" / "anna-synthetic.yaml", "name: Anna (synthetic)",
         "name: Anna Two (synthetic)")
    edit(fixture_collection / "people" / "boris-synthetic.yaml", "name: Boris (synthetic)",
         "name: Boris Two (synthetic)")
    with pytest.raises(Exception, match="injected constraint error"):
        archive.import_collection(fixture_collection)
    assert dump(archive) == before


# --- bad input: every problem names the file, the line and the field ------------------

ANNA = "people/anna-synthetic.yaml"


def _bad(filename, old, new, field, message, line_needle=None):
    return pytest.param(filename, old, new, field, message, line_needle or new.splitlines()[0].strip(),
                        id=field + ":" + message[:20])


BAD_INPUTS = [
    _bad(ANNA, "stance: admirer", "stance: tyrant-lover", "quotes[1].stance", "'tyrant-lover' is not in the stances"),
    _bad(ANNA, "value: ambivalent", "value: fan", "stance.value", "'fan' is not in the stances"),
    _bad(ANNA, "id: anna-victory", "id: anna-grandfather-shot", "quotes[1].id", "duplicate quote id",
         line_needle="  - id: anna-grandfather-shot\n"),
    _bad(ANNA, "    source: synthetic-transcript\n    locator: line 3",
         "    source: no-such-source\n    locator: line 3", "quotes[0].source",
         "source 'no-such-source' does not exist"),
    _bad(ANNA, "themes: [the-war]", "themes: [the-space-race]", "quotes[1].themes[0]",
         "'the-space-race' is not in the themes"),
    _bad(ANNA, 'timecode_in: "00:02:00"', 'timecode_in: "00:2:00"', "quotes[1].timecode_in", "is not a timecode"),
    _bad(ANNA, 'timecode_out: "00:02:09"', 'timecode_out: "00:01:09"', "quotes[1]",
         "timecode_out 00:01:09 is before timecode_in", line_needle="- id: anna-victory"),
    _bad(ANNA, 'date: "1937"', 'date: "1937-02-30"', "family[0].events[0].date", "day 30 does not exist"),
    _bad(ANNA, "years: 80", "years: eighty", "ages[0].years", "Input should be a valid integer"),
    _bad(ANNA, "role: interviewee", "role: interviewee\nfavourite_colour: red", "favourite_colour",
         "unknown field; expected one of: id, name", line_needle="favourite_colour"),
    _bad(ANNA, "relation: grandmother", "relation: godmother", "family[1].relation",
         "'godmother' is not in the relations"),
    _bad(ANNA, "kind: executed", "kind: vanished", "family[0].events[0].kind", "'vanished' is not in the fates"),
    _bad(ANNA, "name: Anna (synthetic)\n", "name: Anna (synthetic)\nname: Anna again\n", "name", "duplicate key",
         line_needle="name: Anna again"),
    _bad(ANNA, "    stance: critic\n    source: synthetic-transcript\n    locator: line 3",
         "    stance: critic\n    source: synthetic-transcript\n    locator: [line 3",
         "(syntax)", "flow sequence, which started on line 49", line_needle="  - id: anna-victory"),
    _bad(ANNA, "status: embargoed\n      until: \"2999-01-01\"", "status: embargoed", "quotes[4].visibility",
         "an embargoed record needs `until`", line_needle="visibility:"),
    _bad(ANNA, "en: Synthetic interview recorded.", "en: Synthetic interview recorded.\n    date: 2020-05-01",
         "events[0].date", "duplicate key", line_needle="    date: 2020-05-01"),
    _bad("collection.yaml", "  - id: synthetic-notes", "  - id: synthetic-transcript", "sources[1].id",
         "duplicate source id", line_needle="  - id: synthetic-transcript\n"),
]


@pytest.mark.parametrize("filename, old, new, field, message, line_needle", BAD_INPUTS)
@pytest.mark.slow
def test_bad_input_is_reported_with_file_line_field(archive, fixture_collection, filename, old, new, field, message,
                                                    line_needle):
    archive.import_collection(fixture_collection)
    before = dump(archive)
    path = fixture_collection / filename
    edit(path, old, new)
    if line_needle.endswith("\n"):  # the second occurrence is the one that is wrong
        lines = [i for i, line in enumerate(path.read_text().splitlines(), 1) if line == line_needle.rstrip("\n")]
        expected_line = lines[-1]
    else:
        expected_line = line_of(path, line_needle)
    with pytest.raises(InvalidCollection) as raised:
        archive.import_collection(fixture_collection)
    matching = [p for p in raised.value.problems if p.field == field and message in p.message]
    assert matching, [str(p) for p in raised.value.problems]
    problem = matching[0]
    assert problem.file.endswith(filename)
    assert problem.line == expected_line
    assert dump(archive) == before


def test_not_utf8_is_reported(archive, fixture_collection):
    path = fixture_collection / ANNA
    path.write_bytes(path.read_bytes().replace(b"Karaganda", "Karag\xe4nda".encode("latin-1")))
    with pytest.raises(InvalidCollection) as raised:
        archive.import_collection(fixture_collection)
    [problem] = raised.value.problems
    assert problem.field == "(encoding)" and "not UTF-8" in problem.message
    lines = (fixture_collection / ANNA).read_bytes().splitlines()
    assert problem.line == next(i for i, line in enumerate(lines, 1) if b"place: Karag" in line)


def test_every_problem_is_reported_at_once(fixture_collection):
    edit(fixture_collection / ANNA, "stance: admirer", "stance: fan")
    edit(fixture_collection / ANNA, "themes: [the-war]", "themes: [the-moon]")
    edit(fixture_collection / "people" / "boris-synthetic.yaml", "role: interviewee", "role: 42")
    with pytest.raises(InvalidCollection) as raised:
        read_collection(fixture_collection)
    fields = {(Path(p.file).name, p.field) for p in raised.value.problems}
    assert {("anna-synthetic.yaml", "quotes[1].stance"), ("anna-synthetic.yaml", "quotes[1].themes[0]"),
            ("boris-synthetic.yaml", "role")} <= fields


def test_quote_must_match_its_source_text(fixture_collection):
    # the English is the archive's own translation: only the Russian original is checked
    edit(fixture_collection / ANNA, "en: Stalin won the war. Without", "en: Stalin surely won the war. Without")
    read_collection(fixture_collection)
    edit(fixture_collection / ANNA, "ru: Сталин выиграл войну.", "ru: Сталин точно выиграл войну.")
    with pytest.raises(InvalidCollection) as raised:
        read_collection(fixture_collection)
    [problem] = raised.value.problems
    assert problem.field == "quotes[1].text.ru" and "does not occur verbatim" in problem.message


def test_file_name_must_match_id(fixture_collection):
    (fixture_collection / "people" / "boris-synthetic.yaml").rename(fixture_collection / "people" / "boris.yaml")
    with pytest.raises(InvalidCollection, match="differs from the file name"):
        read_collection(fixture_collection)


# --- the command line -----------------------------------------------------------------


def test_cli_import_reports_and_exits_non_zero(tmp_path, fixture_collection):
    runner = CliRunner()
    home = str(tmp_path / "cli-home")
    result = runner.invoke(main, ["--home", home, "import", str(fixture_collection)])
    assert result.exit_code == 0, result.output
    assert "people: 2 added, 0 changed, 0 removed" in result.output
    edit(fixture_collection / ANNA, "stance: admirer", "stance: fan")
    result = runner.invoke(main, ["--home", home, "import", str(fixture_collection)])
    assert result.exit_code == 1
    assert re.search(r"anna-synthetic\.yaml:\d+: quotes\[1\]\.stance: 'fan' is not in the stances", result.output)
    assert "nothing was written" in result.output
    result = runner.invoke(main, ["--home", home, "check", str(fixture_collection)])
    assert result.exit_code == 1 and "'fan' is not in the stances" in result.output


def test_cli_stats_respects_viewer(tmp_path, fixture_collection):
    runner = CliRunner()
    home = str(tmp_path / "cli-home")
    runner.invoke(main, ["--home", home, "import", str(fixture_collection)], catch_exceptions=False)
    public = runner.invoke(main, ["--home", home, "stats"], catch_exceptions=False).output
    research = runner.invoke(main, ["--home", home, "stats", "--viewer", "researcher"], catch_exceptions=False).output
    assert "people: 1  quotes: 4" in public
    assert "people: 2  quotes: 6" in research
    # the counts are named by the vocabulary's labels, not its ids
    assert "the Gulag" in research and "the-gulag" not in research


@pytest.mark.parametrize("command", ["import", "check", "schema", "stats", "run"])
def test_every_command_has_help_with_example(command):
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output and f"archive {command}" in result.output


@pytest.mark.parametrize("which", ["shipped_collection", "fixture_collection", "access_collection"])
@pytest.mark.slow
def test_the_driver_insert_stores_what_the_core_insert_stores(tmp_path, which, request, monkeypatch):
    """A first import inserts through the driver's executemany with the columns' bind processors:
    every value and its storage class (JSON text, dates, booleans, NULLs) as SQLAlchemy's insert."""
    from archive.store import row_writer as importer
    collection = request.getfixturevalue(which)
    fast = Archive.open(tmp_path / "fast")
    fast.import_collection(collection)
    fast.close()
    calls = []

    def core_insert(conn, table, rows):  # type: ignore[no-untyped-def]
        calls.append(table)
        names = [column.name for column in table.__table__.columns]
        conn.execute(table.__table__.insert(), [dict(zip(names, values, strict=False)) for values in rows])

    monkeypatch.setattr(importer, "_insert", core_insert)
    core = Archive.open(tmp_path / "core")
    core.import_collection(collection)
    core.close()
    assert len(calls) >= 8  # every table with rows went through the Core
    ours, theirs = stored_rows(tmp_path / "fast"), stored_rows(tmp_path / "core")
    assert sum(len(rows) for rows in ours.values()) > 30
    assert ours == theirs


def test_records_without_visibility_share_the_public_default(archive, fixture_collection):
    """Records that give no ``visibility`` share one frozen default (``PUBLIC``); stored, they
    equal a record whose block says ``status: public``, and an embargo still stores its day."""
    from pydantic import ValidationError

    from archive.collection import format as fmt
    from archive.store.rows import person_rows

    data = {
        "id": "p", "name": "P", "role": "witness", "portrait": {"text": {"en": "x"}, "sources": [{"source": "s"}]},
        "stance": {"value": "critic", "basis": "none", "rationale": "r", "coded_by": "c", "source": "s"},
        "quotes": [
            {"id": "a", "text": {"en": "a"}, "original_language": "en", "source": "s"},
            {"id": "b", "text": {"en": "b"}, "original_language": "en", "source": "s",
             "visibility": {"status": "public"}},
            {"id": "c", "text": {"en": "c"}, "original_language": "en", "source": "s",
             "visibility": {"status": "embargoed", "until": "2031-05-01", "reason": "family"}},
        ],
    }
    person = fmt.Person.model_validate(data)
    a, b, c = person.quotes
    assert a.visibility is fmt.PUBLIC and person.visibility is fmt.PUBLIC
    assert b.visibility is not fmt.PUBLIC
    with pytest.raises(ValidationError):  # frozen: no record can change the default of the others
        a.visibility.status = "restricted"  # type: ignore[misc]
    columns = ("visibility", "embargo_until", "visibility_reason", "visibility_review")
    quotes = [row for table, row in person_rows(person, 1) if table is models.Quote]
    stored = [tuple(row[name] for name in columns) for row in quotes]
    assert stored[0] == stored[1] == ("public", None, None, None)
    assert stored[2][0] == "embargoed" and str(stored[2][1]) == "2031-05-01" and stored[2][2] == "family"
    quotes[0]["visibility"] = "changed"  # a row is the caller's own: the next one is unchanged
    assert next(row for table, row in person_rows(person, 1) if table is models.Quote)["visibility"] == "public"


def test_an_unknown_source_is_found_wherever_it_is_cited(fixture_collection):
    """Every ``source:`` of a people file names a source of collection.yaml, at any depth (an
    age, the stance coding, a portrait's sources, a relative's fate, a quote, an event, an
    interview): each unknown one is a problem with its own path."""
    import yaml

    from archive.collection.yaml_source import format_path

    path = fixture_collection / ANNA
    edit_all = path.read_text(encoding="utf-8").replace("source: synthetic-notes", "source: nowhere")
    path.write_text(edit_all, encoding="utf-8")

    def cited(data, at=()):  # the path of every ``source: nowhere`` in the file, found in the raw data
        if isinstance(data, dict):
            for key, value in data.items():
                if key == "source" and value == "nowhere":
                    yield format_path(at + (key,))
                yield from cited(value, at + (key,))
        elif isinstance(data, list):
            for i, item in enumerate(data):
                yield from cited(item, at + (i,))

    expected = sorted(cited(yaml.safe_load(edit_all)))
    assert len(expected) >= 5 and any(p.startswith("family[") for p in expected) \
        and "portrait.sources[0].source" in expected
    with pytest.raises(InvalidCollection) as raised:
        read_collection(fixture_collection)
    found = sorted(p.field for p in raised.value.problems if "source 'nowhere' does not exist" in p.message)
    assert found == expected


def test_the_driver_insert_converts_each_column_as_the_core_does(tmp_path):
    """Values converted a column at a time: booleans by their table of three (and the ints 1
    and 0, which the Core also takes), JSON, NULLs; a value the Boolean type refuses is
    refused here too, and the insert does not half-happen."""
    import sqlite3

    from sqlmodel import SQLModel

    from archive.store import row_writer as importer
    from archive.store.database import make_engine

    rows = [("theme", f"t{n}", n, {"en": f"T{n}"}, None, [] if n % 2 else ["x"], flag)
            for n, flag in enumerate([True, False, None, 1, 0])]
    stored = []
    for how in ("driver", "core"):
        engine = make_engine(f"sqlite:///{tmp_path / how}.db")
        SQLModel.metadata.create_all(engine)
        with engine.begin() as conn:
            if how == "driver":
                importer._insert(conn, models.VocabularyTerm, rows)
            else:
                names = [column.name for column in models.VocabularyTerm.__table__.columns]
                conn.execute(models.VocabularyTerm.__table__.insert(),
                             [dict(zip(names, r, strict=False)) for r in rows])
        engine.dispose()
        with sqlite3.connect(tmp_path / f"{how}.db") as db:
            stored.append(db.execute("SELECT *, typeof(repression), typeof(synonyms) FROM vocabulary_term "
                                     "ORDER BY position").fetchall())
    assert stored[0] == stored[1]
    assert [row[6] for row in stored[0]] == [1, 0, None, 1, 0] and stored[0][0][-1] == "text"
    engine = make_engine(f"sqlite:///{tmp_path / 'driver'}.db")
    with pytest.raises(Exception, match="Not a boolean value"):
        with engine.begin() as conn:
            importer._insert(conn, models.VocabularyTerm, [("theme", "t9", 9, None, None, None, False),
                                                            ("theme", "t10", 10, None, None, None, "yes")])
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM vocabulary_term").scalar() == 5
    engine.dispose()
