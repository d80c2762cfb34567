"""A relative may be named by a pseudonym, with the real name kept for researchers only, under the
same rule as a person's: shown on the page and in the API to researchers, exported to them in the
YAML, never in the search index, an anonymous page, export or feed (the leak crawl checks every
route for the marker). Vera's mother in the access fixtures is such a relative (synthetic)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
import yaml

from archive.collection.loader import read_collection
from archive.collection.problems import InvalidCollection
from tests.support import import_into, make_access_collection, viewer_client

PSEUDONYM = "Mother (pseudonym, synthetic)"
REAL_NAME, REAL_NAME_NATIVE = "Ibexandrova", "Ибександрова"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("relative-pseudonyms")
    return import_into(root / "home", make_access_collection(root / "collection"))


@pytest.mark.parametrize("viewer, sees_real_name", [("anonymous", False), ("researcher", True)])
@pytest.mark.slow
def test_the_real_name_is_shown_to_researchers_only(home: Path, viewer: str, sees_real_name: bool) -> None:
    client = viewer_client(home, viewer)
    page = client.get("/people/vera-synthetic").get_data(as_text=True)
    family = page.split('id="family"')[1].split("</table>")[0]
    assert PSEUDONYM in family and "Pseudonym" in family
    mother = next(r for r in client.get("/api/people/vera-synthetic").get_json()["family"]
                  if r["relation"] == "mother")
    assert mother["name"] == PSEUDONYM and mother["pseudonym"] is True
    with zipfile.ZipFile(io.BytesIO(client.get("/people/vera-synthetic/export.yaml").get_data())) as files:
        exported = files.read("people/vera-synthetic.yaml").decode("utf-8")
    assert "pseudonym: true" in exported
    for text in (family, str(mother), exported):
        assert (REAL_NAME in text and REAL_NAME_NATIVE in text) is sees_real_name, text[:300]
    # the real name is never in the search index, whoever searches
    for word in (REAL_NAME, REAL_NAME_NATIVE):
        assert client.get(f"/api/search?q={word}").get_json()["total"] == 0
    assert client.get("/api/search?q=pseudonym").get_json()["total"] >= 1  # the name it is shown under


def test_a_real_name_without_a_pseudonym_is_refused_with_file_and_line(tmp_path: Path) -> None:
    collection = make_access_collection(tmp_path / "collection")
    vera = collection / "people" / "vera-synthetic.yaml"
    data = yaml.safe_load(vera.read_text(encoding="utf-8"))
    data["family"][0]["pseudonym"] = False
    vera.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(InvalidCollection) as refused:
        read_collection(collection)
    [problem] = refused.value.problems
    line = next(n for n, text in enumerate(vera.read_text(encoding="utf-8").splitlines(), 1) if "relation:" in text)
    assert (Path(problem.file).name, problem.line, problem.field) == ("vera-synthetic.yaml", line, "family[0]")
    assert "pseudonym" in problem.message
