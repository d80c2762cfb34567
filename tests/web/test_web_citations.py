"""The citations the pages offer: only what exists, in the manuals' forms, as files a reference
manager recognises by their media type."""

from __future__ import annotations

from html import unescape
from pathlib import Path

import pytest

from tests.support import copy_home
from webapp import create_app


def _client(home: Path):  # type: ignore[no-untyped-def]
    return create_app({"ARCHIVE_HOME": str(home), "TESTING": True}).test_client(use_cookies=False)


@pytest.fixture(scope="module")
def data_client(tmp_path_factory: pytest.TempPathFactory, imported_data_home: Path):  # type: ignore[no-untyped-def]
    return _client(copy_home(imported_data_home, tmp_path_factory.mktemp("citations-data") / "home"))


@pytest.mark.parametrize("person", ["galina", "the-sisters", "the-volunteers"])
@pytest.mark.slow
def test_people_without_quotes_offer_no_testimony(data_client, person: str) -> None:  # type: ignore[no-untyped-def]
    html = data_client.get(f"/people/{person}").get_data(as_text=True)
    assert "Export this testimony" not in html
    assert 'id="cite"' not in html and 'href="#cite"' not in html
    assert f"/cite/person:{person}" not in html
    for url in (f"/cite/person:{person}", f"/cite/person:{person}.bibtex", f"/cite/person:{person}.ris"):
        assert data_client.get(url).status_code == 404


@pytest.mark.slow
def test_a_person_with_quotes_offers_the_press_kit_as_quoted_in(data_client) -> None:  # type: ignore[no-untyped-def]
    html = unescape(data_client.get("/people/igor").get_data(as_text=True))
    assert "Export this testimony" in html and 'id="cite"' in html
    quote_page = unescape(data_client.get("/cite/quote:igor-shark-feed").get_data(as_text=True))
    assert "Zeppers Film en TV. (2017, November). The Red Soul: press kit [Press kit]." in quote_page
    assert "(Igor, as cited in Zeppers Film en TV, 2017, About the film, para. 2)" in quote_page
    assert "Igor, quoted in Zeppers Film en TV, The Red Soul: Press Kit" in quote_page  # the Chicago note
    assert "shark feed" in quote_page  # the words cited, shown beside their citation


@pytest.mark.parametrize("fmt, media_type, name", [
    ("bibtex", "application/x-bibtex", "quote-igor-shark-feed.bib"),
    ("ris", "application/x-research-info-systems", "quote-igor-shark-feed.ris"),
])
def test_citation_files_have_their_media_type_and_a_file_name(data_client, fmt: str, media_type: str,  # type: ignore[no-untyped-def]
                                                              name: str) -> None:
    response = data_client.get(f"/cite/quote:igor-shark-feed.{fmt}")
    assert response.status_code == 200 and response.mimetype == media_type
    assert response.headers["Content-Disposition"] == f'attachment; filename="{name}"'


@pytest.mark.slow
def test_the_collection_rights_statement_is_on_the_cite_page_and_in_every_format(tmp_path: Path) -> None:
    import json
    import shutil

    import yaml

    from tests.support import FIXTURES, import_into

    rights = "http://rightsstatements.org/vocab/InC-EDU/1.0/"
    collection = tmp_path / "collection"
    shutil.copytree(FIXTURES / "collection", collection)
    collection_file = collection / "collection.yaml"
    data = yaml.safe_load(collection_file.read_text(encoding="utf-8"))
    data["collection"]["rights"] = rights
    collection_file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    client = _client(import_into(tmp_path / "home", collection))
    for target in ("collection", "person:anna-synthetic", "quote:anna-victory"):
        page = client.get(f"/cite/{target}").get_data(as_text=True)
        assert f'<a href="{rights}" rel="license">' in page
        assert f'<meta name="DC.rights" content="{rights}">' in page
        assert rights in json.loads(client.get(f"/cite/{target}.csl-json").get_data(as_text=True))[0]["note"]
        assert f"copyright = {{{rights}}}" in client.get(f"/cite/{target}.bibtex").get_data(as_text=True)
        assert f"N1  - Rights: {rights}" in client.get(f"/cite/{target}.ris").get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)
    assert f'"license": "{rights}"' in home  # the collection's JSON-LD
