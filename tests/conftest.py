"""Shared fixtures: real temporary archives (SQLite file + index folder) per test, and the lanes.

Lanes (markers registered in pyproject.toml): a test that uses the ``browser`` fixture is
``browser``; every test under tests/perf is ``perf``; ``slow`` is set in the test files (a module's
``pytestmark`` or one test's mark) on the tests that take seconds. ``make check`` runs the rest.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from archive.facade import Archive
from tests.support import DATA, EXAMPLE, FIXTURES, import_into, load_generator, make_access_collection

PERF = Path(__file__).resolve().parent / "perf"

# the throw-away PostgreSQL server (the fixtures ``postgres_server`` and ``postgresql_url``), and
# the browser and the served sites of the browser tests (``browser``, ``page``, ``fixture_site``,
# ``red_soul_site``), once per session
pytest_plugins = ("tests.postgres_server", "tests.browser")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
        if item.path.is_relative_to(PERF):
            item.add_marker(pytest.mark.perf)
        if _needs_postgresql(item):
            item.add_marker(pytest.mark.slow)  # the fast lane never starts a PostgreSQL cluster


def _needs_postgresql(item: pytest.Item) -> bool:
    """Whether a test runs on the session's PostgreSQL server: it asks for the server, or it is the
    PostgreSQL instance of a test parametrized over the databases."""
    if {"postgres_server", "postgresql_url"} & set(getattr(item, "fixturenames", ())):
        return True
    callspec = getattr(item, "callspec", None)
    return callspec is not None and "postgresql" in callspec.params.values()


@pytest.fixture
def fixture_collection(tmp_path: Path) -> Path:
    """A writable copy of the synthetic test collection."""
    target = tmp_path / "collection"
    shutil.copytree(FIXTURES / "collection", target)
    return target


@pytest.fixture
def access_collection(tmp_path: Path) -> Path:
    return make_access_collection(tmp_path / "access-collection")


@pytest.fixture
def shipped_collection(tmp_path: Path) -> Path:
    """A writable copy of the shipped Red Soul collection."""
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target


@pytest.fixture
def archive(tmp_path: Path):
    """An empty archive in a temporary home folder."""
    opened = Archive.open(tmp_path / "home")
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def imported_fixture_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthetic test collection imported once per test session (and per xdist worker).

    Shared: open it read-only, or take a copy with ``tests.support.copy_home`` to write."""
    return import_into(tmp_path_factory.mktemp("session-fixture") / "home", FIXTURES / "collection")


@pytest.fixture(scope="session")
def imported_data_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped collection (data/) imported once per test session; shared like ``imported_fixture_home``."""
    return import_into(tmp_path_factory.mktemp("session-data") / "home", DATA)


@pytest.fixture(scope="session")
def generated_example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthetic example interview collection with its audio, made by the same generator a user
    runs (``examples/make_audio.py``: espeak-ng and sox), once per session; copy it to change it."""
    target = tmp_path_factory.mktemp("synthetic-interview") / "collection"
    shutil.copytree(EXAMPLE, target)
    load_generator().make_audio(target)
    return target
