"""The Red Soul collection in data/: valid, complete, and faithful to its sources."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from archive.cli.main import main
from archive.collection import format as collection_format
from archive.collection.loader import read_collection

DATA = Path(__file__).resolve().parents[2] / "data"


def _raw_people() -> list[dict]:
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((DATA / "people").glob("*.yaml"))]


def _space(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.slow
def test_shipped_collection_validates_and_imports(archive):
    report = archive.import_collection(DATA)
    people = _raw_people()
    quotes = sum(len(p.get("quotes", [])) for p in people)
    relatives = sum(len(p.get("family", [])) for p in people)
    counts = report.counts()
    assert counts["people"] == (len(people), 0, 0)
    assert counts["quotes"] == (quotes, 0, 0)
    assert counts["relatives"] == (relatives, 0, 0)
    stats = archive.stats()
    assert (stats.people, stats.quotes, stats.relatives) == (len(people), quotes, relatives)
    assert archive.import_collection(DATA).unchanged


def test_check_command_passes_quietly():
    result = CliRunner().invoke(main, ["check", "--no-index", str(DATA)])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("sources)")


def test_every_quote_occurs_verbatim_in_its_source():
    """Checked here independently of the loader: read the source files, find each quote."""
    collection = yaml.safe_load((DATA / "collection.yaml").read_text(encoding="utf-8"))
    texts = {s["id"]: _space((DATA / s["text_file"]).read_text(encoding="utf-8"))
             for s in collection["sources"] if s.get("text_file")}
    checked = 0
    for person in _raw_people():
        for quote in person.get("quotes", []):
            assert quote["source"] in texts, f"{quote['id']}: its source has no text to check against"
            published = {quote["original_language"], *quote.get("published_translations", [])}
            for lang, text in quote["text"].items():
                assert lang in published, f"{quote['id']}: the {lang} text is neither original nor published"
                assert _space(text) in texts[quote["source"]], f"{quote['id']} ({lang}) is not verbatim"
                checked += 1
    assert checked >= 10


def test_sources_disagreement_is_kept():
    """The article's roses and the press kit's red carnations both stand, each with its source."""
    igor = yaml.safe_load((DATA / "people" / "igor.yaml").read_text(encoding="utf-8"))
    events = {(e["source"], e["description"]["en"]) for e in igor["events"]}
    assert any(src == "idfa-2017-goodfellow" and "roses" in text for src, text in events)
    assert any(src == "red-soul-press-kit" and "carnations" in text for src, text in events)


def test_silence_stays_empty():
    people = {p["id"]: p for p in _raw_people()}
    assert people["the-sisters"]["stance"]["value"] == "not-stated"
    assert people["the-sisters"]["group"] is True
    for person in people.values():
        assert not person.get("name_native"), "the sources give no Cyrillic names"
        for quote in person.get("quotes", []):
            assert "timecode_in" not in quote, "the sources give no timecodes"
    igor_quote = people["igor"]["quotes"][0]
    assert set(igor_quote["text"]) == {"en"} and igor_quote["original_language"] == "ru"


@pytest.mark.parametrize("kind, model_file", [("person", "people/*.yaml"), ("collection", "collection.yaml"),
                                              ("vocabulary", "vocabulary.yaml")])
@pytest.mark.slow
def test_generated_json_schema_validates_the_files(kind, model_file):
    """The schema that `archive schema` prints is usable by a third-party validator."""
    result = CliRunner().invoke(main, ["schema", "--file", kind])
    schema = json.loads(result.output)
    jsonschema.Draft202012Validator.check_schema(schema)
    files = sorted(DATA.glob(model_file))
    assert files
    for path in files:
        jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")), schema)
    broken = yaml.safe_load(files[0].read_text(encoding="utf-8"))
    broken["no_such_field"] = 1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_format_documentation_example_is_valid(tmp_path):
    """The complete example in docs/collection-format.md validates."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "collection-format.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", doc, flags=re.S)
    examples = [yaml.safe_load(b) for b in blocks]
    people = [e for e in examples if isinstance(e, dict) and "portrait" in e and "stance" in e]
    assert people, "the documentation has a complete person example"
    for person in people:
        collection_format.Person.model_validate(person)
    read_collection(DATA)
