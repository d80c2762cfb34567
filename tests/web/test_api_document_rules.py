"""The OpenAPI document declares how the API is authorised and what it refuses, and the API
does as it says (issue 20, item 21): the bearer scheme and the 401 answer of every operation,
and empty values of enumerated parameters refused with 400.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from openapi_spec_validator import validate as validate_openapi

from tests.support import copy_home
from webapp import create_app


@pytest.fixture(scope="module")
def client(tmp_path_factory, imported_fixture_home) -> Iterator:
    home = copy_home(imported_fixture_home, tmp_path_factory.mktemp("api-rules") / "home")
    app = create_app({"ARCHIVE_HOME": str(home), "TESTING": True})
    yield app.test_client()
    app.extensions["archive"].close()


@pytest.fixture(scope="module")
def document(client) -> dict:
    return client.get("/api/openapi.json").get_json()


@pytest.mark.slow
def test_the_bearer_scheme_is_declared_and_optional(document):
    validate_openapi(document)
    schemes = document["components"]["securitySchemes"]
    [(name, scheme)] = schemes.items()
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert {} in document["security"] and {name: []} in document["security"]  # anonymous reading needs nothing


def test_every_operation_declares_its_401_and_the_api_answers_it(client, document):
    for path, item in document["paths"].items():
        responses = item["get"]["responses"]
        assert responses["401"] == {"$ref": "#/components/responses/Unauthorized"}, path
        if "{" in path:
            continue
        answer = client.get(path, headers={"Authorization": "Bearer not-a-token-of-this-archive"})
        assert answer.status_code == 401, path
        if path != "/api/openapi.json":
            assert answer.mimetype == "application/problem+json", path


@pytest.mark.parametrize("url, name", [
    ("/api/people?stance=", "stance"),
    ("/api/search?kind=", "kind"),
    ("/api/search?q=war&kind=quote&kind=", "kind"),
    ("/api/search?sort=", "sort"),
    ("/api/quotes?lang=", "lang"),
])
def test_an_empty_value_of_an_enumerated_parameter_is_refused(client, document, url, name):
    answer = client.get(url)
    assert answer.status_code == 400
    assert answer.mimetype == "application/problem+json"
    assert name in answer.get_json()["detail"]


@pytest.mark.parametrize("url", ["/api/people?stance=admirer", "/api/search?kind=quote", "/api/search?q=",
                                 "/api/people"])
@pytest.mark.slow
def test_values_the_document_allows_are_answered(client, url):
    assert client.get(url).status_code == 200
