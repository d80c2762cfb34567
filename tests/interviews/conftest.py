"""Fixtures of the interview tests: the synthetic example collection with its audio made by
the same generator a user runs (``examples/make_audio.py``: espeak-ng and sox)."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from types import ModuleType

import pytest

from tests.support import ROOT, import_into

EXAMPLE = ROOT / "examples" / "synthetic-interview"
PERSON_FILE = Path("people") / "narrator-synthetic.yaml"
PERSON_ID = "narrator-synthetic"
INTERVIEW_ID = "synthetic-interview-1"


def load_generator() -> ModuleType:
    """``examples/make_audio.py`` as a module (examples/ is not a package)."""
    spec = importlib.util.spec_from_file_location("make_audio", ROOT / "examples" / "make_audio.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def generated_example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example collection with its audio, generated once per session; copy it to change it."""
    target = tmp_path_factory.mktemp("synthetic-interview") / "collection"
    shutil.copytree(EXAMPLE, target)
    load_generator().make_audio(target)
    return target


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
