"""A synthetic withheld record the access tests add to the access collection: a restricted quote
of a public person in a language (Ukrainian) no other quote is in, so an export column made from
it would show that a withheld quote exists. The quote is the only record that cites a source
of its own (``WITHHELD_ONLY_SOURCE``), so listing or counting that source would show it too."""

from __future__ import annotations

from pathlib import Path

import yaml

# a source that only the restricted quote below cites (synthetic)
WITHHELD_ONLY_SOURCE = {"id": "synthetic-okapinsk-letters", "title": "Synthetic Okapinsk letters", "kind": "other"}

# a restricted quote of a public person, in a language no other quote is in (synthetic text)
WITHHELD_UKRAINIAN_QUOTE = {
    "id": "vera-ukrainian-restricted",
    "text": {"uk": "Синтетичний прихований уривок про зиму."},
    "original_language": "uk",
    "themes": ["the-gulag"],
    "stance": "critic",
    "source": WITHHELD_ONLY_SOURCE["id"],
    "visibility": {"status": "restricted", "reason": "synthetic restriction for the export columns test"},
}


def add_withheld_ukrainian_quote(collection: Path) -> None:
    """Give the public person ``vera-synthetic`` the restricted Ukrainian quote, and the collection
    the source only that quote cites."""
    collection_file = collection / "collection.yaml"
    head = yaml.safe_load(collection_file.read_text(encoding="utf-8"))
    head["sources"].append(dict(WITHHELD_ONLY_SOURCE))
    collection_file.write_text(yaml.safe_dump(head, allow_unicode=True, sort_keys=False), encoding="utf-8")
    path = collection / "people" / "vera-synthetic.yaml"
    person = yaml.safe_load(path.read_text(encoding="utf-8"))
    person["quotes"].append(dict(WITHHELD_UKRAINIAN_QUOTE))
    path.write_text(yaml.safe_dump(person, allow_unicode=True, sort_keys=False), encoding="utf-8")


# A source withheld on its own (synthetic): its title carries a marker word. A public record cites it
# (``add_withheld_place_and_source``), so only its own visibility keeps it from the public.
WITHHELD_SOURCE = {"id": "synthetic-sealed-letters", "title": "Synthetic Narwhalograd letters", "kind": "other",
                   "visibility": {"status": "restricted", "reason": "synthetic restriction of a source"}}
# a place of a public person, embargoed on its own (synthetic): its name carries a marker word
WITHHELD_PLACE = {"name": "Pangolinsk (synthetic)", "name_native": "Панголинск", "relation": "lives",
                  "source": "synthetic-notes",
                  "visibility": {"status": "embargoed", "until": "2999-01-01",
                                 "reason": "synthetic embargo of a place"}}
# the citation of the withheld source that a public person's portrait gives, besides its public one
WITHHELD_SOURCE_CITATION = {"source": WITHHELD_SOURCE["id"], "locator": "letter 2"}


def add_withheld_place_and_source(collection: Path) -> None:
    """Give the collection the withheld source, and the public person ``vera-synthetic`` the withheld
    place and a second portrait citation, of the withheld source."""
    collection_file = collection / "collection.yaml"
    head = yaml.safe_load(collection_file.read_text(encoding="utf-8"))
    head["sources"].append(dict(WITHHELD_SOURCE))
    collection_file.write_text(yaml.safe_dump(head, allow_unicode=True, sort_keys=False), encoding="utf-8")
    path = collection / "people" / "vera-synthetic.yaml"
    person = yaml.safe_load(path.read_text(encoding="utf-8"))
    person.setdefault("places", []).append(dict(WITHHELD_PLACE))
    person["portrait"]["sources"].append(dict(WITHHELD_SOURCE_CITATION))
    path.write_text(yaml.safe_dump(person, allow_unicode=True, sort_keys=False), encoding="utf-8")
