"""A phrase said three times ranks above the same phrase said once.

A SYNTHETIC collection made here (an invented person whose passages are built from a phrase and
filler words, none of which is anyone's testimony): passages of the same length that say a phrase
once, three times, or say its words apart. The passage that says it once comes first in the
collection, so equal scores would list it first.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
import yaml

from archive.access.visibility import ANONYMOUS
from archive.facade import Archive
from archive.search.request import SearchRequest
from tests.search.bilingual import _person, _quote
from tests.support import FIXTURES

EN_FILLER = "river road field forest bridge station winter morning".split()
RU_FILLER = "река дорога поле лес мост станция зима утро".split()


def _passages() -> list[dict[str, object]]:
    """Passages of ten words each: the phrase once, three times, or its words apart (synthetic)."""
    return [
        _quote("phrase-once", en=" ".join(["grey", "barracks", *EN_FILLER])),
        _quote("phrase-thrice", en=" ".join(["grey", "barracks"] * 3 + EN_FILLER[:4])),
        _quote("phrase-apart", en=" ".join(["barracks", *EN_FILLER[:4], "grey", *EN_FILLER[4:]])),
        # Russian: the phrase in other case forms counts each time (one stem per word)
        _quote("ru-phrase-once", ru=" ".join(["серые", "бараки", *RU_FILLER])),
        _quote("ru-phrase-thrice", ru=" ".join(["серые", "бараки", "серых", "бараков", "серыми", "бараками",
                                                *RU_FILLER[:4]])),
    ]


@pytest.fixture(scope="module")
def phrase_archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    root = tmp_path_factory.mktemp("phrase-frequency")
    collection = root / "collection"
    collection.mkdir()
    base = FIXTURES / "collection"
    shutil.copy(base / "vocabulary.yaml", collection / "vocabulary.yaml")
    shutil.copytree(base / "sources", collection / "sources")
    meta = yaml.safe_load((base / "collection.yaml").read_text(encoding="utf-8"))
    meta["collection"]["id"] = "synthetic-phrase-frequency"
    (collection / "collection.yaml").write_text("# SYNTHETIC\n" + yaml.safe_dump(meta, allow_unicode=True),
                                                encoding="utf-8")
    (collection / "people").mkdir()
    person = _person("vera-synthetic", "Vera Phrasova (synthetic)", portrait={"en": "A synthetic narrator."},
                     quotes=_passages())
    (collection / "people" / "vera-synthetic.yaml").write_text(
        "# SYNTHETIC test person\n" + yaml.safe_dump(person, allow_unicode=True, sort_keys=False), encoding="utf-8")
    archive = Archive.open(root / "home")
    archive.import_collection(collection)
    yield archive
    archive.close()


@pytest.mark.parametrize("query, thrice, once", [
    ('"grey barracks"', "phrase-thrice", "phrase-once"),
    ('"серые бараки"', "ru-phrase-thrice", "ru-phrase-once"),
])
def test_a_phrase_said_more_often_ranks_higher(phrase_archive: Archive, query: str, thrice: str, once: str) -> None:
    hits = phrase_archive.search(SearchRequest(query=query), ANONYMOUS).hits
    assert [hit.id for hit in hits] == [thrice, once]  # the words apart are not the phrase
    assert hits[0].score > hits[1].score
