"""A word finds its family: noun, verb and participle (synthetic bilingual collection)."""

from __future__ import annotations

import pytest

from tests.search.bilingual import ids, search

FAMILIES = [
    # (query, passages that must come back: each says another member of the family)
    ("расстрел", {"ludmila-shooting", "fyodor-father-shot", "ludmila-shot-often"}),
    ("расстреляли", {"ludmila-shooting", "fyodor-father-shot", "ludmila-shot-often"}),
    ("репрессии", {"ludmila-repressions", "ludmila-repressed-uncle"}),
    ("репрессирован", {"ludmila-repressions", "ludmila-repressed-uncle"}),
    ("депортация", {"ludmila-deportation", "ludmila-deported"}),
    ("депортировали", {"ludmila-deportation", "ludmila-deported"}),
    ("реабилитирован", {"ludmila-rehabilitation", "fyodor-rehabilitated"}),
    ("раскулачили", {"ludmila-dekulakisation", "ludmila-dekulakised"}),
    ("раскулачивание", {"ludmila-dekulakisation", "ludmila-dekulakised"}),
    ("child", {"john-child", "fyodor-children"}),
    ("children", {"john-child", "fyodor-children"}),
]


@pytest.mark.parametrize(("query", "expected"), FAMILIES)
@pytest.mark.slow
def test_a_word_finds_the_other_forms_of_its_family(bilingual, query, expected):
    assert expected <= ids(search(bilingual, query))


def test_the_form_typed_ranks_before_the_rest_of_its_family(bilingual):
    hits = [hit.id for hit in search(bilingual, "расстрел").hits]
    assert hits[0] == "ludmila-shooting"  # the only passage that says «расстрел» itself
    hits = [hit.id for hit in search(bilingual, "children").hits]
    assert hits[0] == "fyodor-children"


def test_a_family_does_not_swallow_unrelated_words(bilingual):
    assert "fyodor-moved" not in ids(search(bilingual, "расстрел"))
    assert ids(search(bilingual, "лагерь")) == ids(search(bilingual, "лагерях"))


def test_the_family_member_found_is_marked(bilingual):
    hit = next(h for h in search(bilingual, "расстрел").hits if h.id == "fyodor-father-shot")
    assert "<mark>расстреляли</mark>" in hit.snippets["ru"]
