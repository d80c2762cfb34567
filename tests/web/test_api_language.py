"""The language of the texts is the search's `language` parameter in the OpenAPI document, as on
the pages; the API still reads `lang` as that filter. Every value the document allows for it is
answered (schemathesis covers the rest), and the limits the document states are the ones kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from archive.search.request import MAX_FILTER_VALUES
from tests.support import viewer_client


@pytest.fixture(scope="module")
def client(imported_fixture_home: Path):  # type: ignore[no-untyped-def]
    return viewer_client(imported_fixture_home, "anonymous")


def _parameter(document: dict[str, Any], path: str, name: str) -> dict[str, Any] | None:
    return next((p for p in document["paths"][path]["get"]["parameters"] if p["name"] == name), None)


@pytest.mark.parametrize("path", ["/api/search", "/api/quotes"])
def test_the_document_declares_language_and_no_second_parameter_of_that_facet(client, path: str) -> None:  # type: ignore[no-untyped-def]
    document = client.get("/api/openapi.json").get_json()
    language = _parameter(document, path, "language")
    assert language is not None and language["schema"]["maxItems"] == MAX_FILTER_VALUES
    assert "enum" not in language["schema"]["items"]  # any language code: a collection may hold uk, de, …
    assert _parameter(document, path, "lang") is None


def test_language_filters_the_texts_as_lang_does(client) -> None:  # type: ignore[no-untyped-def]
    by_language = client.get("/api/search?kind=quote&language=ru").get_json()
    assert by_language["total"] == client.get("/api/search?kind=quote&lang=ru").get_json()["total"] == 4
    assert client.get("/api/search?kind=quote&language=uk").get_json()["total"] == 0  # a code no text has
    many = "&".join(f"language=x{n}" for n in range(MAX_FILTER_VALUES))
    assert client.get(f"/api/quotes?{many}").status_code == 200
    too_many = many + "&language=ru"
    answer = client.get(f"/api/quotes?{too_many}")
    assert answer.status_code == 400 and answer.mimetype == "application/problem+json"
