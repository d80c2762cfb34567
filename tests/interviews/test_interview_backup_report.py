"""``archive backup`` says how many recordings it copied, and warns of each one it could not (its file
gone since the import): the backup is made, and the archivist knows what it lacks."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from archive.cli.main import main
from tests.interviews.conftest import INTERVIEW_ID, PERSON_ID
from tests.support import import_into

RECORDING = f"{PERSON_ID}/{INTERVIEW_ID}/part-1"
WAV = "media/synthetic-interview-1.wav"


def _backup(home: Path, dest: Path) -> Result:
    result = CliRunner().invoke(main, ["--home", str(home), "backup", str(dest)])
    assert result.exit_code == 0, result.output  # the backup is made either way
    return result


@pytest.mark.slow
def test_a_backup_says_how_many_recordings_it_copied(example_collection: Path, tmp_path: Path) -> None:
    home = import_into(tmp_path / "home", example_collection)
    result = _backup(home, tmp_path / "backup")
    assert "copied 1 recording the archive serves" in result.stdout
    assert "warning" not in result.stderr


def test_a_backup_warns_of_each_recording_whose_file_is_gone(example_collection: Path, tmp_path: Path) -> None:
    home = import_into(tmp_path / "home", example_collection)
    (example_collection / WAV).unlink()
    result = _backup(home, tmp_path / "backup")
    assert "copied 0 recordings the archive serves" in result.stdout
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and RECORDING in warnings[0] and "no copy" in warnings[0]
