"""Owner-only files and a real secret key: the rate-limit file and backups are readable by their
owner only whatever the umask (they hold login addresses and every withheld record), and a weak
secret key (short, few distinct characters, a piece repeated) stops the site with the reason."""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from archive.backup import DATABASE_FILE, backup, restore
from archive.facade import Archive
from archive.settings import resolve
from tests.support import copy_home
from webapp import create_app
from webapp.rate_limits import FILE_NAME as RATE_LIMIT_FILE

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "collection"


@pytest.fixture
def umask_022() -> Iterator[None]:
    """The usual umask, under which a file made without a mode is world-readable (0644)."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def home(tmp_path: Path, imported_fixture_home: Path) -> Path:
    return copy_home(imported_fixture_home, tmp_path / "home")


@pytest.mark.slow
def test_the_rate_limit_file_is_owner_only(umask_022: None, home: Path) -> None:
    app = create_app({"ARCHIVE_HOME": str(home), "TESTING": True, "WTF_CSRF_ENABLED": False})
    try:
        app.test_client().post("/login", data={"name": "nobody", "password": "not the password"})
        files = sorted(home.glob(RATE_LIMIT_FILE + "*"))
        assert files and files[0].name == RATE_LIMIT_FILE
        assert {f.name: _mode(f) for f in files} == {f.name: 0o600 for f in files}
    finally:
        app.extensions["archive"].close()


def test_a_backup_and_a_restored_database_are_owner_only(umask_022: None, home: Path, tmp_path: Path) -> None:
    archive = Archive.open(home)
    try:
        backup(archive, tmp_path / "backup")
        given = tmp_path / "given"
        given.mkdir(mode=0o755)  # an empty folder made by the archivist
        backup(archive, given)
    finally:
        archive.close()
    for folder in (tmp_path / "backup", tmp_path / "given"):
        everything = [folder, *folder.rglob("*")]
        assert {p.relative_to(folder).as_posix(): _mode(p) for p in everything} == {
            p.relative_to(folder).as_posix(): 0o700 if p.is_dir() else 0o600 for p in everything}
    fresh = tmp_path / "fresh"
    restore(tmp_path / "backup", resolve(fresh))
    assert _mode(fresh) == 0o700 and _mode(fresh / DATABASE_FILE) == 0o600


WEAK = ["a" * 16, "x" * 64, "abcd" * 4, "0123456789abcdef" * 2, "aaaaaaaaaaaaaaab", "Secret-Key"]


@pytest.mark.parametrize("key", WEAK)
def test_a_weak_secret_key_is_refused_with_the_reason(home: Path, key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ARCHIVE_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match=r"create_app is weak: it (has too few|is a piece|is too short|is a well)"):
        create_app({"ARCHIVE_HOME": str(home), "SECRET_KEY": key})
    monkeypatch.setenv("ARCHIVE_SECRET_KEY", key)
    with pytest.raises(RuntimeError, match="the ARCHIVE_SECRET_KEY environment variable is weak"):
        create_app({"ARCHIVE_HOME": str(home)})


def test_a_weak_key_file_is_refused(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ARCHIVE_SECRET_KEY", raising=False)
    (home / "secret_key").write_text("k" * 32 + "\n")
    with pytest.raises(RuntimeError) as refused:
        create_app({"ARCHIVE_HOME": str(home)})
    assert f"{home / 'secret_key'} is weak: it has too few distinct characters (1)" in str(refused.value)


RANDOM_KEYS = {"hex-32": lambda: secrets.token_hex(32), "urlsafe-32": lambda: secrets.token_urlsafe(32),
               "hex-8": lambda: secrets.token_hex(8), "the browser tests' key": lambda: "browser-test-key-0123456789"}


@pytest.mark.parametrize("kind", RANDOM_KEYS)
def test_a_random_secret_key_is_accepted(home: Path, kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    key = RANDOM_KEYS[kind]()  # made in the test: every xdist worker collects the same test names
    monkeypatch.delenv("ARCHIVE_SECRET_KEY", raising=False)
    app = create_app({"ARCHIVE_HOME": str(home), "SECRET_KEY": key})
    try:
        assert app.config["SECRET_KEY"] == key
    finally:
        app.extensions["archive"].close()
