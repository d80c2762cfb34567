"""Hostile requests against every route of the site (issue 6, item 4): property-based.

Every rule of ``app.url_map`` is enumerated (a new route is covered without touching this
file); its path variables are filled with real ids and with arbitrary text, and it is asked
with every known query parameter (and unknown ones) holding arbitrary text: search syntax,
Unicode, control characters, very long strings, traversal payloads. Whatever comes, the answer
is never a 500: an HTML answer is a whole page, an ``/api/`` answer is JSON, and its errors
are ``application/problem+json``. At the library level, ``Archive.search`` never raises on
any query string.

Hypothesis runs derandomized with a bounded number of examples, without its example
database, so that CI is reproducible.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from urllib.parse import quote, urlencode

import hypothesis
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from archive.access.visibility import viewer_for
from archive.search.query_parsing import cost_problem
from archive.search.request import FACETS, KINDS, MAX_PER_PAGE, MAX_QUERY_CHARS, SORTS, SearchRequest
from tests.support import copy_home
from webapp import create_app
from webapp.i18n import compile_catalogues

pytestmark = pytest.mark.slow  # property tests over every route

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "collection"

# Hypothesis keeps a cache as soon as it collects a test: in the temporary folder, so that there is
# no .hypothesis/ in the repository (test_api's schemathesis run does the same for its own)
hypothesis.configuration.set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "red-soul-archive-hypothesis")
SETTINGS = dict(deadline=None, derandomize=True, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture])
EXAMPLES_PER_ROUTE = 25

# every parameter a view, the API, an export or OAI-PMH reads (and a few it does not)
PARAMETERS = ("q", *FACETS, "sort", "page", "per_page", "within", "format", "recording", "language", "next",
              "verb", "metadataPrefix", "identifier", "set", "from", "until", "resumptionToken", "name", "password")
REAL_VALUES = ("anna-synthetic", "boris-synthetic", "the-gulag", "the-terror", "admirer", "critic", "quote",
               "person", "relative", "en", "ru", "relevance", "date", "1", "2", "20", str(MAX_PER_PAGE), "1000",
               "1001", "0", "-1", "1e3", "99999999999999999999999", "anna-2020", "synthetic-transcript", "1930s",
               "ListRecords", "oai_dc", "collection", "quote:anna-victory", "person:anna-synthetic", "csv", "json",
               "vtt", "srt")
TRAVERSALS = ("../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "..\\..\\windows\\win.ini", "%00", "\x00",
              "....//....//etc/passwd", "/etc/passwd", "file:///etc/passwd", "..%252f..%252fetc%252fpasswd",
              "anna-synthetic/../../../etc/passwd", "anna-synthetic\x00.yaml", "anna-synthetic%00", "~/.ssh/id_rsa",
              "..", ".", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "\\\\server\\share", "C:\\Windows\\win.ini",
              "anna-synthetic\n", "ANNA-SYNTHETIC", "anna-synthetic.yaml", "../people/anna-synthetic.yaml",
              "../../tests/fixtures/collection/people/anna-synthetic.yaml", "../../webapp/security.py")
OPERATORS = ("AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO", "-", "+", "*", "?", "~", "~2", "^", "^3", ":", "(",
             ")", "[", "]", "{", "}", '"', "'", "\\", "/", "*:*")
WORDS = ("theme:", "stance:critic", "person:", "lang:ru", "theme:the-gulag", "decade:", "kind:quote", "[a TO z]",
         "{1 TO 2}", "ё", "Ё", "Сталин", "лагерь", "лагер*", "camp~", "Stalni", "grandmother", "stalin", "camp",
         "\u0301", "\u200b", "\ufeff", "\U0001f600", "\x00", "\x1f", "\x7f", "%", "&", "#", ";", "<script>",
         "&amp;", "NaN", "∞", "a" * 300)


def _hostile_text():
    """Search syntax in every arrangement: operators and words, with and without spaces between."""
    token = st.one_of(st.sampled_from(OPERATORS), st.sampled_from(OPERATORS), st.sampled_from(WORDS),
                      st.sampled_from(REAL_VALUES), st.text(max_size=6),
                      st.from_regex(r"[a-zа-яё0-9\-*~^:]{1,10}", fullmatch=True))
    joined = st.tuples(st.lists(token, min_size=1, max_size=25), st.sampled_from([" ", " ", "", "\t", "\n"])).map(
        lambda parts: parts[1].join(parts[0]))
    long = st.tuples(st.text(min_size=1, max_size=8), st.integers(200, 1500)).map(lambda pair: pair[0] * pair[1])
    return st.one_of(joined, joined, joined, st.text(max_size=60), st.sampled_from(TRAVERSALS), long)


QUERY = _hostile_text()
VALUE = st.one_of(QUERY, st.just(""))


def _numbers(low: int, high: int):
    return st.integers(low, high).map(str)


# values a parameter takes when it is used as meant, so that requests get past the checks and
# into the search, the exports and OAI-PMH (hostile values are drawn as often)
_PEOPLE = st.sampled_from(["anna-synthetic", "boris-synthetic", "nobody"])
MEANT = {
    "q": QUERY, "sort": st.sampled_from(SORTS), "page": _numbers(1, 1000), "per_page": _numbers(1, MAX_PER_PAGE),
    "lang": st.sampled_from(["en", "ru"]), "kind": st.sampled_from(KINDS),
    "stance": st.sampled_from(["admirer", "ambivalent", "critic", "not-stated"]),
    "person_stance": st.sampled_from(["admirer", "ambivalent", "critic", "not-stated"]),
    "theme": st.sampled_from(["the-gulag", "the-terror", "the-war"]), "person": _PEOPLE, "within": _PEOPLE,
    "fate": st.sampled_from(["executed", "sent-to-camp", "rehabilitated"]),
    "place": st.sampled_from(["Karaganda", "Moscow"]), "source": st.sampled_from(["synthetic-transcript"]),
    "decade": st.sampled_from(["1930s", "1940s", "1930", "193X"]), "recording": st.sampled_from(["anna-2020"]),
    "language": st.sampled_from(["en", "ru", "de"]), "metadataPrefix": st.just("oai_dc"),
    "verb": st.sampled_from(["Identify", "ListMetadataFormats", "ListSets", "GetRecord", "ListIdentifiers",
                             "ListRecords"]),
    "identifier": st.sampled_from(["oai:localhost:person/anna-synthetic", "oai:localhost:quote/anna-victory"]),
    "set": st.sampled_from(["collection", "theme:the-gulag", "collection:synthetic-test"]),
    "from": st.sampled_from(["2000-01-01", "2000-01-01T00:00:00Z", "1900"]),
}


def _parameter(name: str):
    return st.tuples(st.just(name), st.one_of(MEANT.get(name, VALUE), VALUE))


def _pairs(names: tuple[str, ...] = ()):
    """Query parameters: mostly the ones the route reads, then any known one, then any name at all."""
    read = st.sampled_from(names or PARAMETERS).flatmap(_parameter)
    known = st.sampled_from(PARAMETERS).flatmap(_parameter)
    return st.lists(st.one_of(read, read, known, st.tuples(st.text(max_size=8), VALUE)), max_size=8)


@pytest.fixture(scope="module")
def app(tmp_path_factory, imported_fixture_home):
    compile_catalogues()
    home = copy_home(imported_fixture_home, tmp_path_factory.mktemp("hostile-web") / "home")
    app = create_app({"ARCHIVE_HOME": str(home), "TESTING": True, "RATELIMIT_ENABLED": False})
    yield app
    app.extensions["archive"].close()


@pytest.fixture(scope="module")
def client(app):
    return app.test_client(use_cookies=False)


def _path_values(app, rule) -> dict[str, st.SearchStrategy[str]]:
    """Each path variable: a real value, arbitrary text, or a traversal payload."""
    people, themes = ["anna-synthetic", "boris-synthetic"], ["the-gulag", "the-terror", "the-war"]
    formats = ["csv", "jsonl", "json", "datapackage", "yaml", "vtt", "srt", "bibtex", "ris", "csl-json", "apa",
               "chicago", "xml", "exe"]
    real = {"person_id": people, "theme_id": themes, "fmt": formats, "filename": ["site.css", "print.css"],
            "target": ["collection", "person:anna-synthetic", "quote:anna-victory", "quote:anna-embargoed",
                       "person:boris-synthetic"]}
    return {name: st.one_of(st.sampled_from(real.get(name, ["x"])), st.text(min_size=1, max_size=30),
                            st.sampled_from(TRAVERSALS).filter(bool))
            for name in rule.arguments}


def _url(rule, values: dict[str, str], pairs: list[tuple[str, str]]) -> str:
    path = rule.rule
    for name, value in values.items():
        encoded = quote(value, safe="") if rule._converters[name].__class__.__name__ != "PathConverter" \
            else quote(value, safe="/")
        path = re.sub(r"<(?:[^<>:]+:)?" + re.escape(name) + r">", lambda _, encoded=encoded: encoded, path)
    return path + ("?" + urlencode(pairs) if pairs else "")


def check_answer(response, url: str) -> None:
    """Never a 500; HTML is a page; the API answers JSON and its errors are problem+json."""
    status, mimetype = response.status_code, response.mimetype
    body = response.get_data()
    assert status < 500, f"{status} for {url!r}"
    assert b"Traceback" not in body and b'File "/' not in body, url
    path = url.split("?", 1)[0]
    if path == "/api" or path.startswith("/api/"):
        assert mimetype in ("application/json", "application/problem+json"), (url, mimetype)
        data = json.loads(body)
        if status >= 400:
            assert mimetype == "application/problem+json", url
            assert data["status"] == status and data["title"] and isinstance(data["detail"], str), url
    elif mimetype == "text/html" and not 300 <= status < 400:  # werkzeug's redirect for "//" is a stub
        text = body.decode("utf-8")
        assert text.lstrip().lower().startswith("<!doctype html>") and text.rstrip().endswith("</html>"), url
        assert "<h1" in text, url
    for header in ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options"):
        assert header in response.headers, (url, header)


def _hostile_requests(app, client, rule):  # type: ignore[no-untyped-def]
    """A property test of one route: any path values, parameters and method answer without a 500."""
    methods = sorted(rule.methods - {"HEAD", "OPTIONS"})

    @settings(max_examples=EXAMPLES_PER_ROUTE, **SETTINGS)
    @given(values=st.fixed_dictionaries(_path_values(app, rule)),
           pairs=_pairs(READ_PARAMETERS.get(rule.endpoint, ())), method=st.sampled_from(methods))
    def ask(values, pairs, method):  # type: ignore[no-untyped-def]
        url = _url(rule, values, pairs)
        if method == "POST":
            response = client.post(url.split("?", 1)[0], data=MultiDict(pairs))
        else:
            response = client.open(url, method=method)
        check_answer(response, url)
        response.close()

    return ask


def test_every_route_answers_hostile_requests_without_a_server_error(app, client):
    rules = [rule for rule in app.url_map.iter_rules()]
    assert len(rules) >= 25, "the site's routes"
    exercised = set()
    for rule in rules:
        _hostile_requests(app, client, rule)()
        exercised.add(rule.rule)
    assert exercised == {rule.rule for rule in rules}


@settings(max_examples=150, **SETTINGS)
@given(query=QUERY, sort=st.sampled_from(["relevance", "date", "person"]), kinds=st.lists(st.sampled_from(
    ["quote", "person", "relative"]), max_size=2), stance=st.lists(VALUE, max_size=3), within=st.one_of(
    st.none(), st.sampled_from(["anna-synthetic", "boris-synthetic", "nobody"]), st.text(max_size=20)),
    page=st.integers(1, 1000), per_page=st.integers(1, MAX_PER_PAGE))
def test_archive_search_never_raises_on_any_query(app, query, sort, kinds, stance, within, page, per_page):
    assume(cost_problem(query[:MAX_QUERY_CHARS]) is None)  # refused before it reaches the index (a 400 above)
    archive = app.extensions["archive"]
    filters = {"kind": tuple(kinds), "stance": tuple(v[:200] for v in stance)}
    for viewer in (viewer_for("anonymous"), viewer_for("researcher")):
        request = SearchRequest(query=query, filters=filters, sort=sort, page=page, per_page=per_page,
                                within_person=within or None)
        result = archive.search(request, viewer)
        assert result.total >= 0 and len(result.hits) <= per_page
        assert result.request.query == query[:MAX_QUERY_CHARS]


@settings(max_examples=150, **SETTINGS)
@given(query=QUERY, lang=st.sampled_from(["en", "ru"]))
def test_the_search_page_and_api_answer_any_query(client, query, lang):
    """``q`` is searched (as plain words when it cannot be parsed), cut to the limit; only a query
    that would cost more than one search may is refused, with a 400 that says why."""
    problem = cost_problem(query[:MAX_QUERY_CHARS])
    page = client.get("/search?" + urlencode({"q": query, "lang": lang}))
    if problem is not None:
        assert page.status_code == 400 and client.get("/api/search?" + urlencode({"q": query})).status_code == 400
        return
    check_answer(page, "/search")
    assert page.status_code == 200
    api = client.get("/api/search?" + urlencode({"q": query}))
    check_answer(api, "/api/search")
    assert api.status_code == 200
    data = api.get_json()
    assert data["query"] == query[:MAX_QUERY_CHARS] and data["query_truncated"] == (len(query) > MAX_QUERY_CHARS)


# --- limits --------------------------------------------------------------------------------------


def test_a_long_query_is_cut_and_answered_and_the_page_says_so(client):
    query = "Stalin " * 1500  # 10,500 characters (issue 3: a 10,000-character query still answers)
    page = client.get("/search?" + urlencode({"q": query}))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f"The query was longer than {MAX_QUERY_CHARS} characters" in html
    russian = client.get("/search?" + urlencode({"q": query, "lang": "ru"})).get_data(as_text=True)
    assert f"Запрос длиннее {MAX_QUERY_CHARS} символов" in russian
    api = client.get("/api/search?" + urlencode({"q": query})).get_json()
    assert api["query_truncated"] is True and len(api["query"]) == MAX_QUERY_CHARS and api["total"] >= 1
    quotes = client.get("/api/quotes?" + urlencode({"q": query})).get_json()
    assert quotes["query_truncated"] is True
    short = client.get("/api/search?q=Stalin").get_json()
    assert short["query_truncated"] is False
    assert "longer than" not in client.get("/search?q=Stalin").get_data(as_text=True)


@pytest.mark.parametrize("url, status, detail", [
    ("/search?page=1001", 400, "page must be between 1 and 1000"),
    ("/api/search?page=1001", 400, "page must be between 1 and 1000"),
    ("/api/people?page=1001", 400, "page must be between 1 and 1000"),
    ("/search/export.csv?page=1001", 400, "page must be between 1 and 1000"),
    ("/api/quotes?per_page=101", 400, "per_page must be between 1 and 100"),
    ("/search?" + "&".join(f"theme=t{i}" for i in range(21)), 400, "at most 20 values of theme"),
    ("/api/search?" + "&".join(["stance=critic"] * 21), 400, "at most 20 values of stance"),
    ("/search/export.csv?" + "&".join(f"place=p{i}" for i in range(21)), 400, "at most 20 values of place"),
    ("/api/search?place=" + "x" * 201, 400, "a value of place may be at most 200 characters long"),
    ("/api/search?within=" + "x" * 201, 400, "within must be a person id of at most 200 characters"),
    ("/api/search?page=99999999999999999999999", 400, "page must be a whole number"),
    ("/api/search?page=%D9%A5", 400, "page must be a whole number"),  # an Arabic-Indic five
    ("/api/search?lang=en&lang=xx", 400, "unknown language 'xx'"),
])
def test_limits_are_refused_with_a_clear_reason(client, url, status, detail):
    response = client.get(url)
    assert response.status_code == status, url
    text = response.get_data(as_text=True)
    assert detail in (response.get_json()["detail"] if response.mimetype.endswith("json") else
                      text.replace("&#39;", "'")), text[:500]


@pytest.mark.parametrize("url", ["/search?page=1000", "/api/search?page=1000", "/api/quotes?page=999&per_page=100",
                                 "/api/people?page=1000", "/search?q=camp&page=50&unknown=1&x%00=y"])
def test_a_page_past_the_last_is_empty_not_an_error(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    if response.mimetype == "application/json":
        data = response.get_json()
        assert data.get("hits", data.get("items")) == []


# --- paths: nothing a request gives reaches the file system --------------------------------------


# the query parameters each view reads (besides ?lang=, which every page reads)
_SEARCH_PARAMETERS = ("q", *FACETS, "within", "sort", "page", "per_page")
READ_PARAMETERS = {
    "search.search": _SEARCH_PARAMETERS, "exports.search_export": _SEARCH_PARAMETERS,
    "api.search": _SEARCH_PARAMETERS, "api.quotes": _SEARCH_PARAMETERS,
    "people.index": ("stance",), "api.people": ("stance", "page", "per_page"),
    "exports.person_subtitles": ("recording", "language"), "auth.login": ("next",),
    "oai.endpoint": ("verb", "identifier", "set", "metadataPrefix", "resumptionToken", "from", "until"),
}
_REAL_PATH_VALUES = {"person_id": "anna-synthetic", "theme_id": "the-gulag", "fmt": "csv", "target": "collection",
                     "filename": "site.css"}


def _with_payloads(app, payload: str) -> list[tuple[str, bool]]:
    """(url, whether the payload is in the path) for every GET route: in each path variable
    (percent-encoded and raw), then in each query parameter the route reads, and in ?lang=."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        base = {name: _REAL_PATH_VALUES.get(name, "x") for name in rule.arguments}
        if "fmt" in base and rule.endpoint in ("exports.person_subtitles", "exports.cite_file"):
            base["fmt"] = "vtt" if rule.endpoint == "exports.person_subtitles" else "bibtex"
        for name in rule.arguments:
            for safe in ("", "/\\"):
                path = rule.rule
                for other, filling in base.items():
                    value = quote(payload, safe=safe) if other == name else filling
                    path = re.sub(r"<(?:[^<>:]+:)?" + re.escape(other) + r">", lambda _, v=value: v, path)
                urls.append((path, True))
        path = _url(rule, base, [])
        for parameter in ("lang", *READ_PARAMETERS.get(rule.endpoint, ())):
            urls.append((path + "?" + urlencode({parameter: payload}), False))
    return urls


SECRETS = (b"root:x:0:0", b"root:*:0:0", b"[boot loader]", b"[fonts]", b"def init_app", b"PRIVATE KEY",
           b"# SYNTHETIC test person")


@pytest.mark.parametrize("payload", TRAVERSALS)
def test_traversal_payloads_never_reach_a_file(app, client, payload):
    for url, in_path in _with_payloads(app, payload):
        response = client.get(url)
        body = response.get_data()
        assert response.status_code < 500, (url, response.status_code)
        for secret in SECRETS:
            assert secret not in body, (url, secret)
        if in_path and response.status_code in (301, 308):  # werkzeug merging "//": stays on the site
            location = response.headers["Location"]
            assert location.startswith("/") or location.startswith("http://localhost/"), (url, location)
            response = client.get(location)
            assert not any(secret in response.get_data() for secret in SECRETS), (url, location)
        if in_path:  # no id, format, target or file name is spelt like that
            assert response.status_code in (400, 404), (url, response.status_code)
        response.close()


def test_ids_must_be_slugs_before_any_lookup(client):
    for url in ("/people/anna-synthetic%0A", "/people/ANNA-SYNTHETIC", "/api/people/anna-synthetic%0A",
                "/themes/the-gulag%00", "/people/anna-synthetic%2F..%2F..%2Fetc%2Fpasswd/export.csv",
                "/people/" + "a" * 201):
        response = client.get(url)
        assert response.status_code == 404, url
    assert client.get("/api/people/anna-synthetic%0A").mimetype == "application/problem+json"
    assert client.get("/people/anna-synthetic").status_code == 200


@pytest.mark.parametrize("query", ["../../etc/passwd", "..\\..\\boot.ini", "a\r\nSet-Cookie: x=1", "/абв/../x", "\x00"])
def test_download_names_never_carry_a_path_or_a_header(client, query):
    response = client.get("/search/export.csv?" + urlencode({"q": query}))
    response.get_data()
    disposition = response.headers["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition and "Set-Cookie" not in response.headers
    names = re.findall(r'filename="([^"]*)"', disposition) + re.findall(r"filename\*=UTF-8''(\S+)", disposition)
    for name in names:
        assert not re.search(r"/|\\|%2F|%5C|\.\.", name, re.I) and not name.startswith("."), disposition
    response.close()
