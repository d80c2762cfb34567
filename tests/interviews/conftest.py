"""Fixtures of the interview tests: copies of the synthetic example collection with its audio
(``generated_example`` in tests/conftest.py), and an archive home holding it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support import import_into

PERSON_FILE = Path("people") / "narrator-synthetic.yaml"
PERSON_ID = "narrator-synthetic"
INTERVIEW_ID = "synthetic-interview-1"


@pytest.fixture
def example_collection(generated_example: Path, tmp_path: Path) -> Path:
    """A writable copy of the generated example collection."""
    target = tmp_path / "example"
    shutil.copytree(generated_example, target)
    return target


@pytest.fixture(scope="session")
def example_home(generated_example: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An archive home holding the generated example (shared: open it read-only)."""
    return import_into(tmp_path_factory.mktemp("synthetic-home") / "home", generated_example)
