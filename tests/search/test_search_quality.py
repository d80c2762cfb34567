"""Search a historian can trust, on a synthetic bilingual collection made by code (tests/search/bilingual.py)."""

from __future__ import annotations

from archive.access.visibility import ANONYMOUS
from archive.search.request import SearchRequest
from tests.search.bilingual import RESEARCHER, ids, search

# --- a quote matches on its own words, the person on the portrait -------------------


def test_a_persons_place_finds_the_person_and_only_the_quotes_that_say_it(bilingual):
    for query in ("Amstelburg", "Амстельбург"):
        result = search(bilingual, query)
        assert ids(result) == {"fyodor-synthetic", "fyodor-moved"}, query
        assert result.total == 2, query  # nor a transcript segment of his that does not say it


def test_searching_inside_a_testimony_finds_only_the_passages_that_say_it(bilingual):
    assert ids(search(bilingual, "Amstelburg", within="fyodor-synthetic")) == {"fyodor-moved"}


def test_every_quote_hit_shows_a_marked_word(bilingual):
    """(Words that name no theme: a passage may match on its theme's label, which its text need not say.)"""
    for query in ("Amstelburg", "Амстельбург", "Stalin", "Karaganda", "отца"):
        for hit in search(bilingual, query).hits:
            if hit.kind == "quote":
                assert any("<mark>" in text for text in hit.snippets.values()), (query, hit.id)


# --- did you mean: the nearest word the viewer may see --------------------------------------


def test_a_typo_is_corrected_to_the_nearest_word_not_a_frequent_far_one(bilingual):
    result = search(bilingual, "Fyodr")
    assert result.suggestion == "fyodor"
    assert result.corrected_query == "fyodor" and "fyodor-synthetic" in ids(result)


def test_a_cyrillic_typo_gets_a_suggestion(bilingual):
    assert search(bilingual, "Стални").suggestion == "сталин"
    assert search(bilingual, "Карагнадой").suggestion == "карагандой"


def test_a_word_form_that_finds_records_needs_no_suggestion(bilingual):
    result = search(bilingual, "camps")  # the texts say "camp"; "camps" is found through its stem
    assert result.total > 0 and result.suggestion is None


def test_a_far_word_is_never_put_in_place_of_the_query(bilingual):
    result = search(bilingual, "xylophonq")
    assert result.corrected_query is None and result.total == 0


def test_suggestions_never_confirm_a_word_only_withheld_text_contains(bilingual):
    """A word of withheld text only is as unknown to an anonymous visitor as a made-up word."""
    withheld, made_up = search(bilingual, "погибли"), search(bilingual, "погиблъ")
    assert withheld.suggestion == made_up.suggestion == "погиб"
    assert search(bilingual, "погибли", viewer=RESEARCHER).suggestion is None
    assert search(bilingual, "депортированныхх").suggestion != "депортированных"
    assert search(bilingual, "депортированныхх", viewer=RESEARCHER).suggestion == "депортированных"


def test_typo_candidates_are_those_of_the_plain_walk_over_every_word(bilingual):
    """The fast candidate lookup (by length, edit distance in C) gives what a walk over every spelling
    word with the distance computed in Python gives."""
    from archive.search.suggestions import SpellingWords, plain_candidates

    words = SpellingWords.read(bilingual.index._state().searcher.reader())
    assert len(words.documents) > 100
    typed = ["fyodr", "стални", "карагандй", "погиблъ", "camsp", "childern", "xylophonq", "ab", "fro", "лагрь"]
    typed += [w[:-1] for w in list(words.documents)[::7]] + [w[1:] + w[0] for w in list(words.documents)[::11]]
    for word in typed:
        assert words.candidates(word) == plain_candidates(words, word), word


# --- smaller ones ---------------------------------------------------------------------------


def test_an_excluded_word_alone_finds_everything_that_does_not_say_it(bilingual):
    everything = ids(search(bilingual, ""))
    saying = ids(search(bilingual, "лагерь"))
    assert saying and ids(search(bilingual, "-лагерь")) == everything - saying
    assert ids(search(bilingual, "NOT лагерь")) == everything - saying


def test_snippets_have_one_ellipsis_between_excerpts_and_whole_words():
    from archive.search.snippets import snippet

    filler = " ".join(f"Synthetic filler sentence number {n} about nothing much." for n in range(8))
    text = f"{filler} The camp stood by the river. {filler} Another camp was far away. {filler}"
    marked = snippet(text, "en", {"camp"})
    assert marked.count("<mark>camp</mark>") == 2
    assert "… …" not in marked and marked.startswith("… ") and marked.endswith(" …")
    words = set(text.replace(".", " ").split())
    shown = marked.replace("<mark>", "").replace("</mark>", "").replace("…", " ").replace(".", " ").split()
    assert set(shown) <= words  # no word cut in half


def test_cli_json_gives_plain_text_with_match_offsets(bilingual):
    import json

    from click.testing import CliRunner

    from archive.cli.main import main

    home = str(bilingual.settings.home)
    out = CliRunner().invoke(main, ["--home", home, "search", "Karaganda & camp", "--json"])
    assert out.exit_code == 0, out.output
    hits = json.loads(out.output)["hits"]
    assert hits
    for hit in hits:
        # a relative's facts (its relation's and fates' labels, places) come plain too
        assert hit["fact_texts"].keys() == hit["facts"].keys()
        for plain in [*hit["texts"].values(), *hit["fact_texts"].values()]:
            assert "<mark>" not in plain["text"]
            for start, end in plain["matches"]:
                assert plain["text"][start:end].lower().startswith(("karaganda", "camp"))
    assert any(plain["matches"] for hit in hits for plain in hit["texts"].values())


def test_pages_of_tied_scores_never_repeat_a_hit(bilingual):
    """Every quote saying "the" scores alike in long runs: the pages still partition the hits."""
    whole = bilingual.search(SearchRequest(query="the", per_page=100), ANONYMOUS)
    seen: list[str] = []
    for page in range(1, 5):
        seen += [hit.id for hit in bilingual.search(SearchRequest(query="the", per_page=3, page=page), ANONYMOUS).hits]
    assert len(seen) == len(set(seen)) and seen == [hit.id for hit in whole.hits][:len(seen)]
