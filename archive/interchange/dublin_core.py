"""The Dublin Core mapping: what a person's testimony is, in the fifteen simple DC elements.

This is the one place that decides how a record of the archive reads in Dublin Core;
OAI-PMH (``archive.interchange.oai_pmh``) and any other exporter that speaks DC ask this module.

A record is a person's testimony (an interview portrait), not a single quote: that is the
unit a library catalogues. The mapping:

=============  ===================================================================
title          the person's name (and the native-script form, ``xml:lang="ru"``)
creator        the interviewee; a pseudonym is marked "(pseudonym)", a group "(group)"
contributor    "Name (interviewer)" for each interviewer, "Name (director)" for the
               collection's directors
date           the interview dates as written (EDTF); else the collection's year
language       original languages of the visible quotes and of the interviews
subject        the labels of the themes of the visible quotes, in English and Russian
coverage       places (the person's, the interviews', the relatives' fates) and the
               period the dated events span (``1937/1956``)
description    the portrait, per language
type           DCMI Type: ``MovingImage`` for a testimony in a film (or on video),
               ``Sound`` for an audio interview, ``Text`` for words known from a text
rights         the rights statement the testimony stands under (its own, else the
               collection's: ``archive.catalogue.rights``), and "Rights holder: …"
identifier     the permalink of the person's page
relation       the collection, and every source the visible record cites
=============  ===================================================================

**Stance is a political opinion**: it is never published here, neither as a subject nor
in a description, and no stance label can reach a DC element (the tests check this).
Everything goes through the read side (``archive.catalogue.pages``), so the visibility rule
applies: a record the viewer may not see is ``NotFound``, and only its visible quotes
contribute themes and languages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from urllib.parse import quote as url_quote

from lxml import etree
from sqlalchemy.engine import Engine

from archive.access.visibility import Viewer
from archive.catalogue import pages as catalogue
from archive.catalogue.rights import RightsStatement
from archive.collection import dates

DC_NS = "http://purl.org/dc/elements/1.1/"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
XML_NS = "http://www.w3.org/XML/1998/namespace"

ELEMENTS = (
    "title", "creator", "subject", "description", "publisher", "contributor", "date", "type",
    "format", "identifier", "source", "language", "relation", "coverage", "rights",
)

_VIDEO = {".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".mpg", ".mpeg", ".ogv", ".mxf"}
_AUDIO = {".mp3", ".m4a", ".wav", ".flac", ".ogg", ".oga", ".opus", ".aac", ".aif", ".aiff", ".wma"}
_FILM_KIND = re.compile(r"\b(film|video|movie|documentary)\b", re.IGNORECASE)


# --- permalinks ----------------------------------------------------------------------------


def person_url(base_url: str, person_id: str) -> str:
    """The permalink of a person's page (``/people/<id>``, as the web app routes it)."""
    return f"{base_url.rstrip('/')}/people/{url_quote(person_id, safe='')}"


def quote_url(base_url: str, person_id: str, quote_id: str) -> str:
    """The permalink of a quote: its anchor on its person's page."""
    return f"{person_url(base_url, person_id)}#quote-{catalogue.anchor(quote_id)}"


def media_kind(media: str | None) -> str | None:
    """``video``, ``audio`` or None, from a recording reference's file extension."""
    if not media:
        return None
    suffix = PurePosixPath(media.split("?", 1)[0].split("#", 1)[0]).suffix.lower()
    if suffix in _VIDEO:
        return "video"
    if suffix in _AUDIO:
        return "audio"
    return None


def is_film(kind: str | None) -> bool:
    """Whether a collection's ``kind`` says it documents a film or video."""
    return bool(kind and _FILM_KIND.search(kind))


# --- the record ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DCValue:
    element: str
    value: str
    lang: str | None = None


@dataclass
class DublinCore:
    """A record in simple Dublin Core: (element, value, language) triples, in order, no duplicates."""

    values: list[DCValue] = field(default_factory=list)

    def add(self, element: str, value: str | None, lang: str | None = None) -> None:
        if element not in ELEMENTS:
            raise ValueError(f"{element!r} is not a simple Dublin Core element; expected one of {', '.join(ELEMENTS)}")
        text = " ".join((value or "").split())
        if not text:
            return
        item = DCValue(element, text, lang)
        if item not in self.values:
            self.values.append(item)

    def get(self, element: str) -> list[str]:
        return [v.value for v in self.values if v.element == element]

    def to_oai_dc(self) -> etree._Element:
        """The record as an ``oai_dc:dc`` element (OAI-PMH's mandatory metadata format)."""
        root = etree.Element(
            f"{{{OAI_DC_NS}}}dc",
            nsmap={"oai_dc": OAI_DC_NS, "dc": DC_NS, "xsi": XSI_NS},
        )
        root.set(f"{{{XSI_NS}}}schemaLocation", f"{OAI_DC_NS} {OAI_DC_SCHEMA}")
        # DC elements in their canonical order, each element's values in the order added
        for element in ELEMENTS:
            for item in self.values:
                if item.element == element:
                    child = etree.SubElement(root, f"{{{DC_NS}}}{element}")
                    child.text = item.value
                    if item.lang:
                        child.set(f"{{{XML_NS}}}lang", item.lang)
        return root


def person_record(engine: Engine, person_id: str, viewer: Viewer, base_url: str) -> DublinCore:
    """A person's testimony in Dublin Core; ``catalogue.NotFound`` when the viewer may not see it."""
    detail = catalogue.person(engine, viewer, person_id)
    collection = catalogue.collection_info(engine, viewer)
    vocabulary = catalogue.vocabulary(engine)
    card = detail.card
    dc = DublinCore()

    dc.add("title", card.name)
    if card.name_native:
        dc.add("title", card.name_native, "ru")

    creator = card.name
    if card.pseudonym:
        creator += " (pseudonym)"
    if card.is_group:
        creator += " (group)"
    dc.add("creator", creator)

    for interview in detail.interviews:
        if interview.interviewer:
            dc.add("contributor", f"{interview.interviewer} (interviewer)")
    if collection is not None:
        for director in collection.directors:
            if director != card.name:
                dc.add("contributor", f"{director} (director)")

    for interview in detail.interviews:
        dc.add("date", interview.date)
    if not dc.get("date") and collection is not None and collection.year:
        dc.add("date", str(collection.year))

    theme_order = list(vocabulary.themes)
    themes = sorted({t for q in detail.quotes for t in q.themes},
                    key=lambda t: theme_order.index(t) if t in theme_order else len(theme_order))
    for theme in themes:
        for lang in ("en", "ru"):
            dc.add("subject", vocabulary.label("themes", theme, lang), lang)

    for lang, text in sorted(card.portrait.items(), key=lambda kv: (kv[0] != "en", kv[0])):
        dc.add("description", text, lang)

    for kind in _types(detail, collection):
        dc.add("type", kind)

    dc.add("identifier", person_url(base_url, card.id))

    languages = [q.original_language for q in detail.quotes] + [i.language for i in detail.interviews if i.language]
    if not languages and collection is not None:
        languages = list(collection.languages)
    for lang in languages:
        dc.add("language", lang)

    if collection is not None:
        dc.add("relation", collection.title + (f" ({collection.year})" if collection.year else ""))
        dc.add("relation", base_url.rstrip("/") + "/")
    for source in detail.sources:
        dc.add("relation", source.url or source_label(source))

    for place in places(detail):
        dc.add("coverage", place)
    period = period_of(detail)
    if period:
        dc.add("coverage", period)

    add_rights(dc, detail.rights)
    return dc


def collection_record(engine: Engine, base_url: str, viewer: Viewer | None = None) -> DublinCore | None:
    """The collection itself in Dublin Core (OAI-PMH's Identify and set descriptions use it)."""
    collection = catalogue.collection_info(engine, viewer)
    if collection is None:
        return None
    dc = DublinCore()
    dc.add("title", collection.title)
    if collection.title_native:
        dc.add("title", collection.title_native, "ru")
    # the directors made the film the archive documents, not the archive: contributors, as on a
    # person's record (no source names an editor of the archive, so it has no creator)
    for director in collection.directors:
        dc.add("contributor", f"{director} (director)")
    for lang, text in sorted(collection.description.items(), key=lambda kv: (kv[0] != "en", kv[0])):
        dc.add("description", text, lang)
    for organisation in collection.organisations:
        dc.add("contributor", f"{organisation.get('name')} ({organisation.get('role')})")
    if collection.year:
        dc.add("date", str(collection.year))
    dc.add("type", "MovingImage" if is_film(collection.kind) else "Collection")
    dc.add("identifier", base_url.rstrip("/") + "/")
    for lang in collection.languages:
        dc.add("language", lang)
    add_rights(dc, collection.rights_statement)
    return dc


# --- rights -------------------------------------------------------------------------------------


def rights_terms(rights: RightsStatement | None) -> list[tuple[str, str]]:
    """A rights statement as DCMI terms: ``license`` for a rightsstatements.org or Creative Commons
    URI, ``rights`` for a statement in words, and ``rightsHolder``. Simple Dublin Core, qualified
    Dublin Core and the pages' ``DC.*`` tags are all written from these pairs."""
    if rights is None:
        return []
    terms = [("license" if rights.uri else "rights", rights.statement)]
    if rights.holder:
        terms.append(("rightsHolder", rights.holder))
    return terms


def add_rights(dc: DublinCore, rights: RightsStatement | None) -> None:
    """The rights in simple Dublin Core: every term is a ``dc:rights`` (the holder named as such,
    since simple DC has no element of its own for it)."""
    for term, value in rights_terms(rights):
        dc.add("rights", f"Rights holder: {value}" if term == "rightsHolder" else value)


def rights_meta(rights: RightsStatement | None) -> list[tuple[str, str]]:
    """The rights as a page's ``<meta>`` tags: ``DC.rights`` and ``DCTERMS.*`` for the qualified terms."""
    return [("DC.rights" if term in ("license", "rights") else f"DCTERMS.{term}", value)
            for term, value in rights_terms(rights)]


def _types(detail: catalogue.PersonDetail, collection: catalogue.CollectionInfo | None) -> list[str]:
    types: list[str] = []
    if collection is not None and is_film(collection.kind):
        types.append("MovingImage")  # the testimony is a portrait in the film
    for interview in detail.interviews:
        # an interview whose medium is unknown is at least a sound recording
        types.append("MovingImage" if media_kind(interview.media) == "video" else "Sound")
    if any(q.recording is None for q in detail.quotes):
        types.append("Text")  # words known from a published text, not from a recording
    return list(dict.fromkeys(types)) or ["Text"]


def places(detail: catalogue.PersonDetail) -> list[str]:
    """The places of a person's record (theirs, the interviews', the relatives' fates, the events)."""
    found = [fact.text for fact in detail.places]
    found += [i.place for i in detail.interviews if i.place]
    found += [f.place for f in detail.fate_timeline if f.place]
    found += [e.place for e in detail.events if e.place]
    return list(dict.fromkeys(found))


def period_of(detail: catalogue.PersonDetail) -> str | None:
    """The span of the dated events (fates, timeline) as an EDTF period, in whole years."""
    starts, ends = [], []
    for text in [f.date for f in detail.fate_timeline] + [e.date for e in detail.events]:
        if not text:
            continue
        try:
            period = dates.parse_period(text)
        except dates.BadDate:
            continue
        if period.start:
            starts.append(period.start.year)
        if period.end:
            ends.append(period.end.year)
    if not starts and not ends:
        return None
    first = min(starts) if starts else None
    last = max(ends) if ends else None
    if first == last:
        return str(first)
    return f"{first if first is not None else '..'}/{last if last is not None else '..'}"


def source_label(source: catalogue.SourceInfo) -> str:
    parts = [source.title]
    if source.author:
        parts.append(source.author)
    if source.publisher:
        parts.append(source.publisher)
    if source.date:
        parts.append(source.date)
    return ", ".join(parts)
