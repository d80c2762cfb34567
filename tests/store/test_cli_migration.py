"""Migrating recordings in and out from the command line: OHMS XML, WebVTT, SRT."""

from __future__ import annotations

from pathlib import Path

import pytest
import srt
import webvtt
from click.testing import CliRunner
from lxml import etree

from archive.cli.main import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.mark.slow
def test_import_ohms_then_load_and_export_back(tmp_path):
    runner = CliRunner()
    collection = tmp_path / "ohms-collection"
    result = runner.invoke(main, ["import-ohms", str(FIXTURES / "ohms" / "alyea_OH0010.xml"),
                                  "--into", str(collection)])
    assert result.exit_code == 0, result.output
    assert "1 interview(s), 0 transcript segment(s), 15 index point(s)" in result.output
    home = str(tmp_path / "home")
    assert runner.invoke(main, ["--home", home, "import", str(collection)]).exit_code == 0
    person = next((collection / "people").glob("*.yaml")).stem
    out = tmp_path / "back.xml"
    result = runner.invoke(main, ["--home", home, "export-recording", person, "--format", "ohms", "-o", str(out)])
    assert result.exit_code == 0, result.output
    schema = etree.XMLSchema(etree.parse(str(FIXTURES / "schemas" / "ohms" / "ohms.xsd")))
    doc = etree.parse(str(out))
    schema.assertValid(doc)
    points = doc.findall(".//{*}point")
    assert len(points) == 15


def test_subtitles_in_and_out(tmp_path):
    runner = CliRunner()
    collection = tmp_path / "subs"
    source = tmp_path / "talk.srt"
    source.write_text("1\n00:00:01,000 --> 00:00:04,500\nSynthetic first cue.\n\n"
                      "2\n00:00:05,000 --> 00:00:09,000\nSynthetic second cue.\n", encoding="utf-8")
    result = runner.invoke(main, ["import-subtitles", str(source), "--into", str(collection),
                                  "--person", "synthetic-speaker", "--name", "Synthetic Speaker",
                                  "--interview", "talk-1", "--language", "en"])
    assert result.exit_code == 0, result.output
    home = str(tmp_path / "home")
    assert runner.invoke(main, ["--home", home, "import", str(collection)]).exit_code == 0
    vtt = runner.invoke(main, ["--home", home, "export-recording", "synthetic-speaker", "--format", "vtt"])
    cues = list(webvtt.from_string(vtt.output))
    assert [(c.start, c.end, c.text) for c in cues] == [("00:00:01.000", "00:00:04.500", "Synthetic first cue."),
                                                        ("00:00:05.000", "00:00:09.000", "Synthetic second cue.")]
    srt_out = runner.invoke(main, ["--home", home, "export-recording", "synthetic-speaker", "--format", "srt"]).output
    assert [s.content for s in srt.parse(srt_out)] == ["Synthetic first cue.", "Synthetic second cue."]


def test_a_bad_subtitle_file_is_refused_with_its_line(tmp_path):
    bad = tmp_path / "bad.vtt"
    bad.write_text("WEBVTT\n\n00:00:01,000 --> 00:00:02.000\nhello\n", encoding="utf-8")
    collection = tmp_path / "subs"
    result = CliRunner().invoke(main, ["import-subtitles", str(bad), "--into", str(collection), "--person", "x",
                                       "--name", "X", "--interview", "i", "--language", "en"])
    assert result.exit_code == 1
    assert "bad.vtt:3: cue 1:" in result.output and "nothing was written" in result.output
    assert not (collection / "people").exists()


def test_export_recording_of_a_withheld_person_is_refused(tmp_path):
    runner = CliRunner()
    home = str(tmp_path / "home")
    assert runner.invoke(main, ["--home", home, "import", str(FIXTURES / "collection")]).exit_code == 0
    result = runner.invoke(main, ["--home", home, "export-recording", "boris-synthetic", "--format", "vtt"])
    assert result.exit_code == 1 and "no person 'boris-synthetic'" in result.output
