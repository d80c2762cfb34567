"""Search against real Whoosh indexes in temporary folders."""

from __future__ import annotations

import re
import threading
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from archive.access.visibility import ANONYMOUS, Viewer, quote_clause
from archive.cli.main import main
from archive.facade import Archive
from archive.search.index_schema import WordTokenizer
from archive.search.request import BadSearchRequest, SearchRequest
from archive.store import models

RESEARCHER = Viewer(role="researcher")
DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture
def fixture_archive(tmp_path, fixture_collection):
    archive = Archive.open(tmp_path / "home")
    archive.import_collection(fixture_collection)
    yield archive
    archive.close()


@pytest.fixture(scope="module")
def shipped_archive(tmp_path_factory):
    archive = Archive.open(tmp_path_factory.mktemp("shipped") / "home")
    archive.import_collection(DATA)
    yield archive
    archive.close()


def ids(result) -> set[str]:
    return {hit.id for hit in result.hits}


def search(archive, query="", viewer=ANONYMOUS, **filters):
    per_page = filters.pop("per_page", 100)
    within = filters.pop("within", None)
    sort = filters.pop("sort", "relevance")
    return archive.search(SearchRequest(query=query, filters={k: tuple(v) for k, v in filters.items()},
                                        per_page=per_page, within_person=within, sort=sort), viewer)


# --- language -------------------------------------------------------------------------


def test_russian_morphology(fixture_archive):
    assert "anna-camps" in ids(search(fixture_archive, "лагерь"))  # the text says «лагерях»
    assert "anna-grandfather-shot" in ids(search(fixture_archive, "лагерях"))  # the text says «лагерь»


def test_english_morphology(fixture_archive):
    assert "anna-grandfather-shot" in ids(search(fixture_archive, "camps"))  # the text says "camp"
    assert "anna-camps" in ids(search(fixture_archive, "camp"))


def test_yo_folding(fixture_archive):
    assert "anna-camps" in ids(search(fixture_archive, "все"))  # the text says «всё»
    assert "anna-hero-and-executioner" in ids(search(fixture_archive, "нем"))  # the text says «нём»


@pytest.mark.slow
def test_transliteration_both_ways(shipped_archive, fixture_archive):
    assert "galina" in ids(search(shipped_archive, "Галина"))
    assert "galina" in ids(search(shipped_archive, "Galina"))
    assert "anna-synthetic" in ids(search(fixture_archive, "Анна"))
    assert "anna-synthetic/grandmother-2" in ids(search(fixture_archive, "Караганда"))  # written Karaganda
    assert "anna-synthetic/grandmother-2" in ids(search(fixture_archive, "Karaganda"))


def test_vocabulary_finds_family_history(shipped_archive):
    """`camp` and `лагерь` find the sisters through their mother's fate."""
    for query in ("camp", "лагерь"):
        result = search(shipped_archive, query)
        assert "the-sisters/mother" in ids(result)
        hit = next(h for h in result.hits if h.id == "the-sisters/mother")
        assert hit.kind == "relative" and hit.person_id == "the-sisters"


# --- query forms ----------------------------------------------------------------------


def test_phrase(shipped_archive):
    assert ids(search(shipped_archive, '"shark feed"', kind=["quote"])) == {"igor-shark-feed"}
    assert not ids(search(shipped_archive, '"feed shark"', kind=["quote"]))


def test_or_and_exclusion(fixture_archive):
    both = ids(search(fixture_archive, "victory OR executioner"))
    assert {"anna-victory", "anna-hero-and-executioner"} <= both
    assert not ids(search(fixture_archive, "victory executioner"))  # words are ANDed
    without = ids(search(fixture_archive, "Stalin -victory"))
    assert "anna-victory" not in without
    assert "anna-victory" in ids(search(fixture_archive, "Stalin"))


@pytest.mark.slow
def test_prefix(fixture_archive):
    assert "anna-hero-and-executioner" in ids(search(fixture_archive, "execut*"))
    assert "anna-victory" in ids(search(fixture_archive, "Стал*"))


@pytest.mark.slow
def test_field_filters_in_the_query(fixture_archive):
    result = search(fixture_archive, "theme:the-gulag stance:critic")
    assert ids(result) == {"anna-grandfather-shot", "anna-camps"}


@pytest.mark.slow
def test_short_terms_are_searchable(fixture_archive):
    assert "anna-grandfather-shot" in ids(search(fixture_archive, "в"))
    assert "anna-hero-and-executioner" in ids(search(fixture_archive, "он"))


@pytest.mark.parametrize("query", ['"shark feed', 'Stalin AND', 'OR', '- -', '((', '*', 'the of and',
                                   "camp " * 2500, '"' * 7, 'theme:', ':::', 'NOT', '~'])
def test_malformed_queries_still_answer(shipped_archive, query):
    result = search(shipped_archive, query)
    assert result.total >= 0 and isinstance(result.hits, list)


def test_unbalanced_quote_falls_back_to_words(shipped_archive):
    result = search(shipped_archive, '"shark feed')
    assert result.query_fell_back
    assert "igor-shark-feed" in ids(result)


def test_stray_operators_and_stop_words(shipped_archive):
    assert search(shipped_archive, "the of").total > 0
    assert search(shipped_archive, "Stalin AND").total > 0


def test_suggestion_and_typo_tolerance(shipped_archive):
    result = search(shipped_archive, "Stalni")
    assert result.suggestion == "stalin"
    assert result.corrected_query == "stalin" and result.total > 0
    assert search(shipped_archive, "Stalin").suggestion is None
    assert "igor-shark-feed" in ids(search(shipped_archive, "shrak~ feed"))


# --- filters and facets ---------------------------------------------------------------


def _db_counts(archive, column, viewer=ANONYMOUS):
    Q, P = models.Quote, models.Person
    with archive.engine.connect() as conn:
        return dict(conn.execute(select(column, func.count()).select_from(Q).join(P, Q.person_id == P.id)
                                 .where(quote_clause(viewer, Q, P)).group_by(column)).all())


@pytest.mark.parametrize("viewer", [ANONYMOUS, RESEARCHER], ids=["anonymous", "researcher"])
def test_facet_counts_match_the_database(fixture_archive, viewer):
    result = search(fixture_archive, viewer=viewer, kind=["quote"])
    facet = lambda name: {v.value: v.count for v in result.facets[name].values}  # noqa: E731
    assert facet("stance") == _db_counts(fixture_archive, models.Quote.stance, viewer)
    assert facet("person") == _db_counts(fixture_archive, models.Quote.person_id, viewer)
    assert facet("source") == _db_counts(fixture_archive, models.Quote.source, viewer)
    Q, P, T = models.Quote, models.Person, models.QuoteTheme
    with fixture_archive.engine.connect() as conn:
        themes = dict(conn.execute(select(T.theme, func.count()).join(Q, T.quote_id == Q.id)
                                   .join(P, Q.person_id == P.id)
                                   .where(quote_clause(viewer, Q, P)).group_by(T.theme)).all())
        langs = dict(conn.execute(select(models.QuoteText.lang, func.count()).join(Q, models.QuoteText.quote_id == Q.id)
                                  .join(P, Q.person_id == P.id).where(quote_clause(viewer, Q, P))
                                  .group_by(models.QuoteText.lang)).all())
    assert facet("theme") == themes
    assert facet("lang") == langs
    assert result.total == sum(facet("stance").values())


def test_facet_semantics_or_within_and_across(fixture_archive):
    admirer = ids(search(fixture_archive, stance=["admirer"], kind=["quote"]))
    critic = ids(search(fixture_archive, stance=["critic"], kind=["quote"]))
    either = ids(search(fixture_archive, stance=["admirer", "critic"], kind=["quote"]))
    assert either == admirer | critic and admirer and critic
    gulag = ids(search(fixture_archive, theme=["the-gulag"], kind=["quote"]))
    both = ids(search(fixture_archive, stance=["critic"], theme=["the-gulag"], kind=["quote"]))
    assert both == critic & gulag


def test_fate_place_decade_facets(fixture_archive):
    result = search(fixture_archive, kind=["relative"])
    fates = {v.value: v.count for v in result.facets["fate"].values}
    assert fates == {"executed": 1, "sent-to-camp": 1, "rehabilitated": 1}
    decades = {v.value for v in result.facets["decade"].values}
    assert decades == {"1930s", "1950s"}
    assert ids(search(fixture_archive, fate=["executed"], kind=["relative"])) == {"anna-synthetic/grandfather"}


def test_selected_facet_values_stay_listed(fixture_archive):
    result = search(fixture_archive, "victory", stance=["critic"])
    assert result.total == 0
    assert [(v.value, v.count, v.selected) for v in result.facets["stance"].values] == [("critic", 0, True)]


# --- results --------------------------------------------------------------------------


def test_pagination_has_exact_totals(shipped_archive):
    everything = search(shipped_archive, "", per_page=100)
    pages = [shipped_archive.search(SearchRequest(per_page=5, page=n, sort="person")) for n in range(1, 7)]
    seen = [hit.id for page in pages for hit in page.hits]
    assert len(seen) == len(set(seen)) == everything.total
    assert all(page.total == everything.total for page in pages)
    assert pages[0].pages == -(-everything.total // 5)


def test_sort_by_date_and_person(fixture_archive):
    by_date = search(fixture_archive, sort="date", kind=["relative"])
    assert [h.id for h in by_date.hits][0] == "anna-synthetic/grandfather"  # 1937 before 1938
    by_person = search(fixture_archive, sort="person", viewer=RESEARCHER, kind=["person"])
    assert [h.id for h in by_person.hits] == ["anna-synthetic", "boris-synthetic"]


def test_snippets_are_html_safe(tmp_path, fixture_collection):
    path = fixture_collection / "people" / "anna-synthetic.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "en: Stalin won the war. Without him there would have been no victory.",
        'en: "Stalin <script>alert(1)</script> & victory"')
    path.write_text(text, encoding="utf-8")
    archive = Archive.open(tmp_path / "xss")
    archive.import_collection(fixture_collection)
    for query in ("victory", "script", "alert", "mark"):
        for hit in search(archive, query).hits:
            assert "<script" not in hit.snippets.get("en", "") and "</script" not in hit.snippets.get("en", "")
    hit = next(h for h in search(archive, "victory").hits if h.id == "anna-victory")
    assert hit.snippets["en"] == "Stalin &lt;script&gt;alert(1)&lt;/script&gt; &amp; <mark>victory</mark>"
    hit = next(h for h in search(archive, "script").hits if h.id == "anna-victory")
    assert "&lt;<mark>script</mark>&gt;alert(1)" in hit.snippets["en"]
    archive.close()


def test_highlight_uses_morphology(fixture_archive):
    hit = next(h for h in search(fixture_archive, "лагерь").hits if h.id == "anna-camps")
    assert "<mark>лагерях</mark>" in hit.snippets["ru"]


def test_search_inside_one_testimony(fixture_archive):
    result = search(fixture_archive, "Stalin OR лагерь", within="anna-synthetic")
    assert {h.kind for h in result.hits} == {"quote"}
    assert {h.person_id for h in result.hits} == {"anna-synthetic"}
    assert result.total == len(result.hits) == 3  # the embargoed passage is not among them
    camps = next(h for h in result.hits if h.id == "anna-camps")
    assert camps.snippets["ru"] == "Мы жили в <mark>лагерях</mark>, и всё было серым."


# --- visibility -----------------------------------------------------------------------


@pytest.mark.slow
def test_restricted_records_invisible_everywhere(fixture_archive):
    for query in ("", "synthetic", "Zanzibar", "Boris", "embargo", "Vorkuta"):
        result = search(fixture_archive, query)
        assert all(h.person_id != "boris-synthetic" for h in result.hits)
        assert "anna-embargoed" not in ids(result)
        for facet in result.facets.values():
            values = {v.value for v in facet.values}
            assert not values & {"boris-synthetic", "Vorkuta", "synthetic-notes-boris"}
        assert not any("Zanzibar" in s or "embargo" in s for h in result.hits for s in h.snippets.values())
    assert search(fixture_archive, "Zanzibr").suggestion is None
    assert search(fixture_archive, "Zanzibr", viewer=RESEARCHER).suggestion == "zanzibar"
    researcher = search(fixture_archive, "", viewer=RESEARCHER)
    assert {"boris-secret", "anna-embargoed", "boris-synthetic"} <= ids(researcher)
    assert "Vorkuta" in {v.value for v in researcher.facets["place"].values}


def test_embargo_past_its_day_is_public(fixture_archive):
    later = Viewer(role="anonymous", today=date(2999, 1, 1))
    assert "anna-embargoed" in ids(search(fixture_archive, "embargo", viewer=later))
    assert "anna-embargoed" not in ids(search(fixture_archive, "embargo"))


# --- index lifecycle ------------------------------------------------------------------


@pytest.mark.slow
def test_import_updates_only_the_changed_people(fixture_archive, fixture_collection):
    before = fixture_archive.index.store.fingerprints()
    path = fixture_collection / "people" / "anna-synthetic.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "en: We lived in camps, and everything was grey.", "en: We lived in camps, and everything was pewter."),
        encoding="utf-8")
    report = fixture_archive.import_collection(fixture_collection)
    assert report.touched_quotes == {"anna-camps"}
    after = fixture_archive.index.store.fingerprints()
    changed = {k for k in after if before.get(k) != after[k]}
    # only the quote: each document carries its own words for "did you mean"
    assert changed == {"quote:anna-camps"}
    assert "anna-camps" in ids(search(fixture_archive, "pewter"))
    assert fixture_archive.check_index().ok


@pytest.mark.slow
def test_reindex_is_atomic_while_searching(fixture_archive):
    errors: list[BaseException] = []
    totals: list[int] = []
    stop = threading.Event()

    def searcher() -> None:
        while not stop.is_set():
            try:
                totals.append(search(fixture_archive, "Stalin").total)
            except BaseException as exc:  # noqa: BLE001 - any failure is the test's finding
                errors.append(exc)

    threads = [threading.Thread(target=searcher) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(5):
            fixture_archive.reindex()
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert not errors
    assert totals and min(totals) == max(totals) > 0


def test_check_detects_a_corrupted_index(fixture_archive, tmp_path):
    assert fixture_archive.check_index().ok
    build = fixture_archive.index.store.root / fixture_archive.index.store.current_name()
    for segment in build.glob("*.seg"):
        segment.write_bytes(b"\0" * 64)
    fixture_archive.index.close()
    result = fixture_archive.check_index()
    assert not result.ok and "cannot be read" in result.problems[0]


@pytest.mark.slow
def test_check_detects_a_stale_index_and_cli_names_the_repair(tmp_path, fixture_collection):
    home = str(tmp_path / "home")
    runner = CliRunner()
    assert runner.invoke(main, ["--home", home, "import", str(fixture_collection)]).exit_code == 0
    archive = Archive.open(home)
    with archive.engine.begin() as conn:
        conn.execute(models.QuoteText.__table__.update().where(models.QuoteText.quote_id == "anna-victory")
                     .values(text="changed behind the index's back"))
    archive.close()
    result = runner.invoke(main, ["--home", home, "check", str(fixture_collection)])
    assert result.exit_code == 1
    assert re.search(r"out of date in the index: .*quote:anna-victory", result.output)
    assert "archive reindex" in result.output
    assert runner.invoke(main, ["--home", home, "reindex"]).exit_code == 0
    assert runner.invoke(main, ["--home", home, "check", str(fixture_collection)]).exit_code == 0


# --- request and CLI ------------------------------------------------------------------


def test_request_round_trips_through_params():
    request = SearchRequest(query='лагерь "shark feed"',
                            filters={"stance": ("critic", "admirer"), "theme": ("the-gulag",)},
                            sort="date", page=3, per_page=10, within_person="igor")
    assert SearchRequest.from_params(request.to_params()) == request
    toggled = request.toggled("stance", "critic")
    assert toggled.filters["stance"] == ("admirer",) and toggled.page == 1
    with pytest.raises(BadSearchRequest):
        SearchRequest.from_params({"page": "x"})
    with pytest.raises(BadSearchRequest):
        SearchRequest.from_params({"sort": "random"})
    with pytest.raises(BadSearchRequest):
        SearchRequest(filters={"colour": ("red",)})


@pytest.mark.slow
def test_cli_search_marks_the_matched_words_in_bold_on_a_terminal(tmp_path):
    """On a terminal the matched words are bold (an ANSI escape); the test gives the command one (a pty)."""
    import os
    import pty
    import subprocess
    import sys

    home = str(tmp_path / "home")
    assert CliRunner().invoke(main, ["--home", home, "import", str(DATA)]).exit_code == 0
    leader, follower = pty.openpty()
    command = [sys.executable, "-m", "archive.cli.main", "--home", home, "search", '"shark feed"', "--kind", "quote"]
    done = subprocess.run(command, stdout=follower, stderr=subprocess.PIPE, timeout=300)
    os.close(follower)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal's other end is closed: everything was read
            break
        if not chunk:
            break
        output += chunk
    os.close(leader)
    assert done.returncode == 0, done.stderr
    text = output.decode("utf-8")
    assert "\x1b[1mshark\x1b[0m" in text and "\x1b[1mfeed\x1b[0m" in text, text


@pytest.mark.slow
def test_cli_search(tmp_path):
    home = str(tmp_path / "home")
    runner = CliRunner()
    assert runner.invoke(main, ["--home", home, "import", str(DATA)]).exit_code == 0
    result = runner.invoke(main, ["--home", home, "search", '"shark feed"', "--kind", "quote"])
    assert result.exit_code == 0, result.output
    assert "1 result(s)" in result.output and "shark feed" in result.output  # piped: plain text, no marks
    assert "[[" not in result.output and "\x1b[" not in result.output
    result = runner.invoke(main, ["--home", home, "search", "camp", "--json"])
    import json

    data = json.loads(result.output)
    assert data["total"] >= 1 and "facets" in data and data["hits"][0]["kind"] in ("relative", "person", "quote")


def test_possessives_and_hyphenated_words_hold_their_words(shipped_archive):
    """"Stalin’s terror" and "pro-Stalin" are found by "Stalin"."""
    result = search(shipped_archive, "Stalin", kind=["quote"])
    assert "gorter-not-a-single-russian-unaffected" in ids(result)  # "…, Stalin’s terror followed by …"
    hit = next(h for h in result.hits if h.id == "gorter-not-a-single-russian-unaffected")
    assert "<mark>Stalin</mark>’s" in hit.snippets["en"]


def _schema_before_the_lean_columns():
    """The index schema as archives made before sort_date became a plain column had it: the
    date a sortable NUMERIC, with the access (vis, embargo_day) indexed too, and the text
    analysed by Whoosh's chain of filters (pickled in the index as such)."""
    from whoosh import fields

    from archive.search.index_schema import build_schema, reference_analyzer, stem_english, stem_russian

    schema = build_schema()
    for name, stemfn in (("text_en", stem_english), ("text_ru", stem_russian), ("terms_en", stem_english),
                         ("terms_ru", stem_russian), ("spell", None)):
        schema.remove(name)
        schema.add(name, fields.TEXT(analyzer=reference_analyzer(stemfn), phrase=name != "spell"))
    schema.remove("sort_date")
    schema.add("vis", fields.ID())
    schema.add("embargo_day", fields.NUMERIC(int, bits=32))
    schema.add("sort_date", fields.NUMERIC(int, bits=32, sortable=True))
    return schema


@pytest.mark.slow
def test_an_index_built_by_an_earlier_version_is_searched_sorted_and_updated(tmp_path, fixture_collection,
                                                                              monkeypatch):
    """An archive upgraded in place keeps its index until the next reindex: its dates (a
    sortable NUMERIC there) sort as before, and an import adds new-style documents to it."""
    from archive.search import index_store

    with monkeypatch.context() as patch:
        patch.setattr(index_store, "build_schema", _schema_before_the_lean_columns)
        old = Archive.open(tmp_path / "home")
        old.import_collection(fixture_collection)
        old.close()
    archive = Archive.open(tmp_path / "home")
    try:
        old_schema = archive.index._state().searcher.schema  # noqa: SLF001 - the old build
        assert "embargo_day" in old_schema.names()
        assert not isinstance(old_schema["text_ru"].analyzer, WordTokenizer)
        assert "anna-camps" in ids(search(archive, "лагерь")) and "anna-camps" in ids(search(archive, "camp"))
        by_date = search(archive, sort="date", kind=["relative"])
        assert [h.id for h in by_date.hits][0] == "anna-synthetic/grandfather"  # 1937 before 1938
        path = fixture_collection / "people" / "anna-synthetic.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace(
            "en: We lived in camps, and everything was grey.", "en: We lived in camps, and everything was pewter."),
            encoding="utf-8")
        archive.import_collection(fixture_collection)
        assert "anna-camps" in ids(search(archive, "pewter"))
        assert [h.id for h in search(archive, sort="date", kind=["relative"]).hits] == [h.id for h in by_date.hits]
        assert search(archive, kind=["quote"]).total == search(archive, kind=["quote"], sort="date").total
        assert archive.check_index().ok
    finally:
        archive.close()
