"""What other programs get from the site: OAI-PMH answers a bad token in OAI-PMH XML, and the
public read-only API may be read by a browser page of another site (CORS), anonymously only.

Over a real archive of the synthetic fixture collection."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from lxml import etree

from archive.access import accounts
from tests.support import home_with_users
from webapp import create_app
from webapp.i18n import compile_catalogues

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "collection"
PASSWORD = "correct horse battery"
OAI_NS = "http://www.openarchives.org/OAI/2.0/"
ORIGIN = {"Origin": "https://reader.example"}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, imported_fixture_home: Path) -> Iterator[Flask]:
    compile_catalogues()
    home = home_with_users(imported_fixture_home, tmp_path_factory.mktemp("http-home") / "home",
                           {"vera": "researcher"}, PASSWORD)
    made = create_app({"ARCHIVE_HOME": str(home), "TESTING": True, "WTF_CSRF_ENABLED": False})
    made.extensions["archive_limiter"].reset()
    yield made
    made.extensions["archive"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


# --- OAI-PMH -------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.slow
def test_an_invalid_token_on_oai_is_answered_in_oai_pmh_xml(client: FlaskClient, method: str) -> None:
    bad = {"Authorization": "Bearer not-a-token-of-this-archive"}
    if method == "GET":
        response = client.get("/oai?verb=Identify", headers=bad)
    else:
        response = client.post("/oai", data={"verb": "Identify"}, headers=bad)
    assert response.status_code == 401
    assert response.mimetype == "text/xml"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    root = etree.fromstring(response.get_data())
    assert root.tag == f"{{{OAI_NS}}}OAI-PMH"
    assert root.find(f"{{{OAI_NS}}}responseDate") is not None
    assert root.find(f"{{{OAI_NS}}}request").text.endswith("/oai")
    [error] = root.findall(f"{{{OAI_NS}}}error")
    assert error.get("code") == "badArgument" and "token" in error.text
    assert root.find(f"{{{OAI_NS}}}Identify") is None  # nothing answered for the bad token
    assert "no-store" in response.headers["Cache-Control"]


def test_oai_without_a_token_still_answers(client: FlaskClient) -> None:
    response = client.get("/oai?verb=Identify")
    assert response.status_code == 200
    assert etree.fromstring(response.get_data()).find(f"{{{OAI_NS}}}Identify") is not None


# --- CORS ----------------------------------------------------------------------------------------


def test_the_public_api_may_be_read_from_any_origin_anonymously(client: FlaskClient) -> None:
    for url in ("/api/people", "/api/people/anna-synthetic", "/api/search?q=camps", "/api/nothing-here"):
        response = client.get(url, headers=ORIGIN)
        assert response.headers.get("Access-Control-Allow-Origin") == "*", url
        assert "Access-Control-Allow-Credentials" not in response.headers, url
    assert client.get("/api/people").headers.get("Access-Control-Allow-Origin") == "*"  # with no Origin too


@pytest.mark.slow
def test_no_cors_on_pages_or_for_anything_authenticated(app: Flask, client: FlaskClient) -> None:
    token = accounts.issue_token(app.extensions["archive"].engine, "vera")
    try:
        by_token = client.get("/api/people", headers={**ORIGIN, "Authorization": f"Bearer {token}"})
        assert by_token.status_code == 200
        assert "Access-Control-Allow-Origin" not in by_token.headers
    finally:
        accounts.revoke_token(app.extensions["archive"].engine, token[:8])
    bad_token = client.get("/api/people", headers={**ORIGIN, "Authorization": "Bearer nonsense"})
    assert bad_token.status_code == 401 and "Access-Control-Allow-Origin" not in bad_token.headers
    for page in ("/people", "/oai?verb=Identify", "/"):
        assert "Access-Control-Allow-Origin" not in client.get(page, headers=ORIGIN).headers, page
    researcher = app.test_client()
    assert researcher.post("/login", data={"name": "vera", "password": PASSWORD}).status_code == 303
    logged_in = researcher.get("/api/people", headers=ORIGIN)
    assert logged_in.status_code == 200 and "Access-Control-Allow-Origin" not in logged_in.headers
    assert "Access-Control-Allow-Credentials" not in logged_in.headers
    assert "Access-Control-Allow-Origin" not in client.post("/api/people", headers=ORIGIN).headers
