"""The site's public address (issue 20, item 18): with ``ARCHIVE_BASE_URL`` configured, OAI-PMH
identifiers and ``baseURL``, permalinks, citations, exports and the API's links are made from it,
whatever ``Host`` a request names; a host not in the trusted list is refused with a 400 that names
no link to it. Over the synthetic test collection."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest

from tests.support import copy_home
from webapp import create_app

BASE = "https://archive.example.org/"
EVIL = "evil.example.com"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, imported_fixture_home: Path) -> Path:
    return copy_home(imported_fixture_home, tmp_path_factory.mktemp("public-address") / "home")


def _app(home: Path, **config: Any) -> Any:
    return create_app({"ARCHIVE_HOME": str(home), "TESTING": True, "SECRET_KEY": "public-address-test-key",
                       "RATELIMIT_ENABLED": False, **config})


def _urls(text: str) -> list[str]:
    return re.findall(r"https?://[^\s\"'<>,}\\]+", text)


@pytest.mark.slow
def test_every_link_is_made_from_the_configured_address(home: Path) -> None:
    app = _app(home, ARCHIVE_BASE_URL=BASE)
    client = app.test_client()  # asked over plain HTTP on the public host, as behind a proxy
    identify = client.get("/oai?verb=Identify", base_url="http://archive.example.org").get_data(as_text=True)
    assert f"<baseURL>{BASE}oai</baseURL>" in identify
    record = client.get("/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:archive.example.org:person/"
                        "anna-synthetic", base_url="http://archive.example.org")
    assert record.status_code == 200 and "<error" not in record.get_data(as_text=True)
    listed = client.get("/oai?verb=ListIdentifiers&metadataPrefix=oai_dc",
                        base_url="http://archive.example.org").get_data(as_text=True)
    assert "oai:archive.example.org:person/anna-synthetic" in listed
    people = client.get("/api/people", base_url="http://archive.example.org").get_json()
    links = [url for item in people["items"] for url in item["links"].values()]
    assert links and all(url.startswith(BASE) for url in links)
    assert all(url.startswith(BASE) for url in client.get("/api/", base_url="http://archive.example.org")
               .get_json()["links"].values())
    rows = list(csv.DictReader(io.StringIO(client.get("/people/anna-synthetic/export.csv",
                                                      base_url="http://archive.example.org")
                                           .get_data(as_text=True).lstrip("\ufeff"))))
    assert rows and all(row["permalink"].startswith(BASE) for row in rows)
    bibtex = client.get("/cite/person:anna-synthetic.bibtex", base_url="http://archive.example.org")
    assert f"{BASE}people/anna-synthetic" in bibtex.get_data(as_text=True)
    page = client.get("/people/anna-synthetic", base_url="http://archive.example.org").get_data(as_text=True)
    assert f"{BASE}people/anna-synthetic" in page
    assert not [url for url in _urls(page + identify + listed) if url.startswith("http://archive.example.org")]
    app.extensions["archive"].close()


@pytest.mark.parametrize("url", ["/", "/people/anna-synthetic", "/api/people", "/oai?verb=Identify",
                                 "/people/anna-synthetic/export.csv", "/cite/person:anna-synthetic.bibtex"])
def test_a_host_not_trusted_is_refused(home: Path, url: str) -> None:
    app = _app(home, ARCHIVE_BASE_URL=BASE)
    response = app.test_client().get(url, headers={"Host": EVIL})
    assert response.status_code == 400
    assert f"oai:{EVIL}" not in response.get_data(as_text=True)
    assert not [link for link in _urls(response.get_data(as_text=True)) if EVIL in link]
    assert response.headers.get("X-Content-Type-Options") == "nosniff"  # the site's own answer, with its headers
    app.extensions["archive"].close()


@pytest.mark.slow
def test_the_public_host_itself_is_served(home: Path) -> None:
    app = _app(home, ARCHIVE_BASE_URL=BASE)
    response = app.test_client().get("/oai?verb=Identify", base_url=BASE)
    assert response.status_code == 200 and f"<baseURL>{BASE}oai</baseURL>" in response.get_data(as_text=True)
    app.extensions["archive"].close()


def test_a_base_url_with_a_path_prefixes_every_link(home: Path) -> None:
    app = _app(home, ARCHIVE_BASE_URL="https://example.org/archive")
    client = app.test_client()
    for path in ("/api/people", "/archive/api/people"):  # a proxy that strips the prefix, and one that passes it
        response = client.get(path, headers={"Host": "example.org"})
        assert response.status_code == 200, path
        item = response.get_json()["items"][0]
        assert item["links"]["html"].startswith("https://example.org/archive/people/")
    app.extensions["archive"].close()


def test_trusted_hosts_alone_refuse_other_hosts(home: Path) -> None:
    app = _app(home, TRUSTED_HOSTS=["archive.example.org"])
    client = app.test_client()
    assert client.get("/", headers={"Host": EVIL}).status_code == 400
    assert client.get("/", headers={"Host": "archive.example.org"}).status_code == 200
    app.extensions["archive"].close()


def test_the_environment_sets_the_address(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARCHIVE_BASE_URL", "https://env.example.org")
    app = _app(home)
    body = app.test_client().get("/oai?verb=Identify", headers={"Host": "env.example.org"}).get_data(as_text=True)
    assert "<baseURL>https://env.example.org/oai</baseURL>" in body
    app.extensions["archive"].close()


@pytest.mark.parametrize("bad", ["archive.example.org", "ftp://archive.example.org/", "https://a.example.org/?x=1",
                                 "https://user@archive.example.org/"])
def test_a_bad_address_stops_the_start_with_a_clear_message(home: Path, bad: str) -> None:
    with pytest.raises(ValueError, match="ARCHIVE_BASE_URL must be the archive's public address"):
        _app(home, ARCHIVE_BASE_URL=bad)
