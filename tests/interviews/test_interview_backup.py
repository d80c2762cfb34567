"""``archive backup`` holds the recordings the archive serves from the collection folder (by their
checksum), and ``archive restore`` serves them from the home, even where the collection is gone."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.backup import MANIFEST, BackupError, verify
from archive.cli.main import main
from tests.interviews.conftest import INTERVIEW_ID, PERSON_ID
from tests.support import import_into
from webapp import create_app

RECORDING = f"{PERSON_ID}/{INTERVIEW_ID}/part-1"
MEDIA = f"/media/{PERSON_ID}/{INTERVIEW_ID}/part-1"
WAV = "media/synthetic-interview-1.wav"


def _archive(*args: str) -> None:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output


@pytest.mark.slow
def test_a_backup_holds_the_recordings_and_a_restore_serves_them(example_collection: Path, tmp_path: Path) -> None:
    audio = (example_collection / WAV).read_bytes()
    home = import_into(tmp_path / "home", example_collection)
    _archive("--home", str(home), "backup", str(tmp_path / "backup"))
    manifest = json.loads((tmp_path / "backup" / MANIFEST).read_text(encoding="utf-8"))
    name = manifest["media"]["recordings"][RECORDING]
    assert manifest["media"]["missing"] == []
    assert (tmp_path / "backup" / name).read_bytes() == audio and name in manifest["files"]
    assert oct((tmp_path / "backup" / name).stat().st_mode & 0o777) == "0o600"  # it may be a withheld recording

    shutil.rmtree(example_collection)  # the collection folder is gone: the restored archive serves the backup's copy
    restored = tmp_path / "restored"
    _archive("--home", str(restored), "restore", str(tmp_path / "backup"))
    assert (restored / name).read_bytes() == audio
    app = create_app({"ARCHIVE_HOME": str(restored), "TESTING": True})
    try:
        response = app.test_client().get(MEDIA, headers={"Range": "bytes=0-3"})
        assert response.status_code == 206 and response.get_data() == audio[:4]
    finally:
        app.extensions["archive"].close()


def test_a_recording_whose_file_is_gone_is_named_in_the_manifest(example_collection: Path, tmp_path: Path) -> None:
    home = import_into(tmp_path / "home", example_collection)
    (example_collection / WAV).unlink()
    _archive("--home", str(home), "backup", str(tmp_path / "backup"))
    manifest = verify(tmp_path / "backup")
    assert manifest["media"] == {"recordings": {}, "missing": [RECORDING]}


@pytest.mark.slow
def test_a_crafted_media_name_is_refused(example_collection: Path, tmp_path: Path) -> None:
    home = import_into(tmp_path / "home", example_collection)
    _archive("--home", str(home), "backup", str(tmp_path / "backup"))
    path = tmp_path / "backup" / MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    [digest] = [d for n, d in manifest["files"].items() if n.startswith("media/")]
    manifest["files"]["media/../../victim"] = digest
    path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(BackupError, match="which a backup does not hold"):
        verify(tmp_path / "backup")
