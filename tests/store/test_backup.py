"""``archive backup`` and ``archive restore``: a consistent pair while the site serves, verified on restore."""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from archive.backup import DATABASE_FILE, MANIFEST, BackupError, backup, restore, sqlite_path, verify
from archive.cli.main import main
from archive.facade import Archive
from archive.search.request import SearchRequest
from archive.settings import resolve
from archive.store import models
from webapp import create_app
from webapp.i18n import compile_catalogues

pytestmark = pytest.mark.slow  # backups and restores while serving and importing

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
GREY = "en: We lived in camps, and everything was grey."
PEWTER = "en: We lived in camps, and everything was pewter."


@pytest.fixture
def served(tmp_path):
    """An archive with the fixture collection, and the site over it."""
    home = tmp_path / "home"
    archive = Archive.open(home)
    archive.import_collection(FIXTURES / "collection")
    archive.close()
    compile_catalogues()
    app = create_app({"ARCHIVE_HOME": str(home), "TESTING": True})
    yield home, app
    app.extensions["archive"].close()


def _camps_text(archive: Archive) -> str:
    with archive.engine.connect() as conn:
        return conn.scalar(select(models.QuoteText.text).where(models.QuoteText.quote_id == "anna-camps",
                                                               models.QuoteText.lang == "en"))


def test_backup_while_serving_and_importing_restores_a_consistent_pair(served, tmp_path):
    home, app = served
    versions = {}
    for name, text in (("grey", GREY), ("pewter", PEWTER)):
        versions[name] = tmp_path / name
        shutil.copytree(FIXTURES / "collection", versions[name])
        anna = versions[name] / "people" / "anna-synthetic.yaml"
        anna.write_text(anna.read_text(encoding="utf-8").replace(GREY, text), encoding="utf-8")
    errors: list[BaseException] = []
    stop, importing = threading.Event(), threading.Event()
    imports = []

    def reader() -> None:  # a visitor of the site, all along
        client = app.test_client(use_cookies=False)
        while not stop.is_set():
            try:
                for url in ("/search?q=camps", "/people", "/people/anna-synthetic"):
                    assert client.get(url).status_code == 200, url
            except BaseException as exc:  # noqa: BLE001 - any failure is the test's finding
                errors.append(exc)
                return

    def importer() -> None:  # an archivist re-importing, all along (another Archive: as another process would)
        archive = Archive.open(home)
        try:
            while not stop.is_set():
                for name in ("pewter", "grey"):
                    archive.import_collection(versions[name])
                    imports.append(name)
                    importing.set()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            archive.close()

    threads = [threading.Thread(target=reader), threading.Thread(target=importer)]
    for thread in threads:
        thread.start()
    manifests = []
    try:
        assert importing.wait(60)
        serving = app.extensions["archive"]  # the site's own Archive, as `archive backup` would open one
        for k in range(3):
            manifests.append(backup(serving, tmp_path / f"backup-{k}"))
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert not errors, errors
    assert len(imports) >= 2
    for k, manifest in enumerate(manifests):
        assert manifest["counts"]["people"] == 2 and manifest["counts"]["documents"] == 11
        result = restore(tmp_path / f"backup-{k}", resolve(tmp_path / f"restored-{k}"))
        assert result.check.ok, result.check.problems
        restored = Archive.open(tmp_path / f"restored-{k}")
        try:
            text = _camps_text(restored)
            assert text.endswith(("grey.", "pewter.")), text
            word = text.rsplit(" ", 1)[1].rstrip(".")
            found = restored.search(SearchRequest(query=word))
            assert not found.corrected_query and "anna-camps" in {h.id for h in found.hits}
            assert restored.search(SearchRequest(query="Stalin")).total > 0
            assert restored.check_index().ok
        finally:
            restored.close()


def test_cli_round_trip_into_a_fresh_home(tmp_path):
    runner = CliRunner()
    home, fresh, dest = str(tmp_path / "home"), str(tmp_path / "fresh"), str(tmp_path / "backup")
    assert runner.invoke(main, ["--home", home, "import", str(FIXTURES / "collection")]).exit_code == 0
    result = runner.invoke(main, ["--home", home, "backup", dest])
    assert result.exit_code == 0, result.output
    assert "2 people, 6 quotes and 11 search documents" in result.output
    manifest = json.loads((Path(dest) / MANIFEST).read_text())
    assert set(manifest) >= {"created", "app_version", "build", "counts", "files"}
    result = runner.invoke(main, ["--home", fresh, "restore", dest])
    assert result.exit_code == 0, result.output
    assert "search index: consistent with the database (11 documents)" in result.output
    assert runner.invoke(main, ["--home", fresh, "check", str(FIXTURES / "collection")]).exit_code == 0
    result = runner.invoke(main, ["--home", fresh, "search", "лагерь"])
    assert result.exit_code == 0 and "anna-camps" in result.output
    # the home now holds an archive: replacing it must be asked for
    result = runner.invoke(main, ["--home", fresh, "restore", dest])
    assert result.exit_code == 1 and "--replace" in result.output
    assert runner.invoke(main, ["--home", fresh, "restore", dest, "--replace"]).exit_code == 0


def test_restore_replaces_a_changed_archive(tmp_path):
    home = tmp_path / "home"
    archive = Archive.open(home)
    archive.import_collection(FIXTURES / "collection")
    backup(archive, tmp_path / "backup")
    changed = tmp_path / "changed"
    shutil.copytree(FIXTURES / "collection", changed)
    anna = changed / "people" / "anna-synthetic.yaml"
    anna.write_text(anna.read_text(encoding="utf-8").replace(GREY, PEWTER), encoding="utf-8")
    archive.import_collection(changed)
    assert _camps_text(archive).endswith("pewter.")
    archive.close()
    result = restore(tmp_path / "backup", resolve(home), replace=True)
    assert result.check.ok, result.check.problems
    again = Archive.open(home)
    try:
        assert _camps_text(again).endswith("grey.")
        found = again.search(SearchRequest(query="pewter"))
        assert found.corrected_query or "anna-camps" not in {h.id for h in found.hits}
        assert "anna-camps" in {h.id for h in again.search(SearchRequest(query="grey")).hits}
    finally:
        again.close()


def test_backup_refuses_a_folder_that_is_not_empty(tmp_path):
    archive = Archive.open(tmp_path / "home")
    archive.import_collection(FIXTURES / "collection")
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "keep.txt").write_text("mine")
    with pytest.raises(BackupError, match="not an empty folder"):
        backup(archive, dest)
    assert sorted(p.name for p in dest.iterdir()) == ["keep.txt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert backup(archive, empty)["counts"]["quotes"] == 6  # an empty folder is fine
    archive.close()
    result = CliRunner().invoke(main, ["--home", str(tmp_path / "home"), "backup", str(dest)])
    assert result.exit_code == 1 and "not an empty folder" in result.output


@pytest.fixture
def a_backup(tmp_path) -> Path:
    archive = Archive.open(tmp_path / "home")
    archive.import_collection(FIXTURES / "collection")
    backup(archive, tmp_path / "backup")
    archive.close()
    return tmp_path / "backup"


def _refused(a_backup: Path, tmp_path: Path, match: str) -> None:
    target = tmp_path / "target"
    with pytest.raises(BackupError, match=match):
        restore(a_backup, resolve(target))
    assert not (target / DATABASE_FILE).exists(), "a refused restore changes nothing"


def test_a_damaged_database_is_refused(a_backup, tmp_path):
    database = a_backup / DATABASE_FILE
    data = bytearray(database.read_bytes())
    data[len(data) // 2] ^= 0xFF
    database.write_bytes(bytes(data))
    _refused(a_backup, tmp_path, "damaged: archive.sqlite3 does not match its checksum")


def test_a_database_that_fails_integrity_check_is_refused_even_with_a_matching_checksum(a_backup, tmp_path):
    database = a_backup / DATABASE_FILE
    data = bytearray(database.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    data[page_size + 3: page_size + 5] = (99).to_bytes(2, "big")  # page 2 claims 99 cells it does not have
    database.write_bytes(bytes(data))
    manifest_path = a_backup / MANIFEST
    manifest = json.loads(manifest_path.read_text())
    manifest["files"][DATABASE_FILE] = hashlib.sha256(bytes(data)).hexdigest()
    manifest_path.write_text(json.dumps(manifest))
    _refused(a_backup, tmp_path, "fails SQLite's integrity_check: On tree page 2")


def test_a_missing_index_build_or_manifest_is_refused(a_backup, tmp_path):
    manifest = json.loads((a_backup / MANIFEST).read_text())
    shutil.rmtree(a_backup / "index" / manifest["build"])
    _refused(a_backup, tmp_path, "incomplete")
    (a_backup / MANIFEST).unlink()
    _refused(a_backup, tmp_path, "no manifest.json")
    result = CliRunner().invoke(main, ["--home", str(tmp_path / "target"), "restore", str(a_backup)])
    assert result.exit_code == 1 and "not a complete backup" in result.output


def test_a_valid_backup_verifies(a_backup):
    assert verify(a_backup)["counts"]["documents"] == 11


def test_only_sqlite_is_handled():
    with pytest.raises(BackupError, match="SQLite database files only") as caught:
        sqlite_path("postgresql://archivist:secret@db.example/archive")
    assert "secret" not in str(caught.value)
    assert sqlite_path("sqlite:////tmp/x/archive.sqlite3") == Path("/tmp/x/archive.sqlite3")
    result = CliRunner().invoke(main, ["--database-url", "postgresql://u:p@h/db", "backup", "/tmp/never"])
    assert result.exit_code == 1 and "SQLite database files only" in result.output


# --- names taken from a backup ------------------------------------------------------------------


def _rewrite_manifest(backup_folder: Path, change) -> None:  # type: ignore[no-untyped-def]
    manifest_path = backup_folder / MANIFEST
    manifest = json.loads(manifest_path.read_text())
    change(manifest)
    manifest_path.write_text(json.dumps(manifest))


def _craft_escaping_build(tmp_path: Path) -> tuple[Path, Path]:
    """A backup (made by code, of the synthetic fixture) whose database and manifest name the index
    build ``../../victim``, with every checksum right; and a victim folder outside the restore's home
    that such a name reaches. Returns (backup folder, victim folder)."""
    archive = Archive.open(tmp_path / "home")
    archive.import_collection(FIXTURES / "collection")
    crafted = tmp_path / "crafted" / "backup"
    backup(archive, crafted)
    archive.close()
    build = json.loads((crafted / MANIFEST).read_text())["build"]
    evil = "../../victim"
    # the backup's own copy of the build, where the crafted name leads from inside the backup
    shutil.move(str(crafted / "index" / build), str(crafted / "index" / evil))
    import sqlite3

    with sqlite3.connect(crafted / DATABASE_FILE) as conn:
        conn.execute("UPDATE index_state SET build = ? WHERE id = 1", (evil,))
    (crafted / "index" / "CURRENT").write_text(evil)

    def point_at_the_victim(manifest) -> None:  # type: ignore[no-untyped-def]
        manifest["build"] = evil
        manifest["files"] = {name.replace(f"index/{build}/", f"index/{evil}/"): digest
                             for name, digest in manifest["files"].items()}
        for name in (DATABASE_FILE, "index/CURRENT"):
            manifest["files"][name] = hashlib.sha256((crafted / name).read_bytes()).hexdigest()

    _rewrite_manifest(crafted, point_at_the_victim)
    victim = tmp_path / "victim"  # <restore home>/index/../../victim
    victim.mkdir()
    (victim / "precious.txt").write_text("not the archive's")
    return crafted, victim


def test_a_backup_naming_a_build_outside_the_index_is_refused_and_touches_nothing(tmp_path):
    crafted, victim = _craft_escaping_build(tmp_path)
    target = tmp_path / "target"
    with pytest.raises(BackupError, match=r"index build .*\.\./\.\./victim.* not a build name"):
        restore(crafted, resolve(target))
    assert (victim / "precious.txt").read_text() == "not the archive's"
    assert sorted(p.name for p in victim.iterdir()) == ["precious.txt"]
    assert not (target / DATABASE_FILE).exists()
    result = CliRunner().invoke(main, ["--home", str(target), "restore", str(crafted)])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "not a build name" in result.output, result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in victim.iterdir()) == ["precious.txt"]


@pytest.mark.parametrize("name", ["../outside.txt", "/etc/hostname", "index/../../outside.txt",
                                  "index\\..\\x", "index/CURRENT/../../x", "stray.txt", ""])
def test_a_manifest_naming_a_file_outside_the_backup_is_refused(a_backup, tmp_path, name):
    _rewrite_manifest(a_backup, lambda manifest: manifest["files"].__setitem__(name, "0" * 64))
    _refused(a_backup, tmp_path, "names the file")


def test_a_symlink_in_a_backup_is_refused(a_backup, tmp_path):
    build = json.loads((a_backup / MANIFEST).read_text())["build"]
    outside = tmp_path / "outside.txt"
    outside.write_text("secret of another user")
    (a_backup / "index" / build / "linked").symlink_to(outside)

    def list_it(manifest) -> None:  # type: ignore[no-untyped-def]
        manifest["files"][f"index/{build}/linked"] = hashlib.sha256(outside.read_bytes()).hexdigest()

    _rewrite_manifest(a_backup, list_it)
    _refused(a_backup, tmp_path, "symbolic link")
