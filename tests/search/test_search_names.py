"""Names in either script and gender, and each text analysed in its language (synthetic bilingual collection)."""

from __future__ import annotations

from tests.search.bilingual import ids, search

# --- names in either script and gender; each text in its language ---------------------------


def test_an_english_name_typed_in_cyrillic_finds_the_passages_that_say_it(bilingual):
    for query in ("Смитсон", "Smithson"):
        assert {"john-synthetic", "john-blacksmith"} <= ids(search(bilingual, query)), query


def test_a_latin_name_finds_the_cyrillic_spelling_in_a_passage_and_marks_it(bilingual):
    result = search(bilingual, "Fyodor")
    assert "ludmila-fyodor" in ids(result)  # the Russian text says «Федор», the English "Fedor"
    hit = next(h for h in result.hits if h.id == "ludmila-fyodor")
    assert "<mark>Федор</mark>" in hit.snippets["ru"] and "<mark>Fedor</mark>" in hit.snippets["en"]


def test_a_surname_finds_its_feminine_form(bilingual):
    for query in ("Ёлкин", "Yolkin", "Elkin"):
        assert {"fyodor-synthetic", "ludmila-synthetic"} <= ids(search(bilingual, query)), query


def test_russian_family_history_is_analysed_as_russian(bilingual):
    result = search(bilingual, "враг народа")  # the details say «жена врага народа»
    assert "ludmila-synthetic/mother" in ids(result)
    hit = next(h for h in result.hits if h.id == "ludmila-synthetic/mother")
    assert "<mark>врага</mark>" in hit.snippets["ru"]
