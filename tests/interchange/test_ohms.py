"""OHMS XML: exports valid against the OHMS 6.0 schema; the real OHMS samples imported point
by point into a collection that passes the check, with no stance invented."""

from __future__ import annotations

from pathlib import Path

import pytest
import webvtt
from lxml import etree

from archive.access.visibility import ANONYMOUS, Viewer
from archive.catalogue import pages as catalogue
from archive.collection.loader import read_collection
from archive.collection.problems import InvalidCollection
from archive.collection.timecodes import format_timecode, parse_timecode
from archive.facade import Archive
from archive.interchange import ohms
from tests.support import DATA, FIXTURES

SAMPLES = FIXTURES / "ohms"
SCHEMA = etree.XMLSchema(etree.parse(str(FIXTURES / "schemas" / "ohms" / "ohms.xsd")))
NAMESPACES = {"o": ohms.OHMS_NS}
BASE = "https://archive.example.org/"


def valid(xml: bytes) -> etree._Element:
    doc = etree.fromstring(xml)
    assert SCHEMA.validate(doc), SCHEMA.error_log
    return doc


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# --- export ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_person_export_is_valid_ohms_6(archive, fixture_collection):
    archive.import_collection(fixture_collection)
    doc = valid(ohms.person_to_ohms(archive, "anna-synthetic", ANONYMOUS, BASE))
    records = doc.findall("o:record", NAMESPACES)
    assert len(records) == 1  # one interview, which holds all her timecoded quotes
    record = records[0]
    assert record.findtext("o:version", namespaces=NAMESPACES) == "6.0"
    assert record.find("o:date", NAMESPACES).get("value") == "2020-05-01"
    assert record.findtext("o:interviewee", namespaces=NAMESPACES) == "Anna (synthetic)"
    assert record.findtext("o:interviewer", namespaces=NAMESPACES) == "Test Suite"
    assert record.findtext("o:duration", namespaces=NAMESPACES) == "01:00:00"
    assert record.findtext("o:transcript_alt_lang", namespaces=NAMESPACES) == "en"
    points = record.findall("o:index/o:point", NAMESPACES)
    assert [p.findtext("o:time", namespaces=NAMESPACES) for p in points] == ["65", "120"]
    first = points[0]
    # Russian in the main fields, English in the _alt fields
    assert first.findtext("o:partial_transcript", namespaces=NAMESPACES) == \
        "Мой дед был расстрелян в 1937 году, а бабушку сослали в лагерь."
    assert first.findtext("o:partial_transcript_alt", namespaces=NAMESPACES) == \
        "My grandfather was shot in 1937, and my grandmother was sent to a camp."
    assert first.findtext("o:title", namespaces=NAMESPACES) == "Большой террор; ГУЛАГ"
    assert first.findtext("o:title_alt", namespaces=NAMESPACES) == "the Terror; the Gulag"
    assert first.findtext("o:keywords_alt", namespaces=NAMESPACES) == "the Terror;the Gulag"
    assert first.findtext("o:hyperlinks/o:hyperlink", namespaces=NAMESPACES) == \
        "https://archive.example.org/people/anna-synthetic#quote-anna-grandfather-shot"
    # the segments as a WebVTT transcript, read back by webvtt-py
    transcript = webvtt.from_string(record.findtext("o:vtt_transcript", namespaces=NAMESPACES), strict=True)
    assert [c.identifier for c in transcript.captions] == ["anna-grandfather-shot", "anna-victory"]
    english = webvtt.from_string(record.findtext("o:vtt_transcript_alt", namespaces=NAMESPACES), strict=True)
    assert english.captions[1].text == "Stalin won the war. Without him there would have been no victory."
    # no stance, no withheld record
    text = " ".join(doc.itertext()).lower()
    for word in ("admirer", "ambivalent", "critic", "критик", "почитатель", "двойственное", "stance"):
        assert word not in text
    assert "anna-embargoed" not in text and "under embargo" not in text


@pytest.mark.slow
def test_element_order_follows_the_schema_sequence(archive, fixture_collection):
    archive.import_collection(fixture_collection)
    doc = valid(ohms.person_to_ohms(archive, "anna-synthetic", ANONYMOUS, BASE))
    names = [etree.QName(e).localname for e in doc.find("o:record", NAMESPACES)]
    positions = [ohms.RECORD_ORDER.index(n) for n in names]
    assert positions == sorted(positions)
    point = doc.find(".//o:point", NAMESPACES)
    positions = [ohms.POINT_ORDER.index(etree.QName(e).localname) for e in point]
    assert positions == sorted(positions)


@pytest.mark.slow
def test_restricted_people(archive, fixture_collection):
    archive.import_collection(fixture_collection)
    with pytest.raises(catalogue.NotFound):
        ohms.person_to_ohms(archive, "boris-synthetic", ANONYMOUS, BASE)
    # an archivist may export Boris: no interview and no timecode, so one record with an empty index
    doc = valid(ohms.person_to_ohms(archive, "boris-synthetic", Viewer(role="archivist"), BASE))
    assert len(doc.findall("o:record", NAMESPACES)) == 1 and doc.find(".//o:point", NAMESPACES) is None


@pytest.mark.slow
def test_every_shipped_person_exports_valid_ohms(archive, shipped_collection):
    archive.import_collection(shipped_collection)
    for card in catalogue.people(archive.engine, ANONYMOUS):
        doc = valid(ohms.person_to_ohms(archive, card.id, ANONYMOUS, BASE))
        record = doc.find("o:record", NAMESPACES)
        assert record.findtext("o:collection_id", namespaces=NAMESPACES) == "the-red-soul"
        assert record.findtext("o:fmt", namespaces=NAMESPACES) == "video"  # a portrait in the film


# --- import: the real OHMS samples, point by point ------------------------------------------------


def _points(path: Path) -> list[etree._Element]:
    """The index points as lxml sees them, independently of the importer."""
    return etree.parse(str(path)).findall(".//{*}index/{*}point")


def _field(point: etree._Element, name: str) -> str:
    return (point.findtext(f"{{*}}{name}") or "").strip()


@pytest.mark.parametrize("sample", sorted(p.name for p in SAMPLES.glob("*.xml")))
def test_samples_import_point_by_point(tmp_path, sample):
    path = SAMPLES / sample
    root = tmp_path / "collection"
    result = ohms.ohms_to_collection(path, root)
    collection = read_collection(root)  # what `archive check` runs
    assert len(collection.people) == 1
    person = collection.people[0]

    # no stance is invented: OHMS carries none
    assert person.stance.value == "not-stated" and person.stance.basis == "none"
    assert "OHMS carries no stance" in person.stance.rationale
    assert all(q.stance == "not-stated" for q in person.quotes)
    assert person.role == "interviewee"

    points = _points(path)
    index_quotes = [q for q in person.quotes if q.locator and q.locator.startswith("index point")]
    assert len(index_quotes) == len(points)  # every index point kept
    for point, quote in zip(points, index_quotes, strict=False):
        assert parse_timecode(quote.timecode_in) == float(_field(point, "time"))
        assert quote.recording == person.interviews[0].id
        expected = _field(point, "partial_transcript") or _field(point, "synopsis") or _field(point, "title")
        assert quote.text == {"en": expected}
        assert _field(point, "title") in quote.context
        for term in _field(point, "keywords").split(";") + _field(point, "subjects").split(";"):
            assert term.strip() in quote.context  # keywords and subjects kept as terms, word for word
        for link in point.iterfind("{*}hyperlinks"):
            if _field(link, "hyperlink"):
                assert _field(link, "hyperlink") in quote.context

    # the source: the OHMS record, with a copy of the file
    source = next(s for s in collection.sources if s.id == person.quotes[0].source) if person.quotes else None
    if source is not None:
        assert source.kind == "archive record"
        assert source.title == etree.parse(str(path)).findtext(".//{*}record/{*}title")
    assert (root / "sources" / sample).read_bytes() == path.read_bytes()
    assert result.person_files == [root / "people" / f"{person.id}.yaml"]


def test_alyea_sample(tmp_path):
    collection = read_collection(ohms.ohms_to_collection(SAMPLES / "alyea_OH0010.xml", tmp_path / "c").root)
    person = collection.people[0]
    assert (person.id, person.name) == ("hubert-n-alyea", "Hubert N. Alyea")
    assert len(person.quotes) == 15
    assert [q.timecode_in for q in person.quotes[:3]] == ["00:00:03", "00:05:02", "00:11:32"]
    interview = person.interviews[0]
    assert interview.id == "oh0010" and interview.media.endswith(".mp3")
    assert collection.info.title == "Science History Institute"


def test_hyperlinks_sample_keeps_every_link(tmp_path):
    collection = read_collection(ohms.ohms_to_collection(SAMPLES / "index_hyperlinks_example.xml",
                                                         tmp_path / "c").root)
    second = collection.people[0].quotes[1]
    for work in ("cf95jc49c", "g445cf063", "1n79h560c"):
        assert f"https://digital.sciencehistory.org/works/{work}" in second.context
    assert "Oral history interview with Malcolm M. Renfrew" in second.context


def test_ohms_6_sample_imports_its_webvtt_transcript(tmp_path):
    path = SAMPLES / "small-sample-vtt-ohms.xml"
    collection = read_collection(ohms.ohms_to_collection(path, tmp_path / "c").root)
    quotes = collection.people[0].quotes
    cues = webvtt.from_string(etree.parse(str(path)).findtext(".//{*}vtt_transcript")).captions
    assert len(quotes) == len(cues) == 6
    assert [q.timecode_in for q in quotes] == [format_timecode(c.start_in_seconds) for c in cues]
    assert quotes[0].context.startswith("Speaker: SCHNEIDER.")
    assert quotes[3].text["en"].count("\n") == 2  # the <br><br> paragraphs
    # OHMS ends the last cue at 00:00:00.000: read as "end not given", not as an error
    assert quotes[-1].timecode_out is None and quotes[-1].timecode_in == "01:01:22"


def test_keywords_that_name_a_theme_become_themes(tmp_path):
    root = tmp_path / "c"
    result = ohms.ohms_to_collection(SAMPLES / "alyea_OH0010.xml", root, vocabulary_file=DATA / "vocabulary.yaml")
    read_collection(root)
    # "World War II (WWII)" is a synonym of the shipped vocabulary's the-war; "Family history" of family-memory
    assert result.themes["hubert-n-alyea-oh0010-001"] == ["the-war"]
    assert result.themes["hubert-n-alyea-oh0010-004"] == ["family-memory"]
    assert result.themes["hubert-n-alyea-oh0010-002"] == []


@pytest.mark.slow
def test_import_into_an_existing_collection_and_again(archive, fixture_collection):
    collection_yaml = (fixture_collection / "collection.yaml").read_text(encoding="utf-8")
    anna = (fixture_collection / "people" / "anna-synthetic.yaml").read_bytes()
    for sample in ("alyea_OH0010.xml", "index_hyperlinks_example.xml"):
        ohms.ohms_to_collection(SAMPLES / sample, fixture_collection)
    after = snapshot(fixture_collection)
    updated = (fixture_collection / "collection.yaml").read_text(encoding="utf-8")
    assert updated.startswith(collection_yaml)  # sources appended; the file's comments kept
    assert (fixture_collection / "people" / "anna-synthetic.yaml").read_bytes() == anna
    collection = read_collection(fixture_collection)
    assert {p.id for p in collection.people} == {"anna-synthetic", "boris-synthetic", "hubert-n-alyea",
                                                 "roy-j-plunkett"}
    # importing the same file again changes nothing
    ohms.ohms_to_collection(SAMPLES / "alyea_OH0010.xml", fixture_collection)
    assert snapshot(fixture_collection) == after
    # the archive loads it, and exports it back as valid OHMS
    archive.import_collection(fixture_collection)
    doc = valid(ohms.person_to_ohms(archive, "hubert-n-alyea", ANONYMOUS, BASE))
    assert len(doc.findall(".//o:point", NAMESPACES)) == 15
    assert doc.findtext(".//o:point/o:partial_transcript", namespaces=NAMESPACES).startswith("ALYEA: Over there")


def test_a_failed_import_leaves_the_collection_as_it_was(tmp_path, fixture_collection):
    # a collection without the interviewee role cannot take an OHMS interviewee
    for path in [fixture_collection / "vocabulary.yaml", *(fixture_collection / "people").glob("*.yaml")]:
        path.write_text(path.read_text(encoding="utf-8").replace("interviewee", "witness"), encoding="utf-8")
    read_collection(fixture_collection)
    before = snapshot(fixture_collection)
    with pytest.raises(InvalidCollection, match="'interviewee' is not in the roles"):
        ohms.ohms_to_collection(SAMPLES / "alyea_OH0010.xml", fixture_collection)
    assert snapshot(fixture_collection) == before


def test_a_folder_that_is_not_a_collection_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("not a collection", encoding="utf-8")
    with pytest.raises(ValueError, match="not a collection folder"):
        ohms.ohms_to_collection(SAMPLES / "alyea_OH0010.xml", tmp_path)


@pytest.mark.slow
def test_round_trip_export_then_import(archive, fixture_collection, tmp_path):
    archive.import_collection(fixture_collection)
    exported = tmp_path / "anna.xml"
    exported.write_bytes(ohms.person_to_ohms(archive, "anna-synthetic", ANONYMOUS, BASE))
    root = tmp_path / "again"
    ohms.ohms_to_collection(exported, root, person_id="anna")
    person = read_collection(root).people[0]
    index = [q for q in person.quotes if q.locator.startswith("index point")]
    assert [(q.timecode_in, q.text["ru"], q.text["en"]) for q in index] == [
        ("00:01:05", "Мой дед был расстрелян в 1937 году, а бабушку сослали в лагерь.",
         "My grandfather was shot in 1937, and my grandmother was sent to a camp."),
        ("00:02:00", "Сталин выиграл войну. Без него не было бы победы.",
         "Stalin won the war. Without him there would have been no victory."),
    ]
    assert all(q.original_language == "ru" and q.published_translations == ["en"] for q in index)
    # the fixture's theme labels come back as keywords; the new collection's vocabulary has no such theme
    assert "ГУЛАГ" in index[0].context
    # the WebVTT transcripts come back too, in both languages
    transcript = [q for q in person.quotes if q.locator.startswith("vtt_transcript")]
    assert len(transcript) == 4
    fresh = Archive.open(tmp_path / "home")
    try:
        fresh.import_collection(root)
        valid(ohms.person_to_ohms(fresh, "anna", ANONYMOUS, BASE))
    finally:
        fresh.close()


def test_malformed_xml_is_one_line_naming_file_and_line(tmp_path):
    from click.testing import CliRunner

    from archive.cli.main import main

    broken = tmp_path / "broken.xml"
    broken.write_text('<?xml version="1.0"?>\n<ROOT>\n  <record id="1">\n    <title>A synthetic title</titel>\n'
                      '  </record>\n</ROOT>\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["import-ohms", str(broken), "--into", str(tmp_path / "collection")])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    first = result.output.splitlines()[0]
    assert first.startswith(f"error: {broken}:4: not well-formed XML")
    assert "titel" in first
    assert not (tmp_path / "collection").exists()


# --- an interview's own index points: OHMS → archive → OHMS, field for field --------------------

_POINT_TEXTS = ("title", "title_alt", "synopsis", "synopsis_alt", "partial_transcript", "partial_transcript_alt")


def _comparable(point: ohms.IndexPoint) -> dict:
    f = point.fields
    gps = point.gps or {}
    return {
        "time": point.time,
        **{name: f.get(name, "") for name in _POINT_TEXTS},
        "keywords": ohms._terms(f.get("keywords", "")),
        "keywords_alt": ohms._terms(f.get("keywords_alt", "")),
        "subjects": ohms._terms(f.get("subjects", "")),
        "gps": tuple(float(v) for v in gps["gps"].split(",")) if gps else None,
        "gps_zoom": gps.get("gps_zoom", "") if gps else None,
        "gps_text": gps.get("gps_text", "") if gps else None,
        "links": [(link["hyperlink"], link.get("hyperlink_text", ""), link.get("hyperlink_text_alt", ""))
                  for link in point.links],
    }


@pytest.mark.parametrize("sample", ["alyea_OH0010.xml", "index_hyperlinks_example.xml"])
@pytest.mark.slow
def test_index_points_survive_ohms_archive_ohms(tmp_path, fixture_collection, sample):
    import yaml

    [record] = ohms.read_ohms(SAMPLES / sample)
    assert record.points
    interview = ohms.ohms_interview(record, "ohms-interview")
    person_file = fixture_collection / "people" / "anna-synthetic.yaml"
    person = yaml.safe_load(person_file.read_text(encoding="utf-8"))
    person["interviews"].append(interview)
    person_file.write_text(yaml.safe_dump(person, allow_unicode=True, sort_keys=False), encoding="utf-8")
    archive = Archive.open(tmp_path / "home")
    try:
        archive.import_collection(fixture_collection)
        exported = ohms.interview_to_ohms(archive, "anna-synthetic", "ohms-interview", ANONYMOUS, BASE)
    finally:
        archive.close()
    valid(exported)
    again = tmp_path / "again.xml"
    again.write_bytes(exported)
    [back] = ohms.read_ohms(again)
    assert [_comparable(p) for p in back.points] == [_comparable(p) for p in record.points]


@pytest.mark.slow
def test_index_point_fields_in_two_languages_survive(tmp_path, fixture_collection):
    import yaml

    point = {"start": "00:01:05", "title": {"ru": "Синтетический заголовок", "en": "A synthetic title"},
             "synopsis": {"ru": "Синтетическое описание.", "en": "A synthetic synopsis."},
             "partial_transcript": {"ru": "Синтетическая расшифровка.", "en": "A synthetic transcript."},
             "keywords": {"ru": ["сад", "река"], "en": ["garden", "river"]}, "subjects": ["the-war", "gardens"],
             "gps": {"latitude": 0.5, "longitude": -0.25, "zoom": 9, "place": {"ru": "Посёлок", "en": "Village"}},
             "hyperlinks": [{"url": "https://example.org/a", "text": {"ru": "Ссылка", "en": "A link"}}]}
    person_file = fixture_collection / "people" / "anna-synthetic.yaml"
    person = yaml.safe_load(person_file.read_text(encoding="utf-8"))
    person["interviews"].append({"id": "two-languages", "index_points": [point]})
    person_file.write_text(yaml.safe_dump(person, allow_unicode=True, sort_keys=False), encoding="utf-8")
    archive = Archive.open(tmp_path / "home")
    try:
        archive.import_collection(fixture_collection)
        exported = ohms.interview_to_ohms(archive, "anna-synthetic", "two-languages", ANONYMOUS, BASE,
                                          lang="ru", alt="en")
    finally:
        archive.close()
    valid(exported)
    (tmp_path / "two.xml").write_bytes(exported)
    [record] = ohms.read_ohms(tmp_path / "two.xml")
    back = ohms.ohms_interview(record, "two-languages", lang="ru", alt="en")["index_points"]
    expected = {**point, "start": "00:01:05.000"}
    assert back == [expected]
