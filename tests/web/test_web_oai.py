"""OAI-PMH at /oai of the real site, served by waitress on 127.0.0.1, harvested with sickle."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from lxml import etree

from tests.support import copy_home
from webapp import create_app

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = Path(__file__).resolve().parents[1] / "fixtures" / "schemas" / "oai-pmh"


@pytest.fixture(scope="module")
def site(tmp_path_factory, imported_fixture_home):
    from waitress.server import create_server

    home = copy_home(imported_fixture_home, tmp_path_factory.mktemp("oai-site") / "home")
    app = create_app({"ARCHIVE_HOME": str(home), "SECRET_KEY": "oai-site-test-key-0123456789"})
    server = create_server(app, host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    thread.join(timeout=5)
    app.extensions["archive"].close()


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sickle_harvests_the_site(site, method):
    from sickle import Sickle, oaiexceptions

    client = Sickle(f"{site}/oai", http_method=method, max_retries=0)
    assert client.Identify().repositoryName
    records = list(client.ListRecords(metadataPrefix="oai_dc"))
    identifiers = [r.header.identifier for r in records]
    assert identifiers == ["oai:127.0.0.1:person/anna-synthetic"]  # the restricted person is not harvested
    assert "Anna (synthetic)" in records[0].metadata["title"][0]
    with pytest.raises(oaiexceptions.CannotDisseminateFormat):
        list(client.ListRecords(metadataPrefix="marc21"))
    with pytest.raises(oaiexceptions.IdDoesNotExist):
        client.GetRecord(identifier="oai:127.0.0.1:person/boris-synthetic", metadataPrefix="oai_dc")


def test_responses_are_valid_xml_with_the_right_type(site):
    import urllib.request

    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "harness.xsd")))
    with urllib.request.urlopen(f"{site}/oai?verb=ListSets") as response:
        assert response.headers["Content-Type"].startswith("text/xml")
        doc = etree.fromstring(response.read())
    schema.assertValid(doc)
    with urllib.request.urlopen(f"{site}/oai?verb=Nonsense") as response:
        doc = etree.fromstring(response.read())
    schema.assertValid(doc)
    assert doc.find("{http://www.openarchives.org/OAI/2.0/}error").get("code") == "badVerb"


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_oaipmh_scythe_harvests_the_site(site, method):
    from oaipmh_scythe import Scythe
    from oaipmh_scythe import exceptions as errors
    from oaipmh_scythe.config import HTTPConfig

    with Scythe(f"{site}/oai", http_config=HTTPConfig(http_method=method)) as client:
        assert client.identify().repositoryName
        records = list(client.list_records(metadata_prefix="oai_dc"))
        assert [r.header.identifier for r in records] == ["oai:127.0.0.1:person/anna-synthetic"]
        assert all(h.datestamp.endswith("Z") for h in client.list_identifiers(metadata_prefix="oai_dc"))
        with pytest.raises(errors.IdDoesNotExist):
            client.get_record("oai:127.0.0.1:person/boris-synthetic")
        with pytest.raises(errors.BadVerb):
            client.harvest({"verb": "Harvest"})
