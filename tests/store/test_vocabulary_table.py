"""The vocabulary read back from the database (``archive/store/vocabulary_table.py``, the one
place that reads the ``vocabulary_term`` table) is the vocabulary of the imported files: every
kind, every term in the file's order, labels, definitions, theme synonyms and which fates are
repression. Real SQLite files."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from archive.collection.loader import read_collection
from archive.collection.vocabulary import KINDS, Vocabulary
from archive.facade import Archive
from archive.store.vocabulary_table import load_vocabulary, term_words


def _dumped(vocabulary: Vocabulary) -> dict[str, list[dict]]:
    return {kind: [term.model_dump() for term in vocabulary.terms(kind).values()] for kind in KINDS}


@pytest.mark.parametrize("which", ["fixture_collection", "shipped_collection"])
@pytest.mark.slow
def test_the_stored_vocabulary_is_the_files(archive: Archive, which: str, request: pytest.FixtureRequest) -> None:
    collection: Path = request.getfixturevalue(which)
    archive.import_collection(collection)
    expected = Vocabulary.from_file(read_collection(collection, workers=1).vocabulary_file)
    with archive.engine.connect() as conn:
        stored = load_vocabulary(conn)
        words = term_words(conn, KINDS)
    assert _dumped(stored) == _dumped(expected)
    # a search's hits read the labels and the words each term is found by alone: the same as the
    # vocabulary's, in every language
    assert {kind: {term_id: term.label for term_id, term in terms.items()} for kind, terms in words.items()} \
        == {kind: {term_id: term.label for term_id, term in expected.terms(kind).items()} for kind in KINDS}
    for kind in KINDS:
        for term_id, term in words[kind].items():
            for lang in ("en", "ru"):
                assert term.words.get(lang, []) == expected.words(kind, term_id, lang)
    assert all(stored.terms(kind) for kind in KINDS)
    assert stored.repression_fates() == expected.repression_fates() != set()


@pytest.mark.slow
def test_a_reordered_and_edited_vocabulary_is_read_back_as_edited(archive: Archive, fixture_collection: Path) -> None:
    """Terms come back in the file's new order, with the new words found by search (label and
    synonyms in each language)."""
    path = fixture_collection / "vocabulary.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    archive.import_collection(fixture_collection)
    data["themes"].reverse()
    first = data["themes"][0]
    first["synonyms"] = {"en": ["synthetic-synonym"], "ru": ["синтетический"]}
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    archive.import_collection(fixture_collection)
    with archive.engine.connect() as conn:
        stored = load_vocabulary(conn)
    assert list(stored.themes) == [theme["id"] for theme in data["themes"]]
    assert stored.words("themes", first["id"], "en") == [first["label"]["en"], "synthetic-synonym"]
    assert stored.words("themes", first["id"], "ru") == [first["label"]["ru"], "синтетический"]
    assert stored.words("themes", "no-such-theme", "en") == []
