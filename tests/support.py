"""Paths and helpers the tests share (imported as ``tests.support``)."""

from __future__ import annotations

import shutil
from pathlib import Path

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
