"""The import's change log stamps only the people whose records changed (issue 20, item 16): a
source's title or a vocabulary label that changed restamps the people whose records cite or use it,
not everyone; a change of the collection's own record (in every record) restamps everyone. The
log is what researchers' OAI-PMH datestamps and the other web nodes' search indexes follow."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select, update

from archive.access.visibility import Viewer
from archive.facade import Archive
from archive.search.request import SearchRequest
from archive.store import models

LONG_AGO = datetime(2000, 1, 1, tzinfo=timezone.utc)


def _edit_yaml(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _people(collection: Path) -> dict[str, dict]:  # type: ignore[type-arg]
    return {path.stem: yaml.safe_load(path.read_text(encoding="utf-8"))
            for path in (collection / "people").glob("*.yaml")}


def _restamped_by_reimport(archive: Archive, collection: Path) -> set[str]:
    """The people the next import stamps: every stamp is first set long ago, so a new one shows."""
    C = models.RecordChange
    with archive.engine.begin() as conn:
        conn.execute(update(C).values(changed_at=LONG_AGO))
    archive.import_collection(collection)
    with archive.engine.connect() as conn:
        return set(conn.execute(select(C.id).where(C.kind == "person", C.changed_at > LONG_AGO)).scalars())


@pytest.fixture
def imported(archive: Archive, fixture_collection: Path) -> tuple[Archive, Path]:
    archive.import_collection(fixture_collection)
    return archive, fixture_collection


def test_a_source_title_restamps_only_the_people_who_cite_it(imported: tuple[Archive, Path]) -> None:
    archive, collection = imported
    source = "synthetic-transcript"
    citing = {person for person, data in _people(collection).items() if source in yaml.safe_dump(data)}
    assert citing and citing != set(_people(collection))  # some cite it, some do not

    def retitle(data):  # type: ignore[no-untyped-def]
        next(s for s in data["sources"] if s["id"] == source)["title"] = "Synthetic transcript, retitled"

    _edit_yaml(collection / "collection.yaml", retitle)
    assert _restamped_by_reimport(archive, collection) == citing


@pytest.mark.slow
def test_a_source_made_restricted_restamps_the_people_who_cite_it(imported: tuple[Archive, Path]) -> None:
    archive, collection = imported
    source = "synthetic-notes"
    citing = {person for person, data in _people(collection).items() if source in yaml.safe_dump(data)}

    def restrict(data):  # type: ignore[no-untyped-def]
        next(s for s in data["sources"] if s["id"] == source)["visibility"] = {"status": "restricted"}

    _edit_yaml(collection / "collection.yaml", restrict)
    assert _restamped_by_reimport(archive, collection) == citing


@pytest.mark.slow
def test_a_theme_label_restamps_only_the_people_whose_quotes_have_it(imported: tuple[Archive, Path]) -> None:
    archive, collection = imported
    theme = "the-war"
    using = {person for person, data in _people(collection).items()
             if any(theme in quote.get("themes", []) for quote in data.get("quotes", []))}
    assert using and using != set(_people(collection))

    def relabel(data):  # type: ignore[no-untyped-def]
        next(t for t in data["themes"] if t["id"] == theme)["label"]["en"] = "the war, relabelled"

    _edit_yaml(collection / "vocabulary.yaml", relabel)
    assert _restamped_by_reimport(archive, collection) == using


@pytest.mark.slow
def test_an_unused_term_restamps_nobody_and_the_collection_record_everybody(imported: tuple[Archive, Path]) -> None:
    archive, collection = imported

    def add_theme(data):  # type: ignore[no-untyped-def]
        data["themes"].append({"id": "synthetic-unused-theme", "label": {"en": "a synthetic theme", "ru": "тема"}})

    _edit_yaml(collection / "vocabulary.yaml", add_theme)
    assert _restamped_by_reimport(archive, collection) == set()

    def retitle(data):  # type: ignore[no-untyped-def]
        data["collection"]["title"] = "Synthetic collection, retitled"

    _edit_yaml(collection / "collection.yaml", retitle)
    assert _restamped_by_reimport(archive, collection) == set(_people(collection))


@pytest.mark.slow
def test_a_source_made_restricted_leaves_the_search_of_the_people_who_cite_it(imported: tuple[Archive, Path]) -> None:
    """A source's visibility is read into its citers' search documents (the source facet): a
    re-import that restricts it re-indexes them, though none of their own rows changed."""
    archive, collection = imported
    source = "synthetic-transcript"
    by_source = SearchRequest(filters={"source": (source,)})
    assert archive.search(by_source, Viewer()).total > 0

    def restrict(data):  # type: ignore[no-untyped-def]
        next(s for s in data["sources"] if s["id"] == source)["visibility"] = {"status": "restricted"}

    _edit_yaml(collection / "collection.yaml", restrict)
    report = archive.import_collection(collection)
    assert report.changed["sources"] == {source} and not report.changed["people"]
    assert archive.search(by_source, Viewer()).total == 0
