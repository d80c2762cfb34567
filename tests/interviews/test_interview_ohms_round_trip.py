"""archive → OHMS → archive gives the same database rows: a SYNTHETIC bilingual interview with
starts between whole seconds, two languages in every text, an interpreter, an external recording
whose address names no file type, rights of the recording beside the catalogue's, a withheld
recording and a withheld passage. What OHMS holds travels in its own fields (``_alt`` fields,
WebVTT voices); the rest in the archive's extension, which an edited OHMS field overrides."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from lxml import etree
from sqlalchemy import select

from archive.access.visibility import viewer_for
from archive.cli.main import main
from archive.facade import Archive
from archive.interchange import ohms
from archive.store import models
from tests.support import EXAMPLE, FIXTURES, import_into

SCHEMA = etree.XMLSchema(etree.parse(str(FIXTURES / "schemas" / "ohms" / "ohms.xsd")))
PERSON, INTERVIEW = "speaker-synthetic", "bilingual-1"
TABLES = (models.Interview, models.Recording, models.TranscriptSegment, models.IndexPoint)


def _segment(start: str, end: str, name: str, role: str, original: str, en: str, ru: str,
             **extra: Any) -> dict[str, Any]:
    return {"start": start, "end": end, "speaker": {"name": name, "role": role}, "original_language": original,
            "text": {"en": en, "ru": ru}, **extra}


def _person() -> dict[str, Any]:
    """A SYNTHETIC person with one bilingual interview (every name and word made up)."""
    return {
        "id": PERSON, "name": "Speaker (synthetic)", "name_native": "Рассказчик (синтетический)",
        "role": "interviewee",
        "stance": {"value": "not-stated", "basis": "none", "rationale": "A synthetic test person.",
                   "coded_by": "test", "source": "synthetic-recording"},
        "portrait": {"text": {"en": "A synthetic speaker.", "ru": "Синтетический рассказчик."},
                     "sources": [{"source": "synthetic-recording"}]},
        "interviews": [{
            "id": INTERVIEW,
            "title": {"en": "A synthetic bilingual interview", "ru": "Синтетическое двуязычное интервью"},
            "date": "2024-05-02", "place": "Invented Town (synthetic)", "interviewer": "Asker (synthetic)",
            "language": "ru", "media": "Synthetic tape 7", "duration": "00:01:00",
            "recordings": [{
                "id": "tape-1", "url": "https://media.example.org/stream/tape-1", "mime_type": "audio/ogg",
                "duration": "00:00:40.250",
                "rights": {"uri": "http://creativecommons.org/publicdomain/zero/1.0/", "holder": "Synthetic holder"},
                "visibility": {"status": "embargoed", "until": "2090-01-01", "reason": "SYNTHETIC embargo",
                               "review": "2030-01-01"},
            }],
            "transcript": {"segments": [
                _segment("00:00:00.250", "00:00:04.750", "Asker (synthetic)", "interviewer", "en",
                         "A synthetic question.", "Синтетический вопрос."),
                _segment("00:00:05.125", "00:00:09.875", "Speaker (synthetic)", "interviewee", "ru",
                         "A synthetic answer.", "Синтетический ответ."),
                _segment("00:00:10.500", "00:00:14.040", "Go-between (synthetic)", "interpreter", "en",
                         "The answer, interpreted.", "Ответ в переводе."),
                _segment("00:00:15.333", "00:00:20.000", "Speaker (synthetic)", "interviewee", "ru",
                         "A withheld synthetic passage.", "Скрытый синтетический отрывок.",
                         visibility={"status": "restricted", "reason": "SYNTHETIC withheld passage"}),
            ]},
            "index_points": [
                {"start": "00:00:00.250", "title": {"en": "Opening", "ru": "Начало"},
                 "synopsis": {"en": "A synthetic opening.", "ru": "Синтетическое начало."},
                 "partial_transcript": {"en": "A synthetic question.", "ru": "Синтетический вопрос."},
                 "keywords": {"en": ["question"], "ru": ["вопрос"]}, "subjects": ["childhood"],
                 "gps": {"latitude": 55.7558261, "longitude": -37.6173004, "zoom": 9,
                         "place": {"en": "Invented Town (synthetic)", "ru": "Выдуманный город (синтетический)"}},
                 "hyperlinks": [{"url": "https://example.org/synthetic",
                                 "text": {"en": "A synthetic link", "ru": "Синтетическая ссылка"}}]},
                {"start": "00:00:10.750", "title": {"en": "Interpreted", "ru": "Перевод"},
                 "synopsis": {"en": "The interpreter speaks.", "ru": "Говорит переводчик."}},
            ],
            "catalogue": {"accession": "SYN-RT-1", "rights": "Synthetic rights statement, as written.",
                          "usage": "Synthetic usage statement."},
        }],
    }


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The synthetic interview imported, exported to OHMS as an archivist, imported again."""
    tmp = tmp_path_factory.mktemp("ohms-round-trip")
    collection = tmp / "collection"
    (collection / "people").mkdir(parents=True)
    for name in ("collection.yaml", "vocabulary.yaml"):
        shutil.copy(EXAMPLE / name, collection / name)
    (collection / "people" / f"{PERSON}.yaml").write_text(yaml.safe_dump(_person(), allow_unicode=True),
                                                          encoding="utf-8")
    home = import_into(tmp / "home", collection)
    archive = Archive.open(home)
    try:
        xml = ohms.interview_to_ohms(archive, PERSON, INTERVIEW, viewer_for("archivist"), "https://archive.example.org/")
    finally:
        archive.close()
    SCHEMA.assertValid(etree.fromstring(xml))
    exported = tmp / "exported.xml"
    exported.write_bytes(xml)
    result = CliRunner().invoke(main, ["import-ohms", str(exported), "--into", str(tmp / "again")])
    assert result.exit_code == 0, result.output
    return {"home": home, "xml": exported, "back": import_into(tmp / "home-again", tmp / "again")}


def _rows(home: Path) -> dict[str, list[dict[str, Any]]]:
    archive = Archive.open(home)
    try:
        with archive.engine.connect() as conn:
            rows: dict[str, list[dict[str, Any]]] = {}
            for model in TABLES:
                table = models.table_of(model)
                rows[model.__name__] = [dict(row._mapping) for row in conn.execute(
                    select(table).where(table.c.person_id == PERSON).order_by(table.c.id))]
            return rows
    finally:
        archive.close()


@pytest.mark.slow
def test_every_row_of_the_interview_comes_back_field_for_field(round_trip: dict[str, Path]) -> None:
    before, after = _rows(round_trip["home"]), _rows(round_trip["back"])
    # the interview is now documented by the OHMS file it came from (kept in sources/)
    [interview] = after["Interview"]
    assert interview.pop("source").startswith("ohms-") and interview.pop("locator").startswith("OHMS record ")
    before["Interview"][0].pop("source"), before["Interview"][0].pop("locator")
    assert {name: len(rows) for name, rows in after.items()} == {"Interview": 1, "Recording": 1,
                                                                 "TranscriptSegment": 4, "IndexPoint": 2}
    for table, rows in before.items():
        for old, new in zip(rows, after[table], strict=True):
            assert {k: v for k, v in new.items() if v != old[k]} == {}, f"{table} {old['id']}"


def test_ohms_fields_carry_what_ohms_can_hold(round_trip: dict[str, Path]) -> None:
    """The second language in the ``_alt`` fields, the interpreter as a class of the cue's voice,
    each index point's whole second in ``time``: an OHMS viewer shows them without the extension."""
    [record] = ohms.read_ohms(round_trip["xml"])
    assert [(p.time, p.fields["title"], p.fields["title_alt"]) for p in ohms.read_ohms(round_trip["xml"])[0].points] \
        == [(0.25, "Начало", "Opening"), (10.75, "Перевод", "Interpreted")]
    root = etree.parse(str(round_trip["xml"])).getroot()
    assert [t.text for t in root.iter("{*}time")] == ["0", "10"]
    assert "<v.interpreter Go-between (synthetic)>Ответ в переводе." in record.fields["vtt_transcript"]
    assert "<v.interpreter Go-between (synthetic)>The answer, interpreted." in record.fields["vtt_transcript_alt"]
    assert "<v Asker (synthetic)>A synthetic question." in record.fields["vtt_transcript_alt"]  # the record names them
    assert record.fields["transcript_alt_lang"] == "en" and record.fields["translate"] == "1"


def _edited(round_trip: dict[str, Path], tmp_path: Path, old: str, new: str) -> Path:
    text = round_trip["xml"].read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "edited.xml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_an_ohms_field_edited_after_export_wins_over_the_extension(round_trip: dict[str, Path],
                                                                   tmp_path: Path) -> None:
    path = _edited(round_trip, tmp_path, "<time>10</time>", "<time>42</time>")
    path.write_text(path.read_text(encoding="utf-8").replace("<title>Синтетическое двуязычное интервью</title>",
                                                             "<title>Edited title</title>"), encoding="utf-8")
    [record] = ohms.read_ohms(path)
    assert [p.time for p in record.points] == [0.25, 42.0]
    interview = ohms.interview_import(record).interview
    assert interview["title"] == {"ru": "Edited title"}


def test_an_extension_that_is_not_json_is_one_line(round_trip: dict[str, Path], tmp_path: Path) -> None:
    path = _edited(round_trip, tmp_path, '<?red-soul-archive {"start": 0.25}?>', "<?red-soul-archive {start?>")
    result = CliRunner().invoke(main, ["import-ohms", str(path), "--into", str(tmp_path / "collection")])
    assert result.exit_code == 1
    line = result.output.splitlines()[0]
    assert line.startswith(f"error: {path}:25: the <?red-soul-archive?> instruction is not JSON")
    assert not (tmp_path / "collection").exists()
