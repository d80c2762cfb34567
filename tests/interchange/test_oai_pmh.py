"""OAI-PMH 2.0: every verb and every error code validated against the OAI schemas, paging
with resumption tokens, visibility, sets, datestamps; and harvesting over real HTTP with
sickle and oaipmh-scythe, the clients libraries use."""

from __future__ import annotations

import re
import threading
import urllib.parse
from datetime import date
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from lxml import etree

from archive.access.visibility import Viewer
from archive.facade import Archive
from archive.interchange import oai_pmh
from tests.support import DATA, FIXTURES

SCHEMAS = Path(__file__).resolve().parents[1] / "fixtures" / "schemas" / "oai-pmh"
HARNESS = etree.XMLSchema(etree.parse(str(SCHEMAS / "harness.xsd")))
NS = {"o": oai_pmh.OAI_NS, "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/",
      "dc": "http://purl.org/dc/elements/1.1/"}
BASE = "http://archive.example.org/"
UTC_SECONDS = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
SET_SPEC = re.compile(r"[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*")
STANCE_WORDS = {"admirer", "ambivalent", "critic", "not-stated", "not stated", "stance"}


def check(body: bytes) -> etree._Element:
    """Parse a response and check what the schema does and what it cannot."""
    doc = etree.fromstring(body)
    assert HARNESS.validate(doc), HARNESS.error_log
    for element in doc.iter(f"{{{oai_pmh.OAI_NS}}}responseDate", f"{{{oai_pmh.OAI_NS}}}datestamp",
                            f"{{{oai_pmh.OAI_NS}}}earliestDatestamp"):
        assert UTC_SECONDS.fullmatch(element.text), element.text  # the schema lets a datestamp without Z pass
    for spec in doc.iter(f"{{{oai_pmh.OAI_NS}}}setSpec"):
        assert SET_SPEC.fullmatch(spec.text) and spec.text.isascii(), spec.text
    return doc


def oai(archive, *params: tuple[str, str], viewer: Viewer | None = None, page_size: int = oai_pmh.PAGE_SIZE):
    kwargs = {"page_size": page_size}
    if viewer is not None:
        kwargs["viewer"] = viewer
    status, body = oai_pmh.handle(archive, list(params), BASE, **kwargs)
    assert status == 200  # OAI-PMH reports errors inside a 200 response
    return check(body)


def error_code(doc: etree._Element) -> str | None:
    error = doc.find("o:error", NS)
    return None if error is None else error.get("code")


def identifiers(doc: etree._Element) -> list[str]:
    return [e.text for e in doc.iterfind(".//o:header/o:identifier", NS)]


def _imported(tmp_path_factory, collection: Path):
    home = tmp_path_factory.mktemp("home")
    opened = Archive.open(home)
    opened.import_collection(collection)
    return opened


# Read-only tests share one archive per collection; a test that changes the archive builds its own.
@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    opened = _imported(tmp_path_factory, FIXTURES / "collection")
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    opened = _imported(tmp_path_factory, DATA)
    yield opened
    opened.close()


# --- the six verbs ---------------------------------------------------------------------------


@pytest.mark.slow
def test_identify(synthetic):
    doc = oai(synthetic, ("verb", "Identify"))
    identify = doc.find("o:Identify", NS)
    assert identify.findtext("o:repositoryName", namespaces=NS) == "Synthetic test collection"
    assert identify.findtext("o:baseURL", namespaces=NS) == "http://archive.example.org/oai"
    assert identify.findtext("o:protocolVersion", namespaces=NS) == "2.0"
    assert identify.findtext("o:deletedRecord", namespaces=NS) == "persistent"
    assert identify.findtext("o:granularity", namespaces=NS) == "YYYY-MM-DDThh:mm:ssZ"
    assert identify.findtext("o:adminEmail", namespaces=NS) == "webmaster@archive.example.org"
    # the collection described in Dublin Core
    assert identify.findtext("o:description/oai_dc:dc/dc:title", namespaces=NS) == "Synthetic test collection"
    assert doc.find("o:request", NS).attrib == {"verb": "Identify"}


def test_admin_email_from_the_environment(synthetic, monkeypatch):
    monkeypatch.setenv(oai_pmh.ADMIN_EMAIL_ENV, "archivist@example.org")
    doc = oai(synthetic, ("verb", "Identify"))
    assert doc.findtext("o:Identify/o:adminEmail", namespaces=NS) == "archivist@example.org"


def test_list_metadata_formats(synthetic):
    doc = oai(synthetic, ("verb", "ListMetadataFormats"))
    assert [e.text for e in doc.iterfind(".//o:metadataPrefix", NS)] == ["oai_dc", "oai_qdc"]
    doc = oai(synthetic, ("verb", "ListMetadataFormats"),
              ("identifier", "oai:archive.example.org:person/anna-synthetic"))
    assert [e.text for e in doc.iterfind(".//o:metadataPrefix", NS)] == ["oai_dc", "oai_qdc"]


def test_list_sets_has_collection_and_themes_never_stance(synthetic):
    doc = oai(synthetic, ("verb", "ListSets"))
    specs = [e.text for e in doc.iterfind(".//o:setSpec", NS)]
    assert specs == ["collection", "collection:synthetic-test", "theme", "theme:the-gulag", "theme:the-terror",
                     "theme:the-war"]
    names = [e.text for e in doc.iterfind(".//o:setName", NS)]
    assert not any(word in (spec + name).lower()
                   for spec, name in zip(specs, names, strict=False) for word in STANCE_WORDS)
    gulag = doc.xpath("//o:set[o:setSpec='theme:the-gulag']", namespaces=NS)[0]
    assert gulag.xpath(".//dc:title[@xml:lang='ru']/text()", namespaces=NS) == ["ГУЛАГ"]


def test_list_identifiers_and_records_show_only_public_people(synthetic):
    doc = oai(synthetic, ("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc"))
    assert identifiers(doc) == ["oai:archive.example.org:person/anna-synthetic"]
    header = doc.find(".//o:header", NS)
    assert [e.text for e in header.iterfind("o:setSpec", NS)] == [
        "collection:synthetic-test", "theme:the-gulag", "theme:the-terror", "theme:the-war"]
    doc = oai(synthetic, ("verb", "ListRecords"), ("metadataPrefix", "oai_dc"))
    assert identifiers(doc) == ["oai:archive.example.org:person/anna-synthetic"]
    text = etree.tostring(doc, encoding="unicode")
    assert "boris" not in text.lower() and "Zanzibar" not in text and "Vorkuta" not in text
    assert "embargo" not in text.lower()


def test_get_record_dublin_core(synthetic):
    doc = oai(synthetic, ("verb", "GetRecord"), ("identifier", "oai:archive.example.org:person/anna-synthetic"),
              ("metadataPrefix", "oai_dc"))
    dc = doc.find(".//oai_dc:dc", NS)

    def values(element: str) -> list[str]:
        return [e.text for e in dc.iterfind(f"dc:{element}", NS)]

    assert values("title") == ["Anna (synthetic)"]
    assert values("creator") == ["Anna (synthetic)"]
    assert values("contributor") == ["Test Suite (interviewer)"]
    assert values("identifier") == ["http://archive.example.org/people/anna-synthetic"]
    assert values("date") == ["2020-05-01"]
    assert values("language") == ["ru"]
    assert set(values("subject")) == {"the Gulag", "ГУЛАГ", "the Terror", "Большой террор", "the war", "война"}
    assert "Karaganda" in values("coverage") and "1937/2020" in values("coverage")
    assert "Synthetic test collection (2020)" in values("relation")
    assert dc.xpath("dc:subject[@xml:lang='ru']/text()", namespaces=NS)[0] in {"ГУЛАГ", "Большой террор", "война"}
    # stance is a political opinion: never published
    for element in dc:
        assert element.text.lower() not in STANCE_WORDS


@pytest.mark.slow
def test_stance_is_never_published_in_the_shipped_collection(shipped):
    doc = oai(shipped, ("verb", "ListRecords"), ("metadataPrefix", "oai_dc"))
    labels = {"admirer", "ambivalent", "critic", "not stated"}
    for element in doc.iterfind(".//oai_dc:dc/*", NS):
        assert element.text.strip().lower() not in labels
    for spec in doc.iterfind(".//o:setSpec", NS):
        assert not any(word in spec.text for word in ("admirer", "critic", "ambivalent", "stance"))


def test_pseudonym_and_group_are_marked_in_creator(shipped):
    doc = oai(shipped, ("verb", "GetRecord"), ("identifier", "oai:archive.example.org:person/the-sisters"),
              ("metadataPrefix", "oai_dc"))
    assert doc.findtext(".//dc:creator", namespaces=NS).endswith("(group)")
    doc = oai(shipped, ("verb", "GetRecord"), ("identifier", "oai:archive.example.org:person/igor"),
              ("metadataPrefix", "oai_dc"))
    dc = doc.find(".//oai_dc:dc", NS)
    assert "Jessica Gorter (director)" in [e.text for e in dc.iterfind("dc:contributor", NS)]
    assert "MovingImage" in [e.text for e in dc.iterfind("dc:type", NS)]


@pytest.mark.slow
def test_a_pseudonym_is_marked_in_creator(archive, fixture_collection):
    person = fixture_collection / "people" / "anna-synthetic.yaml"
    text = person.read_text(encoding="utf-8")
    person.write_text(text.replace("role: interviewee", "pseudonym: true\nrole: interviewee"), encoding="utf-8")
    archive.import_collection(fixture_collection)
    doc = oai(archive, ("verb", "GetRecord"), ("identifier", "oai:archive.example.org:person/anna-synthetic"),
              ("metadataPrefix", "oai_dc"))
    assert doc.findtext(".//dc:creator", namespaces=NS) == "Anna (synthetic) (pseudonym)"


def test_sets_select_records(synthetic):
    for spec in ("collection", "collection:synthetic-test", "theme", "theme:the-war"):
        doc = oai(synthetic, ("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc"), ("set", spec))
        assert identifiers(doc) == ["oai:archive.example.org:person/anna-synthetic"], spec
    # boris's only theme is the Gulag, and he is restricted: the Gulag set has Anna alone
    doc = oai(synthetic, ("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("set", "theme:the-gulag"))
    assert identifiers(doc) == ["oai:archive.example.org:person/anna-synthetic"]
    assert error_code(oai(synthetic, ("verb", "ListRecords"), ("metadataPrefix", "oai_dc"),
                          ("set", "theme:no-such-theme"))) == "noRecordsMatch"


def test_researchers_see_restricted_records_if_the_caller_says_so(synthetic):
    doc = oai(synthetic, ("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc"),
              viewer=Viewer(role="researcher"))
    assert "oai:archive.example.org:person/boris-synthetic" in identifiers(doc)


# --- datestamps ------------------------------------------------------------------------------


def test_from_and_until(synthetic):
    doc = oai(synthetic, ("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc"))
    stamp = doc.findtext(".//o:datestamp", namespaces=NS)
    day = stamp[:10]
    for params in ([("from", stamp)], [("until", stamp)], [("from", day)], [("until", day)],
                   [("from", day), ("until", day)], [("from", stamp), ("until", stamp)]):
        doc = oai(synthetic, ("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc"), *params)
        assert identifiers(doc) == ["oai:archive.example.org:person/anna-synthetic"], params
    for params in ([("until", "2000-01-01")], [("from", "2999-01-01T00:00:00Z")]):
        doc = oai(synthetic, ("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), *params)
        assert error_code(doc) == "noRecordsMatch"
    identify = oai(synthetic, ("verb", "Identify"))
    assert identify.findtext(".//o:earliestDatestamp", namespaces=NS) <= stamp


def test_a_lifted_embargo_dates_the_record_to_its_day(synthetic):
    # Anna's embargoed quote becomes public on 2999-01-01: seen on that day, her record is
    # stamped with it, so that incremental harvests fetch her record again
    later = Viewer(today=date(2999, 6, 1))
    doc = oai(synthetic, ("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc"), viewer=later)
    assert doc.findtext(".//o:datestamp", namespaces=NS) == "2999-01-01T00:00:00Z"
    doc = oai(synthetic, ("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc"),
              ("from", "2999-01-01"), viewer=later)
    assert identifiers(doc) == ["oai:archive.example.org:person/anna-synthetic"]


# --- paging ----------------------------------------------------------------------------------


def _page_through(archive, verb: str, *params: tuple[str, str], page_size: int):
    doc = oai(archive, ("verb", verb), *params, page_size=page_size)
    pages = [doc]
    while True:
        token = doc.find(".//o:resumptionToken", NS)
        if token is None or not token.text:
            return pages
        doc = oai(archive, ("verb", verb), ("resumptionToken", token.text), page_size=page_size)
        pages.append(doc)


def test_paging_with_resumption_tokens(shipped):
    pages = _page_through(shipped, "ListRecords", ("metadataPrefix", "oai_dc"), page_size=2)
    assert len(pages) == 3
    tokens = [p.find(".//o:resumptionToken", NS) for p in pages]
    assert [t.get("cursor") for t in tokens] == ["0", "2", "4"]
    assert {t.get("completeListSize") for t in tokens} == {"5"}
    assert tokens[-1].text is None  # the empty token ends the list
    harvested = [i for p in pages for i in identifiers(p)]
    assert harvested == [f"oai:archive.example.org:person/{p}" for p in  # collection order, no repeats
                         ("galina", "igor", "jessica-gorter", "the-sisters", "the-volunteers")]
    # a token repeats its request's arguments
    with_set = _page_through(shipped, "ListIdentifiers", ("metadataPrefix", "oai_dc"),
                             ("set", "collection:the-red-soul"), page_size=4)
    assert len(with_set) == 2 and sum(len(identifiers(p)) for p in with_set) == 5


def test_a_complete_list_has_no_token(shipped):
    doc = oai(shipped, ("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc"))
    assert doc.find(".//o:resumptionToken", NS) is None


def test_list_sets_pages_too(synthetic):
    pages = _page_through(synthetic, "ListSets", page_size=4)
    assert len(pages) == 2
    assert [e.text for p in pages for e in p.iterfind(".//o:setSpec", NS)][-1] == "theme:the-war"


# --- every error code ------------------------------------------------------------------------


@pytest.mark.parametrize("params, code", [
    ([], "badVerb"),
    ([("verb", "Bogus")], "badVerb"),
    ([("verb", "Identify"), ("verb", "Identify")], "badVerb"),
    ([("verb", "Identify"), ("metadataPrefix", "oai_dc")], "badArgument"),
    ([("verb", "ListRecords")], "badArgument"),
    ([("verb", "GetRecord"), ("metadataPrefix", "oai_dc")], "badArgument"),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("metadataPrefix", "oai_dc")], "badArgument"),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", "yesterday")], "badArgument"),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", "2020-02-30")], "badArgument"),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", "2020-01-01"),
      ("until", "2021-01-01T00:00:00Z")], "badArgument"),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", "2021-01-01"), ("until", "2020-01-01")],
     "badArgument"),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("set", "theme:ГУЛАГ")], "badArgument"),
    ([("verb", "ListRecords"), ("resumptionToken", "x"), ("metadataPrefix", "oai_dc")], "badArgument"),
    ([("verb", "ListRecords"), ("resumptionToken", "not-a-token")], "badResumptionToken"),
    ([("verb", "ListSets"), ("resumptionToken", "eyJ2IjoxfQ")], "badResumptionToken"),
    ([("verb", "ListRecords"), ("metadataPrefix", "marc21")], "cannotDisseminateFormat"),
    ([("verb", "GetRecord"), ("identifier", "oai:archive.example.org:person/anna-synthetic"),
      ("metadataPrefix", "mods")], "cannotDisseminateFormat"),
    ([("verb", "GetRecord"), ("identifier", "oai:archive.example.org:person/boris-synthetic"),
      ("metadataPrefix", "oai_dc")], "idDoesNotExist"),
    ([("verb", "GetRecord"), ("identifier", "oai:elsewhere.org:person/anna-synthetic"),
      ("metadataPrefix", "oai_dc")], "idDoesNotExist"),
    ([("verb", "ListMetadataFormats"), ("identifier", "oai:archive.example.org:person/nobody")], "idDoesNotExist"),
    ([("verb", "ListMetadataFormats"), ("identifier", "oai:archive.example.org:quote/boris-secret")],
     "idDoesNotExist"),
    ([("verb", "ListMetadataFormats"), ("identifier", "oai:archive.example.org:quote/anna-victory")],
     "noMetadataFormats"),
    ([("verb", "GetRecord"), ("identifier", "oai:archive.example.org:quote/anna-victory"),
      ("metadataPrefix", "oai_dc")], "cannotDisseminateFormat"),
    ([("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc"), ("until", "1999-12-31")], "noRecordsMatch"),
])
def test_error_codes(synthetic, params, code):
    doc = oai(synthetic, *params)
    assert error_code(doc) == code
    assert doc.find("o:error", NS).text  # a message a person can read
    request = doc.find("o:request", NS)
    if code in ("badVerb", "badArgument"):
        assert request.attrib == {}  # the protocol: the base URL only
    else:
        assert request.get("verb") == dict(params)["verb"]


def test_a_token_of_another_verb_is_refused(shipped):
    token = oai(shipped, ("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc"),
                page_size=2).findtext(".//o:resumptionToken", namespaces=NS)
    doc = oai(shipped, ("verb", "ListRecords"), ("resumptionToken", token), page_size=2)
    assert error_code(doc) == "badResumptionToken"


def test_no_set_hierarchy_in_an_empty_archive(archive):
    assert error_code(oai(archive, ("verb", "ListSets"))) == "noSetHierarchy"
    assert error_code(oai(archive, ("verb", "ListRecords"), ("metadataPrefix", "oai_dc"),
                          ("set", "theme:the-gulag"))) == "noSetHierarchy"
    assert error_code(oai(archive, ("verb", "ListRecords"), ("metadataPrefix", "oai_dc"))) == "noRecordsMatch"
    oai(archive, ("verb", "Identify"))  # still valid, with a default name


# --- harvesting over HTTP ----------------------------------------------------------------------


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args) -> None:  # keep the test output clean
        pass


@pytest.fixture
def serve():
    """Serve ``handle`` for an archive on 127.0.0.1 (a real HTTP server in a thread), GET and POST."""
    servers = []

    def start(archive, page_size: int = 2) -> str:
        def app(environ, start_response):
            query = environ.get("QUERY_STRING", "")
            if environ["REQUEST_METHOD"] == "POST":
                length = int(environ.get("CONTENT_LENGTH") or 0)
                query = environ["wsgi.input"].read(length).decode("utf-8")
            params = urllib.parse.parse_qsl(query, keep_blank_values=True)
            root = f"http://{environ['HTTP_HOST']}/"
            status, body = oai_pmh.handle(archive, params, root, page_size=page_size)
            start_response(f"{status} OK", [("Content-Type", "text/xml; charset=utf-8"),
                                            ("Content-Length", str(len(body)))])
            return [body]

        server = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        servers.append((server, thread))
        return f"http://127.0.0.1:{server.server_port}/oai"

    yield start
    for server, thread in servers:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.slow
def test_sickle_harvests_everything(shipped, serve, method):
    from sickle import Sickle
    from sickle import oaiexceptions as errors
    from sickle.iterator import OAIResponseIterator

    client = Sickle(serve(shipped, page_size=2), http_method=method, max_retries=0)
    assert client.Identify().repositoryName == "The Red Soul"
    records = list(client.ListRecords(metadataPrefix="oai_dc"))  # three pages
    assert len(records) == 5
    assert {r.header.identifier for r in records} == {f"oai:127.0.0.1:person/{p}" for p in
                                                      ("igor", "galina", "the-sisters", "the-volunteers",
                                                       "jessica-gorter")}
    assert all(r.header.datestamp.endswith("Z") for r in records)
    igor = next(r for r in records if r.header.identifier.endswith("/igor"))
    assert igor.metadata["title"] == ["Igor"]
    assert igor.metadata["identifier"] == [client.endpoint.removesuffix("/oai") + "/people/igor"]
    assert len(list(client.ListIdentifiers(metadataPrefix="oai_dc"))) == 5
    sets = [s.setSpec for s in client.ListSets()]
    assert "collection:the-red-soul" in sets and "theme:the-gulag" in sets
    assert [f.metadataPrefix for f in client.ListMetadataFormats()] == ["oai_dc", "oai_qdc"]
    record = client.GetRecord(identifier="oai:127.0.0.1:person/galina", metadataPrefix="oai_dc")
    assert record.metadata["title"] == ["Galina"]
    themed = list(client.ListIdentifiers(metadataPrefix="oai_dc", set="theme:the-terror"))
    assert themed and all("theme:the-terror" in h.setSpecs for h in themed)

    with pytest.raises(errors.IdDoesNotExist):
        client.GetRecord(identifier="oai:127.0.0.1:person/nobody", metadataPrefix="oai_dc")
    with pytest.raises(errors.CannotDisseminateFormat):
        list(client.ListRecords(metadataPrefix="marc21"))
    with pytest.raises(errors.NoRecordsMatch):
        list(client.ListRecords(metadataPrefix="oai_dc", until="2000-01-01"))
    with pytest.raises(errors.BadArgument):
        list(client.ListRecords(metadataPrefix="oai_dc", **{"from": "last tuesday"}))
    with pytest.raises(errors.BadResumptionToken):
        list(client.ListRecords(resumptionToken="bogus"))
    with pytest.raises(errors.BadVerb):
        OAIResponseIterator(client, {"verb": "Harvest"})
    # sickle names the class NoMetadataFormat, so for noMetadataFormats it raises its generic OAIError
    with pytest.raises(errors.OAIError):
        list(client.ListMetadataFormats(identifier="oai:127.0.0.1:quote/igor-shark-feed"))


def test_sickle_sees_no_sets_in_an_empty_archive(archive, serve):
    from sickle import Sickle
    from sickle import oaiexceptions as errors

    client = Sickle(serve(archive), max_retries=0)
    with pytest.raises(errors.NoSetHierarchy):
        list(client.ListSets())


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.slow
def test_oaipmh_scythe_harvests_everything(shipped, serve, method):
    from oaipmh_scythe import Scythe
    from oaipmh_scythe import exceptions as errors
    from oaipmh_scythe.config import HTTPConfig

    with Scythe(serve(shipped, page_size=2), http_config=HTTPConfig(http_method=method)) as client:
        assert client.identify().repositoryName == "The Red Soul"
        records = list(client.list_records(metadata_prefix="oai_dc"))
        assert len(records) == 5
        assert len({r.header.identifier for r in records}) == 5
        headers = list(client.list_identifiers(metadata_prefix="oai_dc", set_="collection:the-red-soul"))
        assert len(headers) == 5
        assert all(h.datestamp.endswith("Z") for h in headers)
        assert [s.setSpec for s in client.list_sets()][:2] == ["collection", "collection:the-red-soul"]
        assert client.get_record("oai:127.0.0.1:person/galina").metadata["title"] == ["Galina"]

        with pytest.raises(errors.IdDoesNotExist):
            client.get_record("oai:127.0.0.1:person/nobody")
        with pytest.raises(errors.CannotDisseminateFormat):
            list(client.list_records(metadata_prefix="marc21"))
        with pytest.raises(errors.NoRecordsMatch):
            list(client.list_records(until="2000-01-01"))
        with pytest.raises(errors.BadArgument):
            list(client.list_records(from_="2020-01-01", until="2021-01-01T00:00:00Z"))
        with pytest.raises(errors.BadResumptionToken):
            list(client.list_records(resumption_token="bogus"))
        with pytest.raises(errors.NoMetadataFormats):
            list(client.list_metadata_formats(identifier="oai:127.0.0.1:quote/igor-shark-feed"))
        with pytest.raises(errors.BadVerb):
            client.harvest({"verb": "Harvest"})


def test_oaipmh_scythe_sees_no_sets_in_an_empty_archive(archive, serve):
    from oaipmh_scythe import Scythe
    from oaipmh_scythe import exceptions as errors

    with Scythe(serve(archive)) as client:
        with pytest.raises(errors.NoSetHierarchy):
            list(client.list_sets())


@pytest.mark.slow
def test_records_carry_their_own_datestamps_and_deletions_are_reported(tmp_path, fixture_collection):
    import shutil
    import time as clock

    archive = Archive.open(tmp_path / "home")
    archive.import_collection(fixture_collection)
    first = {h.findtext("o:identifier", namespaces=NS): h.findtext("o:datestamp", namespaces=NS)
             for h in (oai(archive, ("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc")))
             .iterfind(".//o:header", NS)}
    assert list(first) == ["oai:archive.example.org:person/anna-synthetic"]
    clock.sleep(1.1)
    # a second public person arrives; the first is unchanged and keeps its datestamp
    carl = fixture_collection / "people" / "carl-synthetic.yaml"
    shutil.copy(fixture_collection / "people" / "boris-synthetic.yaml", carl)
    text = carl.read_text(encoding="utf-8").replace("id: boris-synthetic", "id: carl-synthetic")
    text = text.replace("id: boris-secret", "id: carl-quote").replace("status: restricted", "status: public")
    carl.write_text(text, encoding="utf-8")
    archive.import_collection(fixture_collection)
    second = {h.findtext("o:identifier", namespaces=NS): h.findtext("o:datestamp", namespaces=NS)
              for h in (oai(archive, ("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc")))
              .iterfind(".//o:header", NS)}
    anna_id, carl_id = "oai:archive.example.org:person/anna-synthetic", "oai:archive.example.org:person/carl-synthetic"
    assert second[anna_id] == first[anna_id]
    assert second[carl_id] > first[anna_id]
    # the public person removed: listed as deleted; the restricted one removed: no trace
    carl.unlink()
    (fixture_collection / "people" / "boris-synthetic.yaml").unlink()
    archive.import_collection(fixture_collection)
    doc = (oai(archive, ("verb", "ListRecords"), ("metadataPrefix", "oai_dc")))
    deleted = [h.findtext("o:identifier", namespaces=NS) for h in doc.iterfind(".//o:header[@status='deleted']", NS)]
    assert deleted == ["oai:archive.example.org:person/carl-synthetic"]
    record = (oai(archive, ("verb", "GetRecord"), ("identifier", "oai:archive.example.org:person/carl-synthetic"),
                       ("metadataPrefix", "oai_dc")))
    assert record.find(".//o:header", NS).get("status") == "deleted"
    assert record.find(".//o:metadata", NS) is None
    gone = (oai(archive, ("verb", "GetRecord"), ("identifier", "oai:archive.example.org:person/boris-synthetic"),
                     ("metadataPrefix", "oai_dc")))
    assert error_code(gone) == "idDoesNotExist"
    archive.close()
