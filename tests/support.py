"""Paths and helpers the tests share (imported as ``tests.support``)."""

from __future__ import annotations

import importlib.util
import io
import shutil
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def make_access_collection(target: Path) -> Path:
    """The synthetic collection plus the access-level people (pseudonym, private notes, restricted
    and embargoed records carrying marker words; see fixtures/access/README.md)."""
    shutil.copytree(FIXTURES / "collection", target)
    for person in (FIXTURES / "access").glob("*.yaml"):
        shutil.copy(person, target / "people" / person.name)
    return target


EXAMPLE = ROOT / "examples" / "synthetic-interview"  # the synthetic example interview collection


def load_generator() -> ModuleType:
    """``examples/make_audio.py`` as a module (examples/ is not a package): the generator of the
    example's audio (espeak-ng and sox), as a user runs it."""
    spec = importlib.util.spec_from_file_location("make_audio", ROOT / "examples" / "make_audio.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def import_into(home: Path, collection: Path) -> Path:
    """A new archive home at ``home`` holding ``collection``, closed again (its files complete on disk)."""
    from archive.facade import Archive

    archive = Archive.open(home)
    try:
        archive.import_collection(collection)
    finally:
        archive.close()
    return home


def copy_home(source: Path, target: Path) -> Path:
    """A copy of a closed archive home (its SQLite file and search index), for a test that writes to it."""
    shutil.copytree(source, target)
    return target


def home_with_users(source: Path, target: Path, users: dict[str, str], password: str) -> Path:
    """A copy of the imported home ``source`` at ``target`` with accounts added ({name: role}),
    each with ``password``: for tests of logins, sessions and tokens."""
    from archive.access import accounts
    from archive.facade import Archive

    copy_home(source, target)
    archive = Archive.open(target)
    try:
        for name, role in users.items():
            accounts.add_user(archive.engine, name, role, password)
    finally:
        archive.close()
    return target


def viewer_client(home: Path, viewer: str):  # type: ignore[no-untyped-def]
    """A test client of the site over ``home`` that answers every request as ``viewer`` (a role:
    ``ARCHIVE_VIEWER``), rate limits off."""
    from webapp import create_app

    app = create_app({"ARCHIVE_HOME": str(home), "TESTING": True, "SECRET_KEY": "viewer-client-test-key-0123456789",
                      "RATELIMIT_ENABLED": False, "ARCHIVE_VIEWER": viewer})
    return app.test_client()


def response_text(response: Any) -> str:
    """A response's body as text; a zip (a Data Package) as the text of every file in it."""
    body = response.get_data()
    if body[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(body)) as zipped:
            return "\n".join(zipped.read(name).decode("utf-8", "replace") for name in zipped.namelist())
    return body.decode("utf-8", "replace")
