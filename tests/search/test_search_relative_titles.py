"""A relative without a name of their own is titled by the vocabulary's label of the relation; a
relative found by its relation, fates or places shows them, with the match marked."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.access.visibility import ANONYMOUS
from archive.facade import Archive
from archive.search.request import Hit, SearchRequest
from tests.support import DATA, import_into


@pytest.mark.slow
def test_a_relative_is_titled_by_the_label_of_the_relation(tmp_path: Path) -> None:
    archive = Archive.open(import_into(tmp_path / "home", DATA))
    try:
        relatives = archive.search(SearchRequest(query="mother", filters={"kind": ("relative",)}), ANONYMOUS).hits
        mixed = archive.search(SearchRequest(query="mother", per_page=100), ANONYMOUS).hits
    finally:
        archive.close()
    titles = {hit.id: hit.title for hit in relatives}
    assert titles["the-sisters/mother"] == "Mother (The sisters)"  # the label, not the relation's id
    assert {hit.kind for hit in mixed} > {"relative"}
    assert {hit.id: hit.title for hit in mixed if hit.kind == "relative"} == titles



@pytest.mark.slow
def test_a_relative_found_by_its_relation_or_fate_shows_where_it_matched(tmp_path: Path) -> None:
    """The sisters' mother is found by «лагерь» through her fate's Russian label alone (her details are
    in English): the hit shows that label with the match marked, in the language it matched in."""
    archive = Archive.open(import_into(tmp_path / "home", DATA))

    def the_mother(query: str) -> Hit:
        hits = archive.search(SearchRequest(query=query, filters={"kind": ("relative",)}), ANONYMOUS).hits
        return next(hit for hit in hits if hit.id == "the-sisters/mother")

    try:
        by_fate, by_relation, by_details = the_mother("лагерь"), the_mother("mother"), the_mother('"buy food"')
        father = next(hit for hit in archive.search(SearchRequest(query="Utrecht", filters={"kind": ("relative",)}),
                                                    ANONYMOUS).hits if hit.id == "jessica-gorter/father")
    finally:
        archive.close()
    assert "<mark>" not in "".join(by_fate.snippets.values())  # the details say "labour camp", in English
    assert by_fate.facts_shown("en") == {"ru": "Мать: Заключение в <mark>лагерь</mark>"}
    assert by_relation.facts_shown("ru") == {"en": "<mark>Mother</mark>: Sent to a labour camp"}
    # nothing matched in the labels: the line in the reader's language, for what it tells
    assert by_details.facts_shown("ru") == {"ru": "Мать: Заключение в лагерь"}
    assert by_details.facts_shown("en") == {"en": "Mother: Sent to a labour camp"}
    # a place the relative is found by is marked too
    assert "<mark>Utrecht</mark>" in father.facts_shown("en")["en"]
