"""Machine-readable metadata of the public pages: schema.org JSON-LD and citation meta tags.

One function, ``page_metadata``, gives what a page's ``<head>`` carries so that other tools
find it by themselves:

* schema.org JSON-LD: the collection as a ``Collection``/``ArchiveComponent`` (about the
  ``Movie`` it documents), a person as ``Person``, each visible quote as ``Quotation`` with
  ``spokenByCharacter`` and ``isPartOf`` (the document, interview or film its words are
  published in), an interview as ``CreativeWork`` (with ``associatedMedia`` where a recording
  is named), a theme as a ``CollectionPage`` about a ``DefinedTerm``;
* the Highwire Press ``citation_*`` tags that Zotero's connector and Google Scholar read, and
  Dublin Core ``DC.*`` tags, made from the same facts as ``archive cite``
  (``citations.citation_data``), so that "save to Zotero" gives the citation the archive gives.

Everything is read through the visibility rule, as the page is: a withheld quote, a real name
behind a pseudonym, private notes and stance never appear here.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from archive.access.visibility import ANONYMOUS, Viewer
from archive.catalogue import collection as collection_pages
from archive.catalogue import common
from archive.catalogue import people as people_pages
from archive.catalogue import themes as theme_pages
from archive.catalogue.pages import NotFound
from archive.catalogue.rights import RightsStatement
from archive.interchange import citations, dublin_core
from archive.interchange.exports.permalinks import collection_permalink, person_permalink, quote_permalink

if TYPE_CHECKING:
    from archive.facade import Archive

SCHEMA = "https://schema.org"
PageKind = Literal["collection", "person", "quote", "theme", "interview", "page"]


@dataclass
class PageMetadata:
    json_ld: dict[str, Any]
    meta: list[tuple[str, str]] = field(default_factory=list)  # (name, content) of <meta name=… content=…>


def page_metadata(archive: Archive, kind: PageKind, record_id: str | None, base_url: str,
                  viewer: Viewer = ANONYMOUS, accessed: dt.date | None = None, lang: str = "en") -> PageMetadata:
    """The metadata of a page: ``collection`` (the home page), ``person``, ``quote`` (its cite page),
    ``theme``, or ``page`` (any other page of the site: a web page that is part of the collection).
    ``NotFound`` for a record the viewer may not see."""
    engine = archive.engine
    info = collection_pages.collection_info(engine, viewer)
    if info is None:
        raise NotFound("the archive is empty")
    collection = _collection(info, base_url)
    if kind == "collection":
        data = citations.citation_data(archive, citations.CitationTarget.collection(), base_url, viewer, accessed)
        return PageMetadata({"@context": SCHEMA, **collection}, _citation_meta(data))
    reference = {"@id": collection["@id"], "@type": collection["@type"], "name": info.title}
    if kind == "person":
        return _person_page(archive, str(record_id), base_url, viewer, accessed, reference)
    if kind == "quote":
        data = citations.citation_data(archive, citations.CitationTarget.quote(str(record_id)), base_url, viewer,
                                       accessed, lang)
        quote = _quotation_from_citation(data, reference)
        return PageMetadata({"@context": SCHEMA, **quote}, _citation_meta(data))
    if kind == "interview":
        person_id, _, interview_id = str(record_id).partition("/")
        return _interview_page(archive, person_id, interview_id, base_url, viewer, reference, lang)
    if kind == "theme":
        page = theme_pages.theme(engine, viewer, str(record_id))
        label = page.label.get(lang) or page.label.get("en") or page.id
        url = f"{base_url.rstrip('/')}/themes/{page.id}"
        term: dict[str, Any] = {"@type": "DefinedTerm", "name": label, "termCode": page.id}
        if page.definition.get("en"):
            term["description"] = page.definition["en"]
        json_ld = {"@context": SCHEMA, "@type": "CollectionPage", "@id": url, "url": url, "name": label,
                   "about": term, "isPartOf": reference}
        return PageMetadata(json_ld, _page_meta(label, url, info))
    return PageMetadata({"@context": SCHEMA, "@type": "WebPage", "isPartOf": reference})


# --- schema.org -------------------------------------------------------------------------------------


def _people(names: list[citations.Name]) -> list[dict[str, Any]]:
    found = []
    for name in names:
        person: dict[str, Any] = {"@type": "Person", "name": name.text}
        if name.family:
            person["familyName"] = " ".join(p for p in (name.particle, name.family) if p)
        if name.given:
            person["givenName"] = name.given
        found.append(person)
    return found


def _collection(info: collection_pages.CollectionInfo, base_url: str) -> dict[str, Any]:
    url = collection_permalink(base_url)
    film: dict[str, Any] = {"@type": "Movie", "@id": url + "#film", "name": info.title}
    if info.directors:
        film["director"] = _people([citations.personal_name(d) for d in info.directors])
    if info.year:
        film["dateCreated"] = str(info.year)
    companies = [o.get("name") for o in info.organisations if o.get("role") == "production" and o.get("name")]
    if companies:
        film["productionCompany"] = [{"@type": "Organization", "name": n} for n in companies]
    if info.runtime_minutes:
        film["duration"] = f"PT{info.runtime_minutes}M"
    found: dict[str, Any] = {
        "@type": ["Collection", "ArchiveComponent"], "@id": url, "url": url, "name": info.title,
        "genre": citations.ARCHIVE_GENRE, "about": film,
    }
    if info.description.get("en"):
        found["description"] = info.description["en"]
    if info.languages:
        found["inLanguage"] = list(info.languages)
    _rights(found, info.rights_statement)
    return found


def _rights(item: dict[str, Any], rights: RightsStatement | None) -> None:
    """A rights statement: a URI is a ``license``, words a ``copyrightNotice``; and the holder."""
    if rights is None:
        return
    if rights.uri:
        item["license"] = rights.uri
    else:
        item["copyrightNotice"] = rights.statement
    if rights.holder:
        item["copyrightHolder"] = {"@type": "Organization", "name": rights.holder}


def _work(data: citations.CitationData, reference: dict[str, Any]) -> dict[str, Any]:
    """What a quote's words are published in, as a schema.org creative work."""
    if data.form == "film":
        return {"@id": reference["@id"] + "#film", "@type": "Movie", "name": data.title}
    if data.form == "interview":
        work: dict[str, Any] = {"@type": "CreativeWork", "genre": data.genre, "isPartOf": reference}
        if data.title:
            work["name"] = data.title
        if data.issued:
            work["dateCreated"] = data.issued
        if data.interviewers:
            work["contributor"] = _people(data.interviewers)
        return work
    work = {"@type": "CreativeWork", "name": data.title}
    if data.genre:
        work["genre"] = data.genre
    if data.authors:
        work["author"] = _people(data.authors) if data.authors[0].family else \
            [{"@type": "Organization", "name": n.text} for n in data.authors]
    if data.publisher or data.container_title:
        work["publisher"] = {"@type": "Organization", "name": data.publisher or data.container_title}
    if data.issued:
        work["datePublished"] = data.issued
    if data.url:
        work["url"] = data.url
    return work


def _quotation_from_citation(data: citations.CitationData, reference: dict[str, Any]) -> dict[str, Any]:
    speaker = data.speaker or (data.authors[0] if data.authors else None)
    quote: dict[str, Any] = {"@type": "Quotation", "@id": data.permalink, "url": data.permalink,
                             "isPartOf": _work(data, reference)}
    if data.excerpt:
        quote["text"] = data.excerpt
    if speaker is not None:
        quote["spokenByCharacter"] = {"@type": "Person", "name": speaker.text,
                                      "@id": data.permalink.split("#", 1)[0] if data.permalink else None}
    if data.locator:
        quote["position"] = data.locator
    _rights(quote, data.rights_statement)
    return quote


def _person_page(archive: Archive, person_id: str, base_url: str, viewer: Viewer, accessed: dt.date | None,
                 reference: dict[str, Any]) -> PageMetadata:
    detail = people_pages.person(archive.engine, viewer, person_id)
    sources = common.sources_by_id(archive.engine, viewer)
    card = detail.card
    url = person_permalink(base_url, card.id)
    person: dict[str, Any] = {"@type": "Person", "@id": url, "url": url, "name": card.name}
    if card.portrait.get("en"):
        person["description"] = card.portrait["en"]
    graph: list[dict[str, Any]] = [person]
    interviews = {}
    for interview in detail.interviews:
        work: dict[str, Any] = {"@type": "CreativeWork", "@id": f"{url}#{interview.anchor}",
                                "genre": citations.INTERVIEW_GENRE, "isPartOf": reference,
                                "about": {"@id": url}}
        if interview.date:
            work["dateCreated"] = interview.date
        if interview.place:
            work["locationCreated"] = {"@type": "Place", "name": interview.place}
        if interview.interviewer:
            work["contributor"] = _people([citations.personal_name(interview.interviewer)])
        if interview.language:
            work["inLanguage"] = interview.language
        if interview.media:
            work["associatedMedia"] = {"@type": "MediaObject", "contentUrl": interview.media}
        _rights(work, detail.rights)
        interviews[interview.local_id] = work
        graph.append(work)
    for quote in detail.quotes:
        texts = quote.text_by_lang
        text = texts.get(quote.original_language) or next(iter(texts.values()), "")
        item: dict[str, Any] = {"@type": "Quotation", "@id": quote_permalink(base_url, card.id, quote.id),
                                "text": text, "inLanguage": quote.original_language if quote.original_language
                                in texts else next(iter(texts), quote.original_language),
                                "spokenByCharacter": {"@id": url}}
        if quote.recording in interviews:
            item["isPartOf"] = {"@id": interviews[quote.recording]["@id"]}
        elif quote.recording and quote.recording == reference["@id"].rstrip("/").rsplit("/", 1)[-1]:
            item["isPartOf"] = {"@id": reference["@id"] + "#film"}
        else:
            source = sources.get(quote.cite.source) if quote.cite else None
            if source is not None:
                work = {"@type": "CreativeWork", "name": source.title}
                if source.author:
                    work["author"] = {"@type": "Person", "name": source.author}
                if source.publisher:
                    work["publisher"] = {"@type": "Organization", "name": source.publisher}
                if source.date:
                    work["datePublished"] = source.date
                item["isPartOf"] = work
        if quote.timecode_in:
            item["position"] = quote.timecode_in
        elif quote.cite and quote.cite.locator:
            item["position"] = quote.cite.locator
        _rights(item, quote.rights)
        graph.append(item)
    meta: list[tuple[str, str]] = []
    try:
        data = citations.citation_data(archive, citations.CitationTarget.person(person_id), base_url, viewer, accessed)
    except citations.NothingToCite:
        meta = _page_meta(card.name, url, None)
    else:
        meta = _citation_meta(data)
    return PageMetadata({"@context": SCHEMA, "@graph": graph}, meta)


def _interview_page(archive: Archive, person_id: str, interview_id: str, base_url: str, viewer: Viewer,
                    reference: dict[str, Any], lang: str) -> PageMetadata:
    from archive.catalogue import interviews as interview_pages

    page = interview_pages.interview_page(archive.engine, viewer, person_id, interview_id)
    base = base_url.rstrip("/")
    url = f"{base}/interviews/{person_id}/{interview_id}"
    title = page.title.get(lang) or page.title.get("en") or next(iter(page.title.values()), None)
    work: dict[str, Any] = {"@context": SCHEMA, "@type": "CreativeWork", "@id": url, "url": url,
                            "genre": citations.INTERVIEW_GENRE, "isPartOf": reference,
                            "about": {"@type": "Person", "@id": person_permalink(base_url, person_id),
                                      "name": page.person_name}}
    if title:
        work["name"] = title
    if page.date:
        work["dateCreated"] = page.date
    if page.place:
        work["locationCreated"] = {"@type": "Place", "name": page.place}
    if page.interviewer:
        work["contributor"] = _people([citations.personal_name(page.interviewer)])
    if page.language:
        work["inLanguage"] = page.language
    media = []
    for recording in page.recordings:
        item: dict[str, Any] = {"@type": "VideoObject" if recording.is_video else "AudioObject",
                                "encodingFormat": recording.mime_type}
        if recording.url:
            item["contentUrl"] = recording.url
        elif recording.has_file:
            item["contentUrl"] = f"{base}/media/{person_id}/{interview_id}/{recording.local_id}"
        if recording.duration:
            item["duration"] = f"PT{int(recording.duration)}S"
        if recording.rights_uri:
            item["license"] = recording.rights_uri
        if recording.rights_holder:
            item["copyrightHolder"] = {"@type": "Organization", "name": recording.rights_holder}
        media.append(item)
    if media:
        work["associatedMedia"] = media
    meta = [("DC.title", title or citations.INTERVIEW_GENRE), ("DC.creator", page.person_name),
            ("DC.type", citations.INTERVIEW_GENRE), ("DC.identifier", url)]
    if page.interviewer:
        meta.append(("DC.contributor", citations.personal_name(page.interviewer).inverted))
    if page.date:
        meta.append(("DC.date", page.date))
    meta += [("DC.rights", r.rights_uri) for r in page.recordings if r.rights_uri]
    return PageMetadata(work, meta)


# --- citation meta tags -----------------------------------------------------------------------------


def _highwire_date(text: str | None) -> str | None:
    """``YYYY/MM/DD`` (or ``YYYY/MM``, ``YYYY``): the date form the Highwire tags use."""
    if not text:
        return None
    match = re.match(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", text)
    return "/".join(p for p in match.groups() if p) if match else None


def _citation_meta(data: citations.CitationData) -> list[tuple[str, str]]:
    """Highwire ``citation_*`` and ``DC.*`` tags with the facts ``archive cite`` gives."""
    meta: list[tuple[str, str]] = []
    title = data.title or data.genre or ""
    meta.append(("citation_title", title))
    authors = data.directors if data.form == "film" else data.authors
    meta += [("citation_author", name.inverted) for name in authors]
    date = _highwire_date(data.issued)
    if date:
        meta.append(("citation_date", date))
    if data.publisher:
        meta.append(("citation_publisher", data.publisher))
    if data.container_title:
        meta.append(("citation_journal_title" if data.csl_type != "webpage" else "citation_publisher",
                     data.container_title))
    if data.archive:
        meta.append(("citation_publisher", data.archive))
    if data.language:
        meta.append(("citation_language", data.language))
    if data.url:
        meta.append(("citation_public_url", data.url))
    if data.permalink:
        meta.append(("citation_abstract_html_url", data.permalink))
    meta.append(("DC.title", title))
    meta += [("DC.creator", name.inverted) for name in authors]
    meta += [("DC.contributor", name.inverted) for name in data.interviewers]
    if data.issued:
        meta.append(("DC.date", data.issued))
    if data.genre:
        meta.append(("DC.type", data.genre))
    if data.publisher or data.archive:
        meta.append(("DC.publisher", data.publisher or data.archive or ""))
    if data.language:
        meta.append(("DC.language", data.language))
    if data.url or data.permalink:
        meta.append(("DC.identifier", data.url or data.permalink or ""))
    meta += dublin_core.rights_meta(data.rights_statement)
    return meta


def _page_meta(title: str, url: str, info: collection_pages.CollectionInfo | None) -> list[tuple[str, str]]:
    meta = [("DC.title", title), ("DC.identifier", url)]
    if info is not None:
        meta.append(("DC.relation", info.title))
        meta += dublin_core.rights_meta(info.rights_statement)
    return meta
