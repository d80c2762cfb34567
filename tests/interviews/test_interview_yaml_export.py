"""The collection YAML export writes interviews whole, as the viewer may see them: title, recordings
(with their media files), transcript, index points and the holding archive's catalogue record.
Importing the export gives the same interview; an anonymous export leaves out a withheld passage
and everything of a withheld recording, a researcher's keeps what researchers may see."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import col

from archive.access.visibility import ANONYMOUS, Viewer, may_read_field, viewer_for
from archive.catalogue.result_sets import ResultSet
from archive.facade import Archive
from archive.interchange.exports import export
from archive.store import models
from tests.interviews.conftest import PERSON_FILE
from tests.support import import_into

BASE = "https://archive.example.org"
INTERVIEW = "narrator-synthetic/synthetic-interview-1"
RECORDING = f"{INTERVIEW}/part-1"
MEDIA = Path("media") / "synthetic-interview-1.wav"
RESEARCHER, ARCHIVIST = viewer_for("researcher"), viewer_for("archivist")
RIGHTS_HOLDER = "          holder: Synthetic example (no rights holder; generated)\n"
CATALOGUE = """    catalogue:
      accession: SYN-0001
      collection: {id: synthetic-collection, name: Synthetic collection}
      series: {name: Synthetic series}
      funding: Nobody (synthetic)
      usage: Synthetic example; use freely.
      format: [Audio file (synthetic)]
      file_name: synthetic-interview-1.wav
"""
INTERVIEW_TABLES = (models.Interview, models.Recording, models.TranscriptSegment, models.IndexPoint)
NOT_COMPARED = {"media_path"}  # where the import found the file: another folder each time


def _edit(collection: Path, old: str, new: str) -> None:
    person = collection / PERSON_FILE
    text = person.read_text(encoding="utf-8")
    assert text.count(old) == 1
    person.write_text(text.replace(old, new), encoding="utf-8")


def _with_catalogue(collection: Path) -> Path:
    _edit(collection, "    source: synthetic-recording\n    recordings:\n",
          f"    source: synthetic-recording\n{CATALOGUE}    recordings:\n")
    return collection


def _rows(home: Path, viewer: Viewer = ARCHIVIST) -> dict[str, list[dict[str, Any]]]:
    """The interview tables' rows, each field as ``viewer`` may read it, and the quotes' spans."""
    archive = Archive.open(home)
    try:
        with archive.engine.connect() as conn:
            found: dict[str, list[dict[str, Any]]] = {}
            for table in INTERVIEW_TABLES:
                sa_table = table.__table__  # type: ignore[attr-defined, union-attr]
                found[sa_table.name] = [
                    {k: (v if may_read_field(viewer, k) else None) for k, v in row._mapping.items()
                     if k not in NOT_COMPARED} for row in conn.execute(select(sa_table).order_by("id"))]
            found["quote_span"] = [dict(row._mapping) for row in conn.execute(
                select(col(models.Quote.id), col(models.Quote.span_recording), col(models.Quote.span_start),
                       col(models.Quote.span_end)))]
        return found
    finally:
        archive.close()


def _round_trip(home: Path, viewer: Viewer, tmp_path: Path) -> tuple[Path, Path]:
    """The YAML export of ``home`` as ``viewer`` (a folder) and a new home it was imported into."""
    folder = tmp_path / f"export-{viewer.role}"
    archive = Archive.open(home)
    try:
        report = export(archive, ResultSet.collection(), "yaml", viewer, folder, BASE)
    finally:
        archive.close()
    assert report.warnings == []
    return folder, import_into(tmp_path / f"again-{viewer.role}", folder)


@pytest.mark.slow
def test_an_archivists_export_gives_the_same_interview(example_collection: Path, tmp_path: Path) -> None:
    home = import_into(tmp_path / "home", _with_catalogue(example_collection))
    folder, again = _round_trip(home, ARCHIVIST, tmp_path)
    assert _rows(again) == _rows(home)
    assert _rows(home)["interview"][0]["catalogue"]["accession"] == "SYN-0001"  # the catalogue was there to keep
    assert (folder / MEDIA).read_bytes() == (example_collection / MEDIA).read_bytes()


@pytest.mark.slow
def test_a_researchers_export_keeps_what_researchers_may_see(example_collection: Path, tmp_path: Path) -> None:
    home = import_into(tmp_path / "home", _with_catalogue(example_collection))
    folder, again = _round_trip(home, RESEARCHER, tmp_path)
    assert _rows(again, RESEARCHER) == _rows(home, RESEARCHER)
    assert len(_rows(again)["transcript_segment"]) == 6  # the withheld passage too, still withheld
    person = (folder / PERSON_FILE).read_text(encoding="utf-8")
    assert "This passage is withheld" in person


@pytest.mark.slow
def test_an_anonymous_export_leaves_out_the_withheld_passage(example_collection: Path, tmp_path: Path) -> None:
    home = import_into(tmp_path / "home", _with_catalogue(example_collection))
    folder, again = _round_trip(home, ANONYMOUS, tmp_path)
    assert "This passage is withheld" not in (folder / PERSON_FILE).read_text(encoding="utf-8")
    before, after = _rows(home), _rows(again)
    assert after["interview"] == before["interview"] and after["index_point"] == before["index_point"]
    assert after["recording"] == before["recording"] and after["quote_span"] == before["quote_span"]

    def passages(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        return [(r["start_seconds"], r["end_seconds"], r["speaker_name"], r["speaker_role"], r["original_language"],
                 r["text"]) for r in sorted(rows, key=lambda r: r["position"]) if r["visibility"] == "public"]

    assert len(after["transcript_segment"]) == 5
    assert passages(after["transcript_segment"]) == passages(before["transcript_segment"])


@pytest.mark.slow
def test_a_withheld_recording_leaves_the_anonymous_export_whole(example_collection: Path, tmp_path: Path) -> None:
    _edit(example_collection, RIGHTS_HOLDER,
          RIGHTS_HOLDER + "        visibility: {status: restricted, reason: synthetic}\n")
    home = import_into(tmp_path / "home", example_collection)
    folder, again = _round_trip(home, ANONYMOUS, tmp_path)
    assert not (folder / MEDIA).exists()
    after = _rows(again)
    assert after["recording"] == [] and after["transcript_segment"] == [] and after["index_point"] == []
    assert after["interview"] == _rows(home)["interview"]  # the interview itself is public
    assert after["quote_span"][0]["span_recording"] is None  # the quote stays, without the withheld span
    folder, again = _round_trip(home, RESEARCHER, tmp_path)
    assert (folder / MEDIA).read_bytes() == (example_collection / MEDIA).read_bytes()
    assert _rows(again, RESEARCHER) == _rows(home, RESEARCHER)


@pytest.mark.slow
def test_a_recording_whose_file_is_gone_is_a_warning(example_collection: Path, tmp_path: Path) -> None:
    home = import_into(tmp_path / "home", example_collection)
    (example_collection / MEDIA).unlink()
    archive = Archive.open(home)
    try:
        report = export(archive, ResultSet.collection(), "yaml", ARCHIVIST, tmp_path / "export", BASE)
    finally:
        archive.close()
    assert len(report.warnings) == 1 and RECORDING in report.warnings[0] and str(MEDIA) in report.warnings[0]
    assert not (tmp_path / "export" / MEDIA).exists()
    assert f"file: {MEDIA}" in (tmp_path / "export" / PERSON_FILE).read_text(encoding="utf-8")  # still named
