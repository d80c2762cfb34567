"""Qualified Dublin Core (DCMI terms) of a person's testimony: OAI-PMH's ``oai_qdc`` format.

The same record as ``dublin_core.person_record`` (the one place that decides what a record
says in Dublin Core), with the DCMI terms that say more than the fifteen elements can:

=====================  ============================================================
dcterms:created        the interview dates (W3CDTF where the date is one; else as written)
dcterms:spatial        the places of the record
dcterms:temporal       the period its dated events span (``1937/1956``)
dcterms:isPartOf       the collection, by title and by URL
dcterms:license        the rights statement when it is a URI (rightsstatements.org, CC)
dcterms:rights         the rights statement when it is words
dcterms:rightsHolder   who holds the rights (``dublin_core.rights_terms`` maps all three)
dcterms:type           DCMI Type vocabulary (``xsi:type="dcterms:DCMIType"``)
dcterms:identifier     the permalink (``xsi:type="dcterms:URI"``)
dcterms:relation       every source the visible record cites
=====================  ============================================================

title, creator, contributor, subject, description and language are the simple record's.
Stance is never published (as in ``dublin_core``). The container element is that of OCLC's
``qdc-1.0`` schema, the form OAI-PMH harvesters (CONTENTdm, DPLA hubs) read as ``oai_qdc``.
"""

from __future__ import annotations

import re

from lxml import etree
from sqlalchemy.engine import Engine

from archive.access.visibility import Viewer
from archive.catalogue import pages as catalogue
from archive.interchange import dublin_core

OAI_QDC_NS = "http://worldcat.org/xmlschemas/qdc-1.0/"
OAI_QDC_SCHEMA = "http://worldcat.org/xmlschemas/qdc/1.0/qdc-1.0.xsd"
DCTERMS_NS = "http://purl.org/dc/terms/"
XSI_NS = dublin_core.XSI_NS
XML_NS = dublin_core.XML_NS

_W3CDTF = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
# simple element -> the DCMI term it is written as (where the term is the same word)
_SAME = ("title", "creator", "contributor", "subject", "description", "language")


def person_record(engine: Engine, person_id: str, viewer: Viewer, base_url: str) -> etree._Element:
    """A person's testimony as an ``oai_qdc:qualifieddc`` element; ``catalogue.NotFound`` when the
    viewer may not see it."""
    simple = dublin_core.person_record(engine, person_id, viewer, base_url)
    detail = catalogue.person(engine, viewer, person_id)
    collection = catalogue.collection_info(engine, viewer)
    root = etree.Element(f"{{{OAI_QDC_NS}}}qualifieddc",
                         nsmap={"oai_qdc": OAI_QDC_NS, "dcterms": DCTERMS_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", f"{OAI_QDC_NS} {OAI_QDC_SCHEMA}")

    def add(term: str, value: str | None, lang: str | None = None, kind: str | None = None) -> None:
        text = " ".join((value or "").split())
        if not text:
            return
        element = etree.SubElement(root, f"{{{DCTERMS_NS}}}{term}")
        element.text = text
        if lang:
            element.set(f"{{{XML_NS}}}lang", lang)
        if kind:
            element.set(f"{{{XSI_NS}}}type", f"dcterms:{kind}")

    for element in _SAME:
        for item in simple.values:
            if item.element == element:
                add(element, item.value, item.lang)
    dated = [i.date for i in detail.interviews if i.date]
    for date in dict.fromkeys(dated):
        add("created", date, kind="W3CDTF" if _W3CDTF.fullmatch(date) else None)
    if not dated and collection is not None and collection.year:
        add("created", str(collection.year), kind="W3CDTF")
    for place in dublin_core.places(detail):
        add("spatial", place)
    add("temporal", dublin_core.period_of(detail))  # EDTF, which the DCMI Period scheme does not write
    if collection is not None:
        add("isPartOf", collection.title + (f" ({collection.year})" if collection.year else ""))
        add("isPartOf", base_url.rstrip("/") + "/", kind="URI")
    for term, value in dublin_core.rights_terms(detail.rights):
        add(term, value, kind="URI" if term == "license" else None)
    for kind in simple.get("type"):
        add("type", kind, kind="DCMIType")
    for identifier in simple.get("identifier"):
        add("identifier", identifier, kind="URI")
    for source in detail.sources:
        add("relation", source.url or dublin_core.source_label(source))
    return root
