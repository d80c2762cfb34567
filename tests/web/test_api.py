"""The JSON API under /api/ through the Flask test client, over real archives, and checked
against its own OpenAPI document by schemathesis (in-process, over WSGI)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator
from openapi_spec_validator import validate as validate_openapi

from archive.facade import Archive
from tests.support import copy_home
from webapp import create_app
from webapp.i18n import compile_catalogues

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "collection"
PROBLEM = "application/problem+json"


def _app(tmp_path_factory, imported_home: Path, **config):
    compile_catalogues()
    home = copy_home(imported_home, tmp_path_factory.mktemp("api") / "home")
    return create_app({"ARCHIVE_HOME": str(home), "TESTING": True, **config})


@pytest.fixture(scope="module")
def app(tmp_path_factory, imported_fixture_home):
    app = _app(tmp_path_factory, imported_fixture_home)
    yield app
    app.extensions["archive"].close()


@pytest.fixture(scope="module")
def client(app):
    return app.test_client(use_cookies=False)


@pytest.fixture(scope="module")
def researcher(tmp_path_factory, imported_fixture_home):
    app = _app(tmp_path_factory, imported_fixture_home, ARCHIVE_VIEWER="researcher")
    yield app.test_client(use_cookies=False)
    app.extensions["archive"].close()


@pytest.fixture(scope="module")
def shipped(tmp_path_factory, imported_data_home):
    app = _app(tmp_path_factory, imported_data_home)
    yield app.test_client(use_cookies=False)
    app.extensions["archive"].close()


def get_json(client, url: str, status: int = 200) -> dict:
    response = client.get(url)
    assert response.status_code == status, (url, response.get_data(as_text=True))
    assert response.mimetype == ("application/json" if status == 200 else PROBLEM), url
    return response.get_json(force=True)


def query_of(url: str | None) -> dict[str, str]:
    assert url is not None
    return dict(parse_qsl(urlsplit(url).query))


# --- people ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_people_list_with_pagination_and_totals(shipped):
    everyone = get_json(shipped, "/api/people")
    assert everyone["total"] == 5 and everyone["pages"] == 1 and len(everyone["items"]) == 5
    assert [p["id"] for p in everyone["items"]] == ["galina", "igor", "jessica-gorter", "the-sisters",
                                                    "the-volunteers"]
    igor = everyone["items"][1]
    assert igor["stance"] == "admirer" and igor["quote_count"] == 1 and igor["withheld"] is False
    assert igor["links"]["self"].endswith("/api/people/igor") and igor["links"]["html"].endswith("/people/igor")

    first = get_json(shipped, "/api/people?per_page=2")
    assert (first["total"], first["pages"], first["page"]) == (5, 3, 1)
    assert [p["id"] for p in first["items"]] == ["galina", "igor"]
    assert first["links"]["prev"] is None
    assert query_of(first["links"]["next"]) == {"page": "2", "per_page": "2"}
    last = get_json(shipped, first["links"]["last"])
    assert [p["id"] for p in last["items"]] == ["the-volunteers"] and last["links"]["next"] is None
    assert query_of(last["links"]["prev"]) == {"page": "2", "per_page": "2"}
    beyond = get_json(shipped, "/api/people?page=9&per_page=2")
    assert beyond["items"] == [] and beyond["total"] == 5


def test_people_filtered_by_stance(shipped):
    critics = get_json(shipped, "/api/people?stance=critic&per_page=1")
    assert critics["total"] == 1 and [p["id"] for p in critics["items"]] == ["the-volunteers"]
    assert query_of(critics["links"]["self"]) == {"stance": "critic", "per_page": "1"}
    not_stated = get_json(shipped, "/api/people?stance=not-stated")
    assert {p["id"] for p in not_stated["items"]} == {"galina", "jessica-gorter", "the-sisters"}


def test_person_detail(shipped):
    igor = get_json(shipped, "/api/people/igor")
    coding = igor["stance_coding"]
    assert coding["stance"] == "admirer" and coding["basis"] == "described"
    assert "law and order" in coding["rationale"] and coding["supporting_quotes"] == ["igor-shark-feed"]
    assert coding["source"] == {"id": "red-soul-press-kit", "title": "The Red Soul: press kit",
                                "locator": "About the film, para. 2"}
    assert igor["portrait"]["text"]["en"] and igor["portrait"]["sources"]
    [son] = igor["family"]
    assert son["relation"] == "son"
    assert son["events"][0]["details"] == "died from drug abuse" and son["events"][0]["source"]["id"]
    assert [e["place"] for e in igor["timeline"]] == ["Red Square, Moscow", "Stalin's grave"]
    [quote] = igor["quotes"]
    assert quote["id"] == "igor-shark-feed" and quote["person"]["id"] == "igor"
    assert quote["permalink"].endswith("/people/igor#quote-igor-shark-feed")
    cited = {s["id"] for s in igor["sources"]}
    assert {"red-soul-press-kit", "idfa-2017-goodfellow"} <= cited


def test_person_detail_fates_interviews_and_quotes(client):
    anna = get_json(client, "/api/people/anna-synthetic")
    fates = [(r["relation"], e["kind"], e["date"], e["repression"]) for r in anna["family"] for e in r["events"]]
    assert fates == [("grandfather", "executed", "1937", True), ("grandmother", "sent-to-camp", "1938/1946", True),
                     ("grandmother", "rehabilitated", "1956", False)]
    assert anna["family"][1]["events"][0]["place"] == "Karaganda"
    assert anna["ages"] == [{"text": "80 (2020)", "detail": None, "source": {
        "id": "synthetic-notes", "title": "Synthetic field notes (test fixture)", "locator": None}}]
    [interview] = anna["interviews"]
    assert interview == {"id": "anna-2020", "date": "2020-05-01", "place": "Moscow", "interviewer": "Test Suite",
                         "language": "ru", "media": None, "duration": "01:00:00", "source": None}
    assert anna["timeline"][0]["date"] == "2020-05-01"
    assert [q["id"] for q in anna["quotes"]] == ["anna-grandfather-shot", "anna-victory",
                                                 "anna-hero-and-executioner", "anna-camps"]
    assert anna["quote_count"] == 4


# --- quotes --------------------------------------------------------------------------------------


def test_quotes_carry_texts_themes_timecodes_source_and_permalink(client):
    page = get_json(client, "/api/quotes?person=anna-synthetic&sort=person&per_page=1")
    assert (page["total"], page["pages"], page["page"]) == (4, 4, 1)
    [shot] = page["items"]
    assert shot["id"] == "anna-grandfather-shot"
    assert shot["texts"] == [
        {"lang": "ru", "text": "Мой дед был расстрелян в 1937 году, а бабушку сослали в лагерь.",
         "is_original": True, "is_published": True},
        {"lang": "en", "text": "My grandfather was shot in 1937, and my grandmother was sent to a camp.",
         "is_original": False, "is_published": False}]
    assert shot["themes"] == ["the-terror", "the-gulag"] and shot["stance"] == "critic"
    assert (shot["timecode_in"], shot["timecode_out"], shot["recording"]) == ("00:01:05.000", "00:01:12.500",
                                                                              "anna-2020")
    assert shot["source"]["id"] == "synthetic-transcript" and shot["source"]["locator"] == "line 3"
    assert shot["permalink"] == "http://localhost/people/anna-synthetic#quote-anna-grandfather-shot"
    assert shot["access"] == "public" and shot["person"]["stance"] == "ambivalent"
    assert query_of(page["links"]["next"]) == {"person": "anna-synthetic", "sort": "person", "page": "2",
                                               "per_page": "1"}
    second = get_json(client, page["links"]["next"])
    assert [q["id"] for q in second["items"]] == ["anna-victory"]


def test_quotes_filters_and_forced_kind(client):
    critics = get_json(client, "/api/quotes?stance=critic&theme=the-gulag")
    assert {q["id"] for q in critics["items"]} == {"anna-grandfather-shot", "anna-camps"}
    either = get_json(client, "/api/quotes?stance=critic&stance=admirer")
    assert either["total"] == 3
    # only quotes, whatever kind is asked for
    assert get_json(client, "/api/quotes?kind=person")["total"] == get_json(client, "/api/quotes")["total"] == 4
    russian = get_json(client, "/api/quotes?q=лагерь")
    assert {q["id"] for q in russian["items"]} >= {"anna-grandfather-shot"}
    corrected = get_json(client, "/api/quotes?q=Stalni")
    assert corrected["corrected_query"] == "stalin" and corrected["total"] >= 1


# --- search --------------------------------------------------------------------------------------


def test_search_hits_facets_and_links(client):
    result = get_json(client, "/api/search?q=Stalin&per_page=1")
    assert result["total"] == 2 and result["pages"] == 2 and len(result["hits"]) == 1
    assert result["suggestion"] is None and result["corrected_query"] is None
    hit = result["hits"][0]
    assert hit["kind"] == "quote" and hit["id"] == "anna-victory"
    assert hit["snippets"]["en"].startswith("<mark>Stalin</mark> won the war")
    assert hit["links"]["html"].endswith("/people/anna-synthetic#quote-anna-victory")
    assert query_of(result["links"]["next"]) == {"q": "Stalin", "page": "2", "per_page": "1"}
    assert result["links"]["prev"] is None
    stances = {v["value"]: v for v in result["facets"]["stance"]["values"]}
    admirer = stances["admirer"]
    assert admirer["count"] == 1 and admirer["selected"] is False
    assert admirer["labels"] == {"en": "Admirer of Stalin", "ru": "Почитатель Сталина"}
    assert query_of(admirer["toggle"]) == {"q": "Stalin", "stance": "admirer"}
    assert set(result["facets"]) == {"kind", "stance", "person_stance", "theme", "person", "fate", "place", "lang",
                                     "source", "decade", "interview", "speaker_role", "recording"}

    narrowed = get_json(client, admirer["toggle"])
    assert narrowed["total"] == 1
    selected = next(v for v in narrowed["facets"]["stance"]["values"] if v["value"] == "admirer")
    assert selected["selected"] is True and query_of(selected["toggle"]) == {"q": "Stalin"}
    person = narrowed["facets"]["person"]["values"][0]
    assert person["label"] == "Anna (synthetic)"


def test_search_same_parameters_as_the_page(client):
    assert get_json(client, "/api/search?kind=quote&stance=critic&stance=admirer")["total"] == 3
    assert get_json(client, "/api/search?kind=quote&stance=critic&theme=the-war")["total"] == 0
    dated = get_json(client, "/api/search?kind=quote&per_page=2&sort=date")
    assert query_of(dated["links"]["next"]) == {"kind": "quote", "sort": "date", "page": "2", "per_page": "2"}
    within = get_json(client, "/api/search?within=anna-synthetic&q=camp")
    assert {h["person_id"] for h in within["hits"]} == {"anna-synthetic"} and within["total"] >= 1
    russian = get_json(client, "/api/search?kind=quote&lang=ru")
    assert russian["total"] == 4
    assert get_json(client, "/api/search?q=Stalni")["suggestion"] == "stalin"


@pytest.mark.slow
def test_html_in_a_quote_is_escaped_in_snippets(tmp_path):
    import shutil

    collection = tmp_path / "collection"
    shutil.copytree(FIXTURE, collection)
    anna = collection / "people" / "anna-synthetic.yaml"
    anna.write_text(anna.read_text(encoding="utf-8").replace(
        "en: Stalin won the war. Without him there would have been no victory.",
        'en: "<script>alert(1)</script> Stalin won"'), encoding="utf-8")
    archive = Archive.open(tmp_path / "home")
    archive.import_collection(collection)
    archive.close()
    app = create_app({"ARCHIVE_HOME": str(tmp_path / "home"), "TESTING": True})
    hits = app.test_client().get("/api/search?q=Stalin+script").get_json()["hits"]
    snippet = hits[0]["snippets"]["en"]
    assert "<script>" not in snippet and "<mark>script</mark>&gt;alert(1)&lt;/<mark>script</mark>&gt;" in snippet
    quote = app.test_client().get("/api/quotes?q=Stalin+script").get_json()["items"][0]
    assert quote["texts"][1]["text"] == "<script>alert(1)</script> Stalin won"  # data, not HTML
    app.extensions["archive"].close()


# --- themes ---------------------------------------------------------------------------------------


def test_themes_with_labels_and_counts(client, shipped):
    themes = get_json(client, "/api/themes")
    assert themes["total"] == 3
    assert [(t["id"], t["label"], t["quote_count"]) for t in themes["items"]] == [
        ("the-gulag", {"en": "the Gulag", "ru": "ГУЛАГ"}, 2),
        ("the-terror", {"en": "the Terror", "ru": "Большой террор"}, 2),
        ("the-war", {"en": "the war", "ru": "война"}, 1)]
    assert themes["items"][0]["synonyms"] == {"en": ["labour camp", "camp"], "ru": ["лагерь"]}
    gulag_quotes = get_json(client, themes["items"][0]["links"]["quotes"])
    assert gulag_quotes["total"] == 2
    counts = {t["id"]: t["quote_count"] for t in get_json(shipped, "/api/themes")["items"]}
    assert counts["filmmaking"] == 7 and counts["the-gulag"] == 0


# --- errors -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("url, detail", [
    ("/api/people?page=0", "page must be 1 or more"),
    ("/api/people?per_page=1000", "per_page must be between 1 and 100"),
    ("/api/people?page=x", "page must be a whole number"),
    ("/api/people?stance=fan", "unknown stance 'fan'"),
    ("/api/search?sort=random", "unknown sort 'random'"),
    ("/api/search?kind=interview", "unknown kind 'interview'"),
    ("/api/search?per_page=1000", "per_page must be between 1 and 100"),
    ("/api/quotes?page=x", "page must be a whole number"),
    ("/api/search?lang=xx", "unknown language 'xx'"),
])
def test_bad_parameters_are_problem_json_400(client, url, detail):
    problem = get_json(client, url, status=400)
    assert problem["type"] == "about:blank" and problem["title"] == "Bad Request" and problem["status"] == 400
    assert detail in problem["detail"] and "Traceback" not in problem["detail"]


@pytest.mark.parametrize("url", ["/api/people/nobody", "/api/people/boris-synthetic", "/api/nothing-here",
                                 "/api/nothing-here?lang=xx", "/api/people/a/b",
                                 "/api/search?within=boris-synthetic&q=Zanzibar", "/api/quotes?within=nobody"])
def test_unknown_and_withheld_are_problem_json_404(client, url):
    problem = get_json(client, url, status=404)
    assert problem["title"] == "Not Found" and problem["status"] == 404 and problem["detail"]


def test_unknown_and_withheld_people_are_told_apart_by_nothing(client):
    unknown = get_json(client, "/api/people/nobody-synthetic", status=404)
    withheld = get_json(client, "/api/people/boris-synthetic", status=404)
    assert unknown["detail"].replace("nobody", "boris") == withheld["detail"]


def test_wrong_method_is_problem_json_405_with_allow(client):
    response = client.post("/api/people")
    assert response.status_code == 405 and response.mimetype == PROBLEM
    assert "GET" in response.headers["Allow"] and response.get_json(force=True)["status"] == 405


def test_server_error_is_problem_json_without_traceback(tmp_path_factory, imported_fixture_home, monkeypatch):
    from archive.catalogue import people as catalogue_people
    app = _app(tmp_path_factory, imported_fixture_home)

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(catalogue_people, "people", broken)
    response = app.test_client().get("/api/people")
    assert response.status_code == 500 and response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert body["status"] == 500 and body["title"] == "Internal Server Error"
    assert "secret" not in response.get_data(as_text=True)
    # the HTML pages keep their friendly pages
    page = app.test_client().get("/people")
    assert page.status_code == 500 and page.mimetype == "text/html"
    app.extensions["archive"].close()


def test_html_pages_keep_their_error_pages(client):
    for url in ("/people/nobody", "/nothing-here", "/search?sort=random"):
        response = client.get(url)
        assert response.status_code in (400, 404) and response.mimetype == "text/html", url


# --- visibility ------------------------------------------------------------------------------------


ANONYMOUS_URLS = ["/api/people", "/api/people?stance=critic", "/api/quotes", "/api/quotes?q=Zanzibar",
                  "/api/quotes?q=embargo", "/api/search", "/api/search?q=Zanzibar", "/api/search?q=Zanzibr",
                  "/api/search?q=embargo", "/api/search?place=Vorkuta", "/api/search?person=boris-synthetic",
                  "/api/people/anna-synthetic", "/api/themes"]


@pytest.mark.parametrize("url", ANONYMOUS_URLS)
def test_withheld_records_are_absent_for_anonymous(client, url):
    response = client.get(url)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    typed = query_of(url).values() if "?" in url else ()
    for secret in ("Boris", "Zanzibar", "Vorkuta", "under embargo", "anna-embargoed"):
        if secret not in typed:  # what the client typed is echoed back in links; nothing else may show
            assert secret not in text, (url, secret)
    body = response.get_json()
    if "suggestion" in body:
        assert body["suggestion"] is None


def test_withheld_records_are_present_for_a_researcher(researcher):
    people = get_json(researcher, "/api/people")
    boris = next(p for p in people["items"] if p["id"] == "boris-synthetic")
    assert people["total"] == 2 and boris["withheld"] is True
    detail = get_json(researcher, "/api/people/boris-synthetic")
    assert detail["places"][0]["text"] == "Vorkuta"
    assert detail["quotes"][0]["access"] == "restricted"
    quotes = {q["id"]: q for q in get_json(researcher, "/api/quotes?per_page=100")["items"]}
    assert quotes["anna-embargoed"]["access"] == "embargoed"
    assert quotes["anna-embargoed"]["embargo_until"] == "2999-01-01"
    assert quotes["boris-secret"]["access"] == "restricted"
    assert get_json(researcher, "/api/search?q=Zanzibar")["total"] >= 1
    anna = get_json(researcher, "/api/people/anna-synthetic")
    assert "anna-embargoed" in [q["id"] for q in anna["quotes"]]
    themes = {t["id"]: t["quote_count"] for t in get_json(researcher, "/api/themes")["items"]}
    assert themes["the-gulag"] == 3


# --- the OpenAPI document, and schemathesis against it -------------------------------------------
# schemathesis (and the hypothesis it runs on) is imported by the two tests that use it: importing
# it takes every test process seconds, and most runs (`make check`) never reach these tests.


@pytest.mark.slow
def test_openapi_document_is_valid_openapi_3_1(client, app):
    document = get_json(client, "/api/openapi.json")
    assert document["openapi"].startswith("3.1")
    validate_openapi(document, cls=OpenAPIV31SpecValidator)  # against the OpenAPI 3.1 schema itself
    import schemathesis

    loaded = schemathesis.openapi.from_dict(document)
    operations = {(op.method.upper(), op.path) for op in (r.ok() for r in loaded.get_all_operations())}
    assert operations == {("GET", "/api/"), ("GET", "/api/openapi.json"), ("GET", "/api/people"),
                          ("GET", "/api/people/{person_id}"), ("GET", "/api/quotes"), ("GET", "/api/search"),
                          ("GET", "/api/themes")}
    search = document["paths"]["/api/search"]["get"]
    params = {p["name"]: p["schema"] for p in search["parameters"]}
    assert params["sort"]["enum"] == ["relevance", "date", "person"]
    assert params["kind"]["items"]["enum"] == ["quote", "person", "relative", "segment", "index_point"]
    assert document["paths"]["/api/people"]["get"]["parameters"][0]["schema"]["enum"] == [
        "admirer", "ambivalent", "critic", "not-stated"]
    assert search["responses"]["400"] == {"$ref": "#/components/responses/BadRequest"}
    assert "application/problem+json" in document["components"]["responses"]["NotFound"]["content"]


@pytest.mark.slow  # every operation of the OpenAPI document, many generated cases each
def test_schemathesis_finds_no_failure_in_any_operation(app, tmp_path):
    """``schemathesis run`` in-process over WSGI: every phase (examples, coverage, fuzzing, stateful)
    and every default check, 15 derandomized examples per operation.

    (The engine rather than ``schemathesis.pytest.from_fixture``: that one fails under pytest 9.2.)
    """
    import hypothesis.configuration
    import schemathesis
    from schemathesis import engine as st_engine
    from schemathesis.engine import Status, StopReason
    from schemathesis.engine import events as st_events

    hypothesis_home = hypothesis.configuration.storage_directory(intent_to_write=False).home_directory
    hypothesis.configuration.set_hypothesis_home_dir(tmp_path / "hypothesis")  # no .hypothesis/ in the repo
    try:
        schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
        schema.config.generation.update(max_examples=15, deterministic=True, database="none")
        failures, exercised, checks = [], set(), set()
        stop_reason = None
        for event in st_engine.from_schema(schema).execute():
            if isinstance(event, st_events.ScenarioFinished):
                if event.status == Status.SUCCESS and event.label:
                    exercised.add((str(event.phase), event.label))
                for nodes in event.recorder.checks.values():
                    for node in nodes:
                        checks.add(node.name)
                        if node.status != Status.SUCCESS:
                            failure = node.failure_info.failure if node.failure_info else node.status
                            failures.append(f"{event.label}: {node.name}: {failure}")
                if event.status in (Status.FAILURE, Status.ERROR) and not failures:
                    failures.append(f"{event.label}: {event.status}")
            elif isinstance(event, (st_events.NonFatalError, st_events.FatalError)):
                failures.append(repr(event))
            elif isinstance(event, st_events.EngineFinished):
                stop_reason = event.stop_reason
    finally:
        hypothesis.configuration.set_hypothesis_home_dir(hypothesis_home)
    assert not failures, "\n\n".join(failures[:10])
    assert stop_reason == StopReason.COMPLETED
    operations = {"GET /api/", "GET /api/people", "GET /api/people/{person_id}", "GET /api/quotes",
                  "GET /api/search", "GET /api/themes"}
    for phase in ("coverage", "fuzzing"):
        assert {label for ran, label in exercised if ran.endswith(phase)} == operations, phase
    assert {"not_a_server_error", "status_code_conformance", "content_type_conformance",
            "response_schema_conformance", "negative_data_rejection", "positive_data_acceptance"} <= checks
