"""OHMS XML: export a person's interviews for the Oral History Metadata Synchronizer, and
import OHMS exports into the collection format.

Export (``person_to_ohms``) writes OHMS XML 6.0, one ``record`` per recording: each interview
of the person, and the film when their quotes are timecoded in it (a person with neither gets
one record for their appearance in the collection). The record's elements follow the order of
the OHMS XSD's sequence. An interview with index points or a transcript of its own is exported
from them (``interview_to_ohms``, further down), with what OHMS has no field for in the
archive's extension, XML processing instructions the schema passes over (``_extension``), so
that archive → OHMS → archive gives the same rows. Otherwise the index points are the person's
visible timecoded quotes of that recording, read through the one export path (``iter_quotes``):
Russian in the main fields and English in the ``_alt`` fields where both exist, a
single-language text in the main field; theme labels as keywords; the quote's permalink as a
hyperlink. The segments also go in as a WebVTT transcript (``vtt_transcript``, and
``vtt_transcript_alt`` in English). Stance is not exported.

``archive import-ohms`` (``ohms_interviews_to_collection``, at the end) reads OHMS 5.4 and 6.0
exports as interviews. The older import into quotes (``ohms_to_collection``) makes every index
point a timecoded quote (its text from the partial transcript, else the synopsis, else the
title; the title, synopsis, keywords, subjects, links and places kept word for word in
``context``; keywords and subjects that name a theme of the vocabulary become themes), and so
every cue of a WebVTT transcript. Either way the interviewee gets a person file with stance
``not-stated`` and basis ``none``: OHMS carries no stance, and none is guessed. The OHMS file
becomes a source, and a copy of it is kept in ``sources/``.
"""

from __future__ import annotations

import json
import math
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lxml import etree
from sqlalchemy import select
from sqlmodel import col

from archive.access.visibility import Viewer
from archive.catalogue import pages as catalogue
from archive.catalogue.result_sets import QuoteRecord, ResultSet, iter_quotes
from archive.collection import dates
from archive.collection import format as collection_format
from archive.collection.display import printable
from archive.collection.timecodes import BadTimecode, format_timecode, parse_timecode
from archive.collection.xml_characters import first_unsafe_character, unsafe_character_message
from archive.interchange import dublin_core
from archive.interchange.segment_import import (
    ImportResult,
    NewCollection,
    NewPerson,
    RecordingImport,
    Segment,
    slugify,
    write_imports,
)
from archive.interchange.subtitles import cue_segments, cues_to_vtt, parse_vtt, quote_cues
from archive.store import models

if TYPE_CHECKING:
    from archive.facade import Archive

OHMS_NS = "https://www.weareavp.com/nunncenter/ohms"
OHMS_SCHEMA_LOCATION = "https://www.weareavp.com/nunncenter/ohms/ohms.xsd"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
MAIN_LANG, ALT_LANG = "ru", "en"

# The OHMS 6.0 XSD's sequence for a record: elements must come in this order.
RECORD_ORDER = (
    "version", "date", "date_nonpreferred_format", "cms_record_id", "title", "accession", "duration",
    "collection_id", "collection_name", "series_id", "series_name", "repository", "funding", "repository_url",
    "subject", "keyword", "interviewee", "interviewer", "format", "file_name", "sync", "sync_alt",
    "transcript_alt_lang", "translate", "media_id", "media_url", "mediafile", "kembed", "language", "user_notes",
    "index", "type", "description", "rel", "transcript", "transcript_alt", "vtt_transcript", "vtt_transcript_alt",
    "rights", "fmt", "usage", "userestrict", "xmllocation", "xmlfilename", "collection_link", "series_link",
)
POINT_ORDER = (
    "time", "title", "title_alt", "partial_transcript", "partial_transcript_alt", "synopsis", "synopsis_alt",
    "keywords", "keywords_alt", "subjects", "subjects_alt", "gpspoints", "hyperlinks",
)
# OHMS writes language names; the collection format wants ISO 639-1 codes.
LANGUAGE_CODES = {
    "english": "en", "russian": "ru", "german": "de", "french": "fr", "spanish": "es", "italian": "it",
    "dutch": "nl", "polish": "pl", "ukrainian": "uk", "portuguese": "pt", "chinese": "zh", "japanese": "ja",
    "hebrew": "he", "yiddish": "yi", "arabic": "ar", "swedish": "sv", "czech": "cs", "hungarian": "hu",
}
_INTERVIEW_TITLE = re.compile(r"^\s*oral history interview with\s+(?P<name>.+?)\s*$", re.IGNORECASE)


# --- export ------------------------------------------------------------------------------------


def _ordered(parent: etree._Element, values: dict[str, Any], order: tuple[str, ...]) -> None:
    """Append children in the schema's order: str -> text element, list -> repeated,
    Element -> as given, dict -> attributes of an empty element."""
    unknown = set(values) - set(order)
    if unknown:
        raise ValueError(f"not OHMS elements: {', '.join(sorted(unknown))}")
    for name in order:
        if name not in values or values[name] is None:
            continue
        value = values[name]
        for item in value if isinstance(value, list) else [value]:
            if etree.iselement(item):
                parent.append(item)
            elif isinstance(item, etree.CDATA):
                etree.SubElement(parent, f"{{{OHMS_NS}}}{name}").text = item
            elif isinstance(item, dict):
                etree.SubElement(parent, f"{{{OHMS_NS}}}{name}", {k: str(v) for k, v in item.items()})
            else:
                etree.SubElement(parent, f"{{{OHMS_NS}}}{name}").text = str(item)


def _element(name: str, values: dict[str, Any], order: tuple[str, ...]) -> etree._Element:
    element = etree.Element(f"{{{OHMS_NS}}}{name}")
    _ordered(element, values, order)
    return element


def _main_and_alt(texts: dict[str, str], original: str) -> tuple[str, str | None]:
    """Russian in the main field and English in ``_alt`` when both exist; else the one text."""
    if texts.get(MAIN_LANG) and texts.get(ALT_LANG):
        return texts[MAIN_LANG], texts[ALT_LANG]
    for lang in (MAIN_LANG, original, ALT_LANG, *texts):
        if texts.get(lang):
            return texts[lang], None
    return "", None


def _labels(vocabulary: Any, themes: list[str], lang: str) -> list[str]:
    return [vocabulary.label("themes", t, lang) for t in themes]


def _point(quote: QuoteRecord, vocabulary: Any, base_url: str) -> etree._Element:
    main, alt = _main_and_alt(quote.texts, quote.original_language)
    title = "; ".join(_labels(vocabulary, quote.themes, MAIN_LANG)) or format_timecode(quote.timecode_in or 0)
    title_alt = "; ".join(_labels(vocabulary, quote.themes, ALT_LANG)) if quote.themes else None
    hyperlink = _element("hyperlinks", {
        "hyperlink": dublin_core.quote_url(base_url, quote.person_id, quote.id),
        "hyperlink_text": "Постоянная ссылка",
        "hyperlink_text_alt": "Permalink",
    }, ("hyperlink", "hyperlink_text", "hyperlink_text_alt"))
    return _element("point", {
        "time": int(math.floor(quote.timecode_in or 0)),  # OHMS index points are whole seconds
        "title": title,
        "title_alt": title_alt,
        "partial_transcript": main,
        "partial_transcript_alt": alt,
        "synopsis": quote.context,
        "keywords": ";".join(_labels(vocabulary, quote.themes, MAIN_LANG)) or None,
        "keywords_alt": ";".join(_labels(vocabulary, quote.themes, ALT_LANG)) or None,
        "hyperlinks": hyperlink,
    }, POINT_ORDER)


@dataclass
class _Recording:
    id: str  # the interview's local id, or the collection id for the film
    interview: catalogue.InterviewView | None
    quotes: list[QuoteRecord] = field(default_factory=list)


def _stable_int(text: str) -> int:
    """OHMS wants an integer record id: a stable one from our string ids (fits xs:int)."""
    return zlib.crc32(text.encode("utf-8")) & 0x7FFFFFFF


def _vtt(quotes: list[QuoteRecord], lang: str | None) -> etree.CDATA | str | None:
    """The segments as a WebVTT transcript: in ``lang``, or in the main field's language."""
    cues = quote_cues(quotes, lambda q: q.texts.get(lang) if lang else _main_and_alt(q.texts, q.original_language)[0])
    if not cues:
        return None
    text = cues_to_vtt(cues)
    # as OHMS writes it, in CDATA, so that the WebVTT stays readable (CDATA cannot hold "]]>")
    return text if "]]>" in text else etree.CDATA(text)


def _record_date(interview: catalogue.InterviewView | None,
                 collection: catalogue.CollectionInfo | None) -> str | None:
    """The interview's date; for the film, the collection's year."""
    if interview:
        return interview.date
    return str(collection.year) if collection and collection.year else None


def _record_title(name: str, interview: catalogue.InterviewView | None,
                  collection: catalogue.CollectionInfo | None) -> str:
    if interview:
        return f"{name}: {interview.local_id}"
    return f"{name}: {collection.title_native or collection.title}" if collection else name


def _record_duration(interview: catalogue.InterviewView | None,
                     collection: catalogue.CollectionInfo | None) -> str | None:
    """The interview's duration; for the film, its runtime."""
    if interview:
        return interview.duration or None
    if collection and collection.runtime_minutes:
        return format_timecode(collection.runtime_minutes * 60)
    return None


def _record_kind(media: str | None, interview: catalogue.InterviewView | None,
                 collection: catalogue.CollectionInfo | None) -> str | None:
    """Audio or video, from the media file; the film (a recording with no interview) is video."""
    film = interview is None and collection is not None and dublin_core.is_film(collection.kind)
    return dublin_core.media_kind(media) or ("video" if film else None)


def _record_languages(interview: catalogue.InterviewView | None, quotes: list[QuoteRecord],
                      collection: catalogue.CollectionInfo | None) -> list[str]:
    if interview and interview.language:
        return [interview.language]
    return list(dict.fromkeys(q.original_language for q in quotes)) or (collection.languages if collection else [])


def _collection_fields(collection: catalogue.CollectionInfo | None) -> dict[str, Any]:
    """The record's elements that come from the collection."""
    if collection is None:
        return {}
    return {"collection_id": collection.id, "collection_name": collection.title_native or collection.title,
            "repository": collection.title, "rights": collection.rights}


def _record(recording: _Recording, detail: catalogue.PersonDetail, collection: catalogue.CollectionInfo | None,
            vocabulary: Any, viewer: Viewer, base_url: str) -> etree._Element:
    card = detail.card
    interview = recording.interview
    quotes = sorted(recording.quotes, key=lambda q: (q.timecode_in or 0, q.position))
    media = interview.media if interview else None
    online = bool(media and re.match(r"https?://", media))
    kind = _record_kind(media, interview, collection)
    when = _record_date(interview, collection)
    full_day = bool(when and re.fullmatch(r"\d{4}-\d{2}-\d{2}", when))
    themes = list(dict.fromkeys(t for q in quotes for t in q.themes))
    has_alt = any(_main_and_alt(q.texts, q.original_language)[1] for q in quotes)
    portrait, _ = _main_and_alt(card.portrait, "en")
    record = etree.Element(f"{{{OHMS_NS}}}record", id=str(_stable_int(f"{card.id}/{recording.id}")),
                           dt=viewer.today.isoformat())
    _ordered(record, {
        **_collection_fields(collection),
        "version": "6.0",
        "date": {"value": when if full_day else "", "format": "yyyy-mm-dd"},
        "date_nonpreferred_format": when if when and not full_day else None,
        "title": _record_title(card.name_native or card.name, interview, collection),
        "accession": recording.id,
        "duration": _record_duration(interview, collection),
        "repository_url": base_url,
        "subject": _labels(vocabulary, themes, MAIN_LANG),
        "interviewee": [card.name],
        "interviewer": [interview.interviewer] if interview and interview.interviewer else [],
        "file_name": media if media and not online else None,
        "transcript_alt_lang": ALT_LANG if has_alt else None,
        "translate": 1 if has_alt else 0,
        "media_url": media if online else None,
        "mediafile": _element("mediafile", {"host": "Other", "clip_format": kind or ""},
                              ("host", "clip_format")),
        "language": ", ".join(_record_languages(interview, quotes, collection)) or None,
        "index": _element("index", {"point": [_point(q, vocabulary, base_url) for q in quotes]}, ("point",)),
        "type": "interview",
        "description": portrait or None,
        "vtt_transcript": _vtt(quotes, None),
        "vtt_transcript_alt": _vtt(quotes, ALT_LANG) if has_alt else None,
        "fmt": kind,
        "userestrict": 0,
        "collection_link": base_url,
    }, RECORD_ORDER)
    return record


def _recordings(archive: Archive, person_id: str, viewer: Viewer,
                detail: catalogue.PersonDetail, collection: catalogue.CollectionInfo | None) -> list[_Recording]:
    recordings = {i.local_id: _Recording(i.local_id, i) for i in detail.interviews}
    for quote in iter_quotes(archive, ResultSet.person(person_id), viewer):
        if quote.timecode_in is None or not quote.recording:
            continue
        if quote.recording not in recordings:
            recordings[quote.recording] = _Recording(quote.recording, None)
        recordings[quote.recording].quotes.append(quote)
    if not recordings:
        film = collection.id if collection else person_id
        recordings[film] = _Recording(film, None)
    return list(recordings.values())


def _root(records: list[etree._Element]) -> bytes:
    root = etree.Element(f"{{{OHMS_NS}}}ROOT", nsmap={None: OHMS_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", OHMS_SCHEMA_LOCATION)
    root.extend(records)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def person_to_ohms(archive: Archive, person_id: str, viewer: Viewer, base_url: str) -> bytes:
    """OHMS XML 6.0 with one record per recording of the person; ``catalogue.NotFound``
    when the viewer may not see the person."""
    from archive.catalogue.interviews import interview_page

    detail = catalogue.person(archive.engine, viewer, person_id)
    collection = catalogue.collection_info(archive.engine, viewer)
    vocabulary = catalogue.vocabulary(archive.engine)
    records = []
    for recording in _recordings(archive, person_id, viewer, detail, collection):
        # an interview with its own index points or transcript is exported from them, field for field
        page = interview_page(archive.engine, viewer, person_id, recording.id) if recording.interview else None
        if page is not None and (page.index_points or page.segments):
            records.append(_interview_record(archive, page, viewer, base_url, *_interview_languages(page)))
        else:
            records.append(_record(recording, detail, collection, vocabulary, viewer, base_url))
    return _root(records)


# --- import ------------------------------------------------------------------------------------


@dataclass
class IndexPoint:
    number: int
    time: float
    fields: dict[str, str]  # title, title_alt, partial_transcript, …, as given
    hyperlinks: list[tuple[str, str]]  # (url, text)
    places: list[str]
    gps: dict[str, str] | None = None  # the first gpspoints with a gps value: gps, gps_zoom, gps_text, …
    links: list[dict[str, str]] = field(default_factory=list)  # every hyperlinks: hyperlink, hyperlink_text, …
    extension: dict[str, Any] = field(default_factory=dict)  # the archive's own (``_extension``)


@dataclass
class OhmsRecord:
    """One ``record`` of an OHMS export, as read (values stripped; empty ones left out)."""

    file: Path
    record_id: str
    dt: str | None
    version: str
    fields: dict[str, str]
    lists: dict[str, list[str]]  # repeated elements: interviewee, interviewer, subject, keyword, format
    points: list[IndexPoint]
    extension: dict[str, Any] = field(default_factory=dict)  # the archive's own (``_extension``)


def _local(element: etree._Element) -> str:
    """An element's name without its namespace; "" for a processing instruction."""
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _is_extension(node: etree._Element) -> bool:
    return isinstance(node, etree._ProcessingInstruction) and node.target == EXTENSION


def _text(element: etree._Element | None) -> str:
    return "".join(element.itertext()).strip() if element is not None else ""


def _terms(text: str) -> list[str]:
    return [t.strip() for t in text.split(";") if t.strip()]


MB = 1024 * 1024
MAX_OHMS_BYTES = 20 * MB  # an OHMS export of one long interview is far smaller


class OhmsFileError(ValueError):
    """An OHMS file that cannot be read: too large, not well-formed XML, or holding what XML cannot carry."""

    def __init__(self, path: Path, message: str, line: int | None = None):
        self.path, self.message, self.line = path, message, line
        super().__init__(f"{printable(path)}:{line}: {message}" if line else f"{printable(path)}: {message}")


def _ohms_parser() -> etree.XMLParser:
    """lxml within bounds: no entities expanded, no DTD or network fetched, libxml2's default
    limits on depth and on the size of one text kept (``huge_tree=False``)."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                           remove_comments=True)


def _parse_ohms(path: Path) -> etree._Element:
    """The root element of an OHMS file; every refusal is an ``OhmsFileError`` naming the file
    and the line. The size is checked before a byte is read."""
    size = path.stat().st_size
    if size > MAX_OHMS_BYTES:
        raise OhmsFileError(path, f"the file is {size / MB:.1f} MB, more than the limit of "
                                  f"{MAX_OHMS_BYTES // MB} MB for an OHMS file; it was not read")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = None  # another declared encoding: lxml decodes it, and refuses what XML cannot carry
    if text is not None:
        unsafe = first_unsafe_character(text)
        if unsafe is not None:
            raise OhmsFileError(path, unsafe_character_message(unsafe), unsafe.line)
    try:
        return etree.fromstring(raw, _ohms_parser())
    except etree.XMLSyntaxError as error:
        reason = " ".join((error.msg or str(error) or "not well-formed").split())
        raise OhmsFileError(path, f"not well-formed XML ({reason})",
                            error.lineno or None) from None


def read_ohms(xml_path: str | Path) -> list[OhmsRecord]:
    """The records of an OHMS XML file (5.x or 6.0), parsed by lxml without entities or network,
    within bounds (``MAX_OHMS_BYTES``, and libxml2's limits on depth and on one text's size)."""
    path = Path(xml_path)
    root = _parse_ohms(path)
    records = [root] if _local(root) == "record" else [e for e in root if _local(e) == "record"]
    return [_read_record(record, path) for record in records]


_LISTED = ("interviewee", "interviewer", "subject", "keyword", "format")
_TRANSCRIPTS = ("transcript", "transcript_alt", "vtt_transcript", "vtt_transcript_alt")


def _read_record(record: etree._Element, path: Path) -> OhmsRecord:
    fields: dict[str, str] = {}
    lists: dict[str, list[str]] = {}
    points: list[IndexPoint] = []
    extension: dict[str, Any] = {}
    for child in record:
        name = _local(child)
        if _is_extension(child):
            extension.update(_read_extension(child, path))
        elif name == "index":
            for point in (p for p in child if _local(p) == "point"):
                points.append(_read_point(point, len(points) + 1, path))
        elif name in _LISTED:
            if _text(child):
                lists.setdefault(name, []).append(_text(child))
        elif name == "date":
            if child.get("value"):
                fields["date"] = child.get("value", "").strip()
        elif name == "mediafile":
            for sub in child:
                if _local(sub) and _text(sub):
                    fields[f"mediafile_{_local(sub)}"] = _text(sub)
        elif name in _TRANSCRIPTS:
            if child.text and child.text.strip():
                fields[name] = child.text  # transcripts keep their lines
        elif name and _text(child):  # another application's processing instruction is passed over
            fields[name] = _text(child)
    return OhmsRecord(path, record.get("id", ""), record.get("dt"), fields.pop("version", ""), fields, lists, points,
                      extension)


def _read_point(point: etree._Element, number: int, path: Path) -> IndexPoint:
    values: dict[str, str] = {}
    links: list[tuple[str, str]] = []
    places: list[str] = []
    gps: dict[str, str] | None = None
    structured_links: list[dict[str, str]] = []
    extension: dict[str, Any] = {}
    for part in point:
        part_name = _local(part)
        if _is_extension(part):
            extension.update(_read_extension(part, path))
        elif part_name == "hyperlinks":
            sub = {_local(s): _text(s) for s in part}
            if sub.get("hyperlink") or sub.get("hyperlink_text"):
                links.append((sub.get("hyperlink", ""), sub.get("hyperlink_text", "")))
            if sub.get("hyperlink"):
                structured_links.append(sub)
        elif part_name == "gpspoints":
            sub = {_local(s): _text(s) for s in part}
            if gps is None and sub.get("gps"):
                gps = sub
            place = ", ".join(v for v in (sub.get("gps_text"), sub.get("gps")) if v)
            if place:
                places.append(place)
        elif part_name and _text(part):
            values[part_name] = _text(part)
    time_text = values.pop("time", "0")
    try:
        seconds = re.fullmatch(r"\d+(\.\d+)?", time_text)
        time = float(time_text) if seconds else parse_timecode(time_text)
    except BadTimecode:
        raise OhmsFileError(path, f"index point {number}: time {time_text!r} is neither "
                                  "seconds nor a timecode") from None
    exact = extension.get("start")
    if isinstance(exact, (int, float)) and math.floor(exact) == math.floor(time):
        time = float(exact)  # the start between whole seconds, where it agrees with ``time``
    return IndexPoint(number, time, values, links, places, gps, structured_links, extension)


def _language(value: str | None, default: str) -> str:
    if not value:
        return default
    value = value.strip().lower()
    if re.fullmatch(r"[a-z]{2,3}", value):
        return value
    return LANGUAGE_CODES.get(value.split(",")[0].split(";")[0].strip(), default)


def _sentence(label: str, value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    return f"{label}: {value}" + ("" if value.endswith((".", "!", "?", "…")) else ".")


def _point_segment(point: IndexPoint, lang: str, alt_lang: str | None) -> Segment:
    f = point.fields
    main_field = next((k for k in ("partial_transcript", "synopsis", "title") if f.get(k)), None)
    alt_field = next((k for k in ("partial_transcript_alt", "synopsis_alt", "title_alt") if f.get(k)), None)
    keywords = _terms(f.get("keywords", ""))
    subjects = _terms(f.get("subjects", ""))
    keywords_alt = _terms(f.get("keywords_alt", ""))
    subjects_alt = _terms(f.get("subjects_alt", ""))
    text: dict[str, str] = {}
    if main_field:
        text[lang] = f[main_field]
    elif keywords or subjects:
        text[lang] = "; ".join(keywords + subjects)
        main_field = "keywords"
    else:
        text[lang] = f"[OHMS index point {point.number}: no title, transcript or synopsis]"
    if alt_lang and alt_field and alt_lang != lang:
        text[alt_lang] = f[alt_field]
    label = {"partial_transcript": "partial transcript", "synopsis": "synopsis", "title": "title",
             "keywords": "keywords"}.get(main_field or "", "none")
    context = [f"OHMS index point {point.number} (text: its {label})."]
    context += [s for s in (
        _sentence("Title", f.get("title")) if main_field != "title" else None,
        _sentence("Title (alt)", f.get("title_alt")),
        _sentence("Synopsis", f.get("synopsis")) if main_field != "synopsis" else None,
        _sentence("Synopsis (alt)", f.get("synopsis_alt")),
        _sentence("Keywords", "; ".join(keywords)),
        _sentence("Keywords (alt)", "; ".join(keywords_alt)),
        _sentence("Subjects", "; ".join(subjects)),
        _sentence("Subjects (alt)", "; ".join(subjects_alt)),
        _sentence("Links", "; ".join(f"{t} <{u}>" if t and u else (u or t) for u, t in point.hyperlinks)),
        _sentence("Places", "; ".join(point.places)),
    ) if s]
    return Segment(
        text=text,
        original_language=lang,
        published_translations=[alt_lang] if alt_lang and alt_lang in text and alt_lang != lang else [],
        timecode_in=point.time,
        terms=keywords + subjects + keywords_alt + subjects_alt,
        context=" ".join(context),
        locator=f"index point {point.number}, {format_timecode(point.time)}",
        suffix=f"{point.number:03d}",
    )


def _person_name(record: OhmsRecord) -> tuple[str, bool]:
    names = record.lists.get("interviewee", [])
    if names:
        return "; ".join(names), len(names) > 1
    match = _INTERVIEW_TITLE.match(record.fields.get("title", ""))
    if match:
        return match["name"], False
    return record.fields.get("title") or f"OHMS record {record.record_id}", False


def _transcript_segments(record: OhmsRecord, lang: str, alt_lang: str | None) -> list[Segment]:
    """The cues of the record's WebVTT transcripts (main and alt), each a segment."""
    segments = []
    for key, cue_lang in (("vtt_transcript", lang), ("vtt_transcript_alt", alt_lang)):
        if not (record.fields.get(key) and cue_lang):
            continue
        cues = parse_vtt(record.fields[key], f"{record.file.name} ({key})", zero_end_is_unknown=True)
        for segment in cue_segments(cues, file_name=f"the {key} of {record.file.name}", language=cue_lang,
                                    original_language=lang,
                                    suffix_prefix="t" if key == "vtt_transcript" else "ta"):
            segment.locator = f"{key}, {segment.locator}"
            segments.append(segment)
    return segments


def _duration(value: str | None) -> str | None:
    """A positive duration as a timecode; anything else is left out."""
    try:
        seconds = parse_timecode(value) if value else 0
    except BadTimecode:
        return None
    return format_timecode(seconds) if seconds > 0 else None


def _date(value: str | None) -> str | None:
    """A date the collection format can hold; anything else is left out (the notes keep it)."""
    try:
        return value if value and dates.parse_period(value) else None
    except dates.BadDate:
        return None


def _source_notes(record: OhmsRecord) -> str:
    f = record.fields
    notes = [f"OHMS {record.version or '(version not given)'} export, record {record.record_id}"
             + (f" of {record.dt}" if record.dt else "")
             + f"; a copy is kept as sources/{record.file.name}."]
    if f.get("date_nonpreferred_format"):
        notes.append(f"Interview date as given: {f['date_nonpreferred_format']}.")
    if record.lists.get("subject") or record.lists.get("keyword"):
        notes.append(f"Record subjects: {'; '.join(record.lists.get('subject', [])) or '(none)'}; "
                     f"keywords: {'; '.join(record.lists.get('keyword', [])) or '(none)'}.")
    transcript = f.get("transcript", "").strip()
    if transcript and transcript.lower() not in ("no transcript.", "no transcript"):
        notes.append("Its plain transcript (synchronised by OHMS's sync field) is not imported.")
    return " ".join(notes)


def _without_empty(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def record_import(record: OhmsRecord, *, person_id: str | None = None, language: str = "en") -> RecordingImport:
    """One OHMS record as an import of the collection format (see the module's docstring)."""
    f = record.fields
    lang = _language(f.get("language"), language)
    alt_lang = _language(f.get("transcript_alt_lang"), "") or None
    name, group = _person_name(record)
    accession = f.get("accession")
    source_id = slugify(f"ohms-{accession or record.record_id}", "ohms")
    title = f.get("title") or f"OHMS record {record.record_id}"
    interview = {
        "id": slugify(accession, "") or slugify(f"ohms-{record.record_id}", "ohms"),
        "date": _date(f.get("date")),
        "interviewer": "; ".join(record.lists.get("interviewer", [])) or None,
        "language": lang,
        "media": f.get("media_url") or f.get("file_name"),
        "duration": _duration(f.get("duration")),
        "source": source_id,
        "locator": f"OHMS record {record.record_id}",
    }
    source = {"id": source_id, "title": title, "publisher": f.get("repository"), "kind": "archive record",
              "url": f.get("collection_link") or None, "locator": accession, "language": lang,
              "notes": _source_notes(record)}
    where = ", ".join(v for v in (f.get("repository"), accession) if v)
    portrait_text = f.get("description") or (
        f"Interviewee of the oral history “{title}”" + (f" ({where})" if where else "")
        + ", imported from OHMS; no portrait has been written yet.")
    return RecordingImport(
        person_id=person_id or slugify(name, f"ohms-{record.record_id}"),
        person=NewPerson(
            name=name,
            group=group,
            portrait={lang: portrait_text},
            stance_rationale=(f"OHMS carries no stance: imported from the OHMS export {record.file.name} "
                              f"(“{title}”), which has no field for a view of Stalin; not coded, never inferred."),
        ),
        interview=_without_empty(interview),
        source=_without_empty(source),
        segments=[_point_segment(p, lang, alt_lang) for p in record.points]
        + _transcript_segments(record, lang, alt_lang),
        source_file=record.file,
    )


def ohms_to_collection(xml_path: str | Path, out_dir: str | Path, *, person_id: str | None = None,
                       language: str = "en", vocabulary_file: str | Path | None = None) -> ImportResult:
    """Import an OHMS export into the collection at ``out_dir``, or create one there.

    ``language`` is the interview's language when the export does not say (the ISO code
    of the index texts); ``person_id`` overrides the id made from the interviewee's name;
    ``vocabulary_file`` is the vocabulary of a new collection (default: the terms the
    archive requires and one placeholder theme). Raises ``InvalidCollection`` (and
    restores the folder) when the result would not pass ``archive check``."""
    records = read_ohms(xml_path)
    if not records:
        raise OhmsFileError(Path(xml_path), "no OHMS record in this file")
    imports = [record_import(r, person_id=person_id, language=language) for r in records]
    first = records[0].fields
    collection_name = first.get("collection_name") or first.get("repository") or "OHMS import"
    new = NewCollection(
        id=slugify(collection_name, "ohms-import"),
        title=collection_name,
        languages=[seg.original_language for imp in imports for seg in imp.segments[:1]] or [language],
    )
    return write_imports(out_dir, imports, new_collection=new, vocabulary_file=vocabulary_file)


# --- an interview's own index points and transcript -------------------------------------------
#
# An interview with index points and a transcript (the collection format's ``index_points`` and
# ``transcript``) goes to OHMS field for field, and an OHMS record comes back as such an
# interview: title, synopsis, partial transcript, keywords, GPS (point, zoom, place) and
# hyperlinks with their text keep their OHMS fields, the main language in the main field and a
# second one in ``_alt``.


def _terms_of(words: list[str]) -> str | None:
    """Keywords or subjects as OHMS writes them: separated by ";" alone."""
    return ";".join(words) if words else None


def _coordinate(degrees: float) -> str:
    """A latitude or longitude with every digit it has (the shortest text that reads back as the
    same number), a whole number without ``.0``."""
    text = repr(float(degrees))
    return text[:-2] if text.endswith(".0") else text


def _structured_point(point: Any, lang: str, alt: str | None) -> etree._Element:
    """An ``IndexPointView`` (``archive.catalogue.interviews``) as an OHMS ``point``: its ``time`` in
    whole seconds (``xs:int``), rounded down so that a player lands at or before it; a start between
    whole seconds also goes in the point's extension (``_extension``)."""
    def pair(texts: dict[str, str]) -> tuple[str | None, str | None]:
        return texts.get(lang) or None, (texts.get(alt) or None) if alt else None

    title, title_alt = pair(point.title)
    synopsis, synopsis_alt = pair(point.synopsis)
    partial, partial_alt = pair(point.partial_transcript)
    place, place_alt = pair(point.place)
    gps = None
    if point.latitude is not None:
        gps = _element("gpspoints", {"gps": f"{_coordinate(point.latitude)}, {_coordinate(point.longitude)}",
                                     "gps_zoom": str(point.zoom if point.zoom is not None else ""),
                                     "gps_text": place, "gps_text_alt": place_alt},
                       ("gps", "gps_zoom", "gps_text", "gps_text_alt"))
    links = [_element("hyperlinks", {"hyperlink": link["url"], "hyperlink_text": (link.get("text") or {}).get(lang),
                                     "hyperlink_text_alt": (link.get("text") or {}).get(alt) if alt else None},
                      ("hyperlink", "hyperlink_text", "hyperlink_text_alt"))
             for link in point.hyperlinks]
    element = _element("point", {
        "time": str(math.floor(point.start)),
        "title": title or "", "title_alt": title_alt,
        "partial_transcript": partial, "partial_transcript_alt": partial_alt,
        "synopsis": synopsis, "synopsis_alt": synopsis_alt,
        "keywords": _terms_of(point.keywords.get(lang, [])),
        "keywords_alt": _terms_of(point.keywords.get(alt, [])) if alt else None,
        "subjects": _terms_of(point.subjects), "gpspoints": gps, "hyperlinks": links,
    }, POINT_ORDER)
    extension = _extension({"start": point.start if point.start != math.floor(point.start) else None})
    if extension is not None:
        element.insert(0, extension)
    return element


def interview_to_ohms(archive: Archive, person_id: str, interview_id: str, viewer: Viewer, base_url: str,
                      lang: str | None = None, alt: str | None = None) -> bytes:
    """OHMS XML 6.0 of one interview from its own index points and transcript, as ``viewer``
    may see it (withheld recordings and segments left out); ``lang`` goes in the main fields
    and ``alt`` in the ``_alt`` ones; without ``lang``, the interview's languages (as in a
    person's export). ``catalogue.NotFound`` when it is not visible."""
    from archive.catalogue.interviews import interview_page

    page = interview_page(archive.engine, viewer, person_id, interview_id)
    if lang is None:
        lang, alt = _interview_languages(page)
    return _root([_interview_record(archive, page, viewer, base_url, lang, alt)])


def _interview_languages(page: Any) -> tuple[str, str | None]:
    """The languages of an interview's main and ``_alt`` fields in a person's export: the interview's
    language (else Russian), and a second one its transcript or index points are written in."""
    found = list(dict.fromkeys([*page.languages, *(lang for x in page.index_points for lang in x.title)]))
    lang = page.language or (MAIN_LANG if MAIN_LANG in found or not found else found[0])
    return lang, next((other for other in found if other != lang), None)


def _interview_record(archive: Archive, page: Any, viewer: Viewer, base_url: str, lang: str,
                      alt: str | None) -> etree._Element:
    """An ``InterviewPage`` (``archive.catalogue.interviews``) as an OHMS record, with what OHMS
    has no field for in the record's extension (``_record_extension``)."""
    from archive.interchange.subtitles import segment_cues

    recording = page.recordings[0] if page.recordings else None
    online = recording is not None and recording.url is not None
    full_day = bool(page.date and re.fullmatch(r"\d{4}-\d{2}-\d{2}", page.date))
    title = page.title.get(lang) or next(iter(page.title.values()), None) or f"{page.person_name}: {page.local_id}"

    interviewer = [page.interviewer] if page.interviewer else []
    roles = _name_roles({"interviewee": [page.person_name], "interviewer": interviewer})

    def vtt(language: str) -> etree.CDATA | None:
        cues = segment_cues(page.segments, language)
        if not cues:
            return None
        for cue, segment in zip(cues, [s for s in page.segments if s.text.get(language)], strict=True):
            cue.identifier = _cue_identifier(segment.position, segment.original_language)
            # OHMS names interviewers and interviewees only: a role the names cannot give back
            # (an interpreter) is a class of the cue's voice, <v.interpreter Name>
            if _role(segment.speaker_name, roles) != segment.speaker_role:
                cue.voice_classes = (segment.speaker_role,)
        return etree.CDATA(cues_to_vtt(cues))

    duration = recording.duration if recording and recording.duration else page.duration
    catalogue = page.catalogue
    collection, series = catalogue.get("collection") or {}, catalogue.get("series") or {}
    record = etree.Element(f"{{{OHMS_NS}}}record", id=str(_stable_int(page.id)), dt=viewer.today.isoformat())
    _ordered(record, {
        "version": "6.0",
        "date": {"value": page.date if full_day else "", "format": "yyyy-mm-dd"},
        "date_nonpreferred_format": page.date if page.date and not full_day else None,
        "cms_record_id": page.id,  # person/interview: an import gives the interview its id back
        "title": title,
        "accession": catalogue.get("accession"),
        "duration": format_timecode(duration) if duration else None,
        "collection_id": collection.get("id"), "collection_name": collection.get("name"),
        "series_id": series.get("id"), "series_name": series.get("name"),
        "funding": catalogue.get("funding"),
        "repository_url": base_url,
        "interviewee": [page.person_name],
        "interviewer": interviewer,
        "format": list(catalogue.get("format") or []),
        "file_name": catalogue.get("file_name"),
        "transcript_alt_lang": alt,
        "translate": 1 if alt else 0,
        "media_id": recording.local_id if recording else None,
        # an external recording's address, or the one this archive serves its file at
        "media_url": (recording.url if online else f"{base_url.rstrip('/')}/media/{page.person_id}/{page.local_id}/"
                      f"{recording.local_id}") if recording else None,
        "mediafile": _element("mediafile", {"host": "Other", "clip_format": "video" if recording and recording.is_video
                                            else "audio"}, ("host", "clip_format")),
        "language": page.language,
        "user_notes": catalogue.get("user_notes"),
        "index": _element("index", {"point": [_structured_point(p, lang, alt) for p in page.index_points]},
                          ("point",)),
        "type": "interview",
        "vtt_transcript": vtt(lang),
        "vtt_transcript_alt": vtt(alt) if alt else None,
        # the catalogue's statements as written; else the recording's rights statement URI and its holder
        "rights": catalogue.get("rights") or (recording.rights_uri if recording else None),
        "usage": catalogue.get("usage") or (recording.rights_holder if recording else None),
        "userestrict": 0,
        "collection_link": base_url,
    }, RECORD_ORDER)
    extension = _record_extension(archive, page, viewer, lang, title, recording, duration, record)
    if extension is not None:
        record.insert(0, extension)
    return record


# --- what OHMS has no field for ----------------------------------------------------------------
#
# OHMS's XSD has no field for an interview's place or its reference to the media, for its title
# in a second language, for an index point's start between whole seconds (``time`` is xs:int),
# for a visibility other than public, or for a recording's MIME type beyond audio/video; its
# sequences admit no element or attribute of another namespace. These travel in XML processing
# instructions, ``<?red-soul-archive {JSON}?>`` (XML's place for data meant for one application):
# the schema and OHMS pass over them, and the archive's import reads them back. One in the
# record holds the interview's fields; one in a point holds its exact start. Where OHMS has a
# coarser field for the same thing, the extension is taken only when it agrees with it (a start
# that rounds down to the point's ``time``, a title whose main language is the record's
# ``title``): a file edited in OHMS keeps what OHMS says.

EXTENSION = "red-soul-archive"


def _extension(values: dict[str, Any]) -> etree._Element | None:
    """A processing instruction holding ``values`` (keys whose value is None are left out; give a
    key to carry, whatever its value, under ``_Carry``), or None when nothing is to be carried."""
    carried = {k: (v.value if isinstance(v, _Carry) else v) for k, v in values.items() if v is not None}
    if not carried:
        return None
    # ">" only ever stands inside JSON strings, where \u003e says the same: the text cannot hold "?>"
    text = json.dumps(carried, ensure_ascii=False, sort_keys=True).replace(">", "\\u003e")
    return etree.ProcessingInstruction(EXTENSION, text)


@dataclass(frozen=True)
class _Carry:
    """A value to carry in the extension even when it is None or empty."""

    value: Any


def _read_extension(instruction: Any, path: Path) -> dict[str, Any]:
    """The JSON of a ``red-soul-archive`` processing instruction; ``OhmsFileError`` with its line when it is not
    a JSON object."""
    try:
        value = json.loads(instruction.text or "")
    except json.JSONDecodeError as error:
        raise OhmsFileError(path, f"the <?{EXTENSION}?> instruction is not JSON ({error.msg})",
                            instruction.sourceline) from None
    if not isinstance(value, dict):
        raise OhmsFileError(path, f"the <?{EXTENSION}?> instruction is not a JSON object", instruction.sourceline)
    return value


def _written(record: etree._Element) -> dict[str, str]:
    """The record's single text fields as written, and ``mediafile``'s as ``mediafile_…``."""
    written: dict[str, str] = {}
    for child in record:
        name = _local(child)
        if name == "mediafile":
            written.update({f"mediafile_{_local(sub)}": _text(sub) for sub in child})
        elif name:
            written[name] = _text(child)
    return written


def _rights_pair(rights: str | None, usage: str | None) -> tuple[str | None, str | None]:
    return rights or None, usage or None


def _record_extension(archive: Archive, page: Any, viewer: Viewer, lang: str, title: str, recording: Any,
                      duration: float | None, record: etree._Element) -> etree._Element | None:
    """The record's extension: what the record's OHMS fields cannot give back of the interview."""
    from archive.interchange.exports.collection_yaml import visibility_block

    R, S = models.Recording, models.TranscriptSegment  # noqa: N806 (table aliases)
    with archive.engine.connect() as conn:
        media = conn.scalar(select(col(models.Interview.media)).where(col(models.Interview.id) == page.id))
        recording_row = conn.execute(select(R).where(col(R.id) == recording.id)).first() if recording else None
        withheld = conn.execute(select(S).where(col(S.interview_id) == page.id, col(S.visibility) != "public")).all()
    written = _written(record)
    shown = {segment.position for segment in page.segments}
    values: dict[str, Any] = {
        "title": _Carry(page.title) if page.title != {lang: title} else None,
        "place": page.place,
        "media": media,
        "duration": _Carry(page.duration) if page.duration != duration else None,
        "segments": {str(row.position): {"visibility": visibility_block(viewer, row)} for row in withheld
                     if row.position in shown} or None,
    }
    if recording is not None:
        own = {"uri": recording.rights_uri, "holder": recording.rights_holder}
        catalogue = _rights_pair(page.catalogue.get("rights"), page.catalogue.get("usage"))
        # the import reads rights and usage as the recording's statement when they are a URI and a
        # holder and the catalogue has none, else as the catalogue's; anything else is carried
        plain = ((catalogue == (None, None) and own["uri"] is not None and own["holder"] is not None)
                 or (own["uri"] is None and own["holder"] is None
                     and not (catalogue[0] and re.fullmatch(collection_format.RIGHTS_PATTERN, catalogue[0])
                              and catalogue[1])))
        inferred = _media_type(written.get("mediafile_clip_format"), written.get("media_url"),
                               written.get("file_name"))
        values["recording"] = {k: v for k, v in {
            "mime_type": recording.mime_type if recording.mime_type != inferred else None,
            "duration": _Carry(recording.duration) if recording.duration != duration else None,
            "rights": None if plain else {"recording": {k: v for k, v in own.items() if v},
                                          "catalogue": {"rights": catalogue[0], "usage": catalogue[1]}},
            "visibility": visibility_block(viewer, recording_row) if recording_row is not None else None,
        }.items() if v is not None} or None
        if values["recording"]:
            values["recording"] = {k: (v.value if isinstance(v, _Carry) else v) for k, v in values["recording"].items()}
    return _extension(values)


def _cue_identifier(position: int, original_language: str) -> str:
    """A transcript cue's WebVTT identifier in an OHMS export: the segment and the language it was
    spoken in (``s4.ru``), so that an import knows which text is the original."""
    return f"s{position}.{original_language}"


_CUE_IDENTIFIER = re.compile(r"^s(?P<position>\d+)\.(?P<lang>[a-z]{2,3})$")


def _split(text: str | None) -> list[str]:
    return _terms(text or "")


def ohms_interview(record: OhmsRecord, interview_id: str, lang: str = "en", alt: str | None = None) -> dict[str, Any]:
    """An OHMS record's index points as the ``index_points`` of a collection-format interview
    (a dict to write as YAML), every field kept in its own place; ``lang`` is the language of
    the main fields, ``alt`` of the ``_alt`` ones. A point without a title is refused: the
    format needs one, and none is made up."""
    points = []
    for point in record.points:
        f = point.fields

        def texts(name: str, f: dict[str, str] = f) -> dict[str, str]:
            found = {lang: f.get(name, "")}
            if alt:
                found[alt] = f.get(f"{name}_alt", "")
            return {k: v for k, v in found.items() if v}

        if not texts("title"):
            raise ValueError(f"{record.file}: index point {point.number} has no title")
        entry: dict[str, Any] = {"start": format_timecode(point.time, millis=True), "title": texts("title")}
        for name in ("synopsis", "partial_transcript"):
            if texts(name):
                entry[name] = texts(name)
        keywords = {lang: _split(f.get("keywords"))}
        if alt:
            keywords[alt] = _split(f.get("keywords_alt"))
        if any(keywords.values()):
            entry["keywords"] = {k: v for k, v in keywords.items() if v}
        if _split(f.get("subjects")):
            entry["subjects"] = _split(f.get("subjects"))
        if point.gps:
            latitude, longitude = (float(v) for v in point.gps["gps"].split(","))
            gps: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
            if point.gps.get("gps_zoom", "").strip().isdigit():
                gps["zoom"] = int(point.gps["gps_zoom"])
            place = {lang: point.gps.get("gps_text", ""), **({alt: point.gps.get("gps_text_alt", "")} if alt else {})}
            if any(place.values()):
                gps["place"] = {k: v for k, v in place.items() if v}
            entry["gps"] = gps
        links = []
        for link in point.links:
            text = {lang: link.get("hyperlink_text", ""), **({alt: link.get("hyperlink_text_alt", "")} if alt else {})}
            links.append({"url": link["hyperlink"], "text": {k: v for k, v in text.items() if v}})
        if links:
            entry["hyperlinks"] = links
        points.append(entry)
    return {"id": interview_id, "index_points": points}


# --- an OHMS record as an interview of the collection format -----------------------------------
#
# ``archive import-ohms`` writes each record as an interview: its recording (``media_url``), its
# transcript as timed segments with their speakers, its index points field for field, and the
# record-level fields as the interview's ``catalogue``. A WebVTT transcript gives a segment per
# cue (the ``_alt`` transcript's cue with the same timings is its translation); the older plain
# transcript with a ``sync`` map gives a segment per interval of the map.

_MEDIA_TYPES = {"mp3": "audio/mpeg", "m4a": "audio/mp4", "wav": "audio/wav", "ogg": "audio/ogg", "oga": "audio/ogg",
                "flac": "audio/flac", "opus": "audio/ogg", "mp4": "video/mp4", "m4v": "video/mp4", "webm": "video/webm",
                "mov": "video/quicktime"}
_SPEAKER_LABEL = re.compile(r"^\s*(?P<name>[A-ZА-ЯЁ][A-ZА-ЯЁ .'’-]{1,60}):\s+")
_SYNC_STAMP = re.compile(r"^(?P<line>\d+)\((?P<word>\d+)\)$")
UNNAMED_SPEAKER = "Unnamed speaker"


def _media_type(clip_format: str | None, *names: str | None) -> str:
    """The MIME type of a recording from the extension of its address or file name; OHMS names only
    audio or video, so an unknown extension is taken as MPEG audio, or MP4 video."""
    for name in names:
        last = (name or "").split("?")[0].rsplit("/", 1)[-1]
        if "." in last and last.rsplit(".", 1)[-1].lower() in _MEDIA_TYPES:
            return _MEDIA_TYPES[last.rsplit(".", 1)[-1].lower()]
    return "video/mp4" if clip_format == "video" else "audio/mpeg"


def _speaker_roles(record: OhmsRecord) -> dict[str, str]:
    return _name_roles(record.lists)


def _name_roles(lists: dict[str, list[str]]) -> dict[str, str]:
    """Each name a record gives (and its last word, in capitals, as transcripts label speakers)
    with its role; OHMS knows interviewers and interviewees only."""
    roles: dict[str, str] = {}
    for role in ("interviewee", "interviewer"):
        for name in lists.get(role, []):
            for part in [p.strip() for p in name.split(";") if p.strip()]:
                roles[part.casefold()] = role
                roles.setdefault(_surname(part), role)
    return roles


def _surname(name: str) -> str:
    """The last word of a name, without a note in brackets after it: "Sam Smith (synthetic)" → "smith"."""
    words = re.sub(r"\s*\([^)]*\)\s*$", "", name).split()
    return words[-1].casefold() if words else name.casefold()


def _role(name: str, roles: dict[str, str]) -> str:
    return roles.get(name.casefold()) or roles.get(_surname(name), "other")


def _vtt_segments(record: OhmsRecord, lang: str, alt: str | None, roles: dict[str, str]) -> list[dict[str, Any]]:
    """The WebVTT transcripts as segments: a cue of the main transcript with the cue of the ``_alt``
    one that has its timings; the cue's identifier (``s4.ru``) says which language was spoken, a
    role class of its voice (``<v.interpreter Name>``) the speaker's role, and the record's
    extension the visibility of a withheld segment (by the position in the identifier)."""
    carried_segments = record.extension.get("segments")
    withheld: dict[str, Any] = carried_segments if isinstance(carried_segments, dict) else {}
    tracks: dict[str, list[Any]] = {}
    for field_name, language in (("vtt_transcript", lang), ("vtt_transcript_alt", alt)):
        if record.fields.get(field_name) and language:
            tracks[language] = parse_vtt(record.fields[field_name], f"{record.file.name} ({field_name})",
                                         zero_end_is_unknown=True)
    by_time: dict[tuple[float, float], dict[str, Any]] = {}
    for language, cues in tracks.items():
        for cue in cues:
            end = cue.end if cue.end is not None else cue.start
            key = (round(cue.start, 3), round(end, 3))
            entry = by_time.setdefault(key, {"texts": {}, "speaker": None, "original": None, "role": None,
                                             "position": None})
            entry["texts"][language] = cue.text
            entry["speaker"] = entry["speaker"] or cue.speaker
            entry["role"] = entry["role"] or next((c for c in cue.voice_classes
                                                   if c in collection_format.SPEAKER_ROLES), None)
            found = _CUE_IDENTIFIER.match(cue.identifier or "")
            entry["original"] = entry["original"] or (found["lang"] if found else None)
            entry["position"] = entry["position"] or (found["position"] if found else None)
    segments = []
    for (start, end), entry in sorted(by_time.items()):
        texts = {k: v for k, v in entry["texts"].items() if v}
        if not texts:
            continue
        original = entry["original"] if entry["original"] in texts else (lang if lang in texts else next(iter(texts)))
        name = entry["speaker"] or UNNAMED_SPEAKER
        role = entry["role"] or (_role(name, roles) if entry["speaker"] else "other")
        segment = {"start": format_timecode(start, millis=True), "end": format_timecode(end, millis=True),
                   "speaker": {"name": name, "role": role}, "original_language": original, "text": texts}
        carried = withheld.get(entry["position"]) if entry["position"] else None
        if isinstance(carried, dict) and carried.get("visibility"):
            segment["visibility"] = carried["visibility"]
        segments.append(segment)
    return segments


def _sync_points(sync: str, path: Path) -> list[tuple[float, int, int]]:
    """OHMS's ``sync`` map, ``1:|13(3)|19(14)``: every interval (here one minute) of the recording
    ends at a line of the plain transcript (counted from 1) and a word of it (counted from 1).
    Returns (seconds, line, word) of each mark; ``OhmsFileError`` for a map that cannot be read."""
    minutes, _, stamps = sync.strip().partition(":")
    if not minutes.strip().isdigit() or int(minutes) < 1:
        raise OhmsFileError(path, f"the sync map {sync[:40]!r} does not start with its interval in minutes (e.g. 1:)")
    marks = []
    for index, stamp in enumerate(stamps.split("|")):
        if not stamp.strip():
            continue
        found = _SYNC_STAMP.match(stamp.strip())
        if found is None:
            raise OhmsFileError(path, f"the sync map's mark {stamp.strip()[:40]!r} is not line(word)")
        marks.append((index * int(minutes) * 60.0, int(found["line"]), int(found["word"])))
    return marks


def _sync_segments(record: OhmsRecord, text_field: str, sync_field: str, language: str,
                   roles: dict[str, str]) -> list[dict[str, Any]]:
    """The plain transcript cut at the sync map's marks: a segment per interval, spoken by the
    speaker whose label (``NAME:``) last came before it."""
    transcript = record.fields.get(text_field, "")
    if not transcript.strip() or not record.fields.get(sync_field):
        return []
    lines = transcript.split("\n")
    marks = _sync_points(record.fields[sync_field], record.file)
    # the transcript as words, each with its line (from 1) and its place on the line (from 1)
    words: list[tuple[int, int, str]] = []
    for number, line in enumerate(lines, start=1):
        for place, word in enumerate(line.split(), start=1):
            words.append((number, place, word))
    at_word = {(line, place): n for n, (line, place, _) in enumerate(words)}
    cuts = [(0.0, 0)] + [(seconds, at_word[(line, word)]) for seconds, line, word in marks if (line, word) in at_word]
    duration = _duration_seconds(record.fields.get("duration"))
    segments = []
    speaker: str | None = None
    for n, (start, first) in enumerate(cuts):
        last = cuts[n + 1][1] if n + 1 < len(cuts) else len(words)
        end = cuts[n + 1][0] if n + 1 < len(cuts) else max(start, duration or start)
        chunk_lines: list[list[str]] = []
        previous_line = None
        for line_number, _, word in words[first:last]:
            if line_number != previous_line:
                chunk_lines.append([])
                previous_line = line_number
            chunk_lines[-1].append(word)
        text = "\n".join(" ".join(line) for line in chunk_lines).strip()
        opening = _SPEAKER_LABEL.match(text)
        first_speaker = opening["name"].strip() if opening else speaker
        for line_words in chunk_lines:
            label = _SPEAKER_LABEL.match(" ".join(line_words) + " ")
            if label:
                speaker = label["name"].strip()
        if not text:
            continue
        name = first_speaker or UNNAMED_SPEAKER
        segments.append({"start": format_timecode(start, millis=True), "end": format_timecode(end, millis=True),
                         "speaker": {"name": name, "role": _role(name, roles) if first_speaker else "other"},
                         "original_language": language, "text": {language: text}})
    return segments


def _duration_seconds(value: str | None) -> float | None:
    try:
        seconds = parse_timecode(value) if value else 0.0
    except BadTimecode:
        return None
    return seconds if seconds > 0 else None


def _group(identifier: str | None, name: str | None) -> dict[str, str] | None:
    group = {k: v for k, v in (("id", identifier), ("name", name)) if v}
    return group or None


def _catalogue(record: OhmsRecord, recording: dict[str, Any] | None) -> dict[str, Any]:
    """The record-level fields the holding archive catalogued, as the interview's ``catalogue``; a
    rights statement that is a rightsstatements.org or Creative Commons URI goes to the recording."""
    f = record.fields
    catalogue: dict[str, Any] = {
        "accession": f.get("accession"), "collection": _group(f.get("collection_id"), f.get("collection_name")),
        "series": _group(f.get("series_id"), f.get("series_name")), "funding": f.get("funding"),
        "rights": f.get("rights"), "usage": f.get("usage"), "user_notes": f.get("user_notes"),
        "format": record.lists.get("format") or None, "file_name": f.get("file_name"),
    }
    rights = f.get("rights", "")
    if recording is not None and rights and re.fullmatch(collection_format.RIGHTS_PATTERN, rights) and f.get("usage"):
        recording["rights"] = {"uri": rights, "holder": f["usage"]}
        catalogue["rights"] = catalogue["usage"] = None
    return {k: v for k, v in catalogue.items() if v}


def _interview_id(record: OhmsRecord, given: str | None) -> str:
    """The interview's id: the one given, else the interview part of a record id this archive
    exported (``cms_record_id`` person/interview), else the accession, else the OHMS record id."""
    if given:
        return given
    exported = record.fields.get("cms_record_id", "")
    if re.fullmatch(r"[a-z0-9-]+/[a-z0-9-]+", exported):
        return exported.split("/", 1)[1]
    return slugify(record.fields.get("accession"), "") or slugify(f"ohms-{record.record_id}", "ohms")


def interview_import(record: OhmsRecord, *, person_id: str | None = None, interview_id: str | None = None,
                     language: str = "en") -> RecordingImport:
    """One OHMS record as an interview of the collection format (the module's last part says how)."""
    base = record_import(record, person_id=person_id, language=language)
    f = record.fields
    lang = _language(f.get("language"), language)
    alt = _language(f.get("transcript_alt_lang"), "") or None
    alt = alt if alt != lang else None
    roles = _speaker_roles(record)
    duration = _duration(f.get("duration"))
    recording: dict[str, Any] | None = None
    if f.get("media_url"):
        recording = _without_empty({"id": slugify(f.get("media_id"), "") or "recording-1", "url": f["media_url"],
                                    "mime_type": _media_type(f.get("mediafile_clip_format"), f["media_url"],
                                                             f.get("file_name")),
                                    "duration": duration})
    catalogue = _catalogue(record, recording)
    carried = record.extension
    if recording is not None:
        _carried_recording(recording, carried.get("recording"), f.get("mediafile_clip_format"), catalogue)
    segments = _vtt_segments(record, lang, alt, roles)
    if not segments:  # the older form: a plain transcript and its sync map, per language
        segments = _sync_segments(record, "transcript", "sync", lang, roles)
        if alt:
            translated = {s["start"]: s for s in _sync_segments(record, "transcript_alt", "sync_alt", alt, roles)}
            for segment in segments:
                if segment["start"] in translated:
                    segment["text"][alt] = translated[segment["start"]]["text"][alt]
    try:
        points = ohms_interview(record, "", lang, alt)["index_points"]
    except ValueError as error:
        raise OhmsFileError(record.file, str(error).split(": ", 1)[-1] + "; the collection format needs one") from None
    title = f.get("title")
    titles = carried.get("title")
    if isinstance(titles, dict) and (not titles or title in titles.values()):
        title_texts: dict[str, str] | None = titles or None  # every language, where the record's title is one
    else:
        title_texts = {lang: title} if title else None
    interview = {
        "id": _interview_id(record, interview_id),
        "title": title_texts,
        "date": _date(f.get("date")) or _date(f.get("date_nonpreferred_format")),
        "interviewer": base.interview.get("interviewer"),
        "language": _language(f.get("language"), language) if f.get("language") else None,
        "place": carried.get("place"),
        "media": carried.get("media"),
        "duration": _timecode_or_none(carried["duration"]) if "duration" in carried else duration,
        "source": base.interview["source"],
        "locator": base.interview["locator"],
        "recordings": [recording] if recording else None,
        "transcript": {"segments": segments} if segments else None,
        "index_points": points or None,
        "catalogue": catalogue or None,
    }
    base.interview = _without_empty(interview)
    base.segments = []
    return base


def _timecode_or_none(seconds: Any) -> str | None:
    return format_timecode(seconds) if isinstance(seconds, (int, float)) else None


def _carried_recording(recording: dict[str, Any], carried: Any, clip_format: str | None,
                       catalogue: dict[str, Any]) -> None:
    """The recording's fields from the record's extension: a MIME type of the kind ``mediafile``
    names, its own duration, its rights statement beside the catalogue's, its visibility."""
    if not isinstance(carried, dict):
        return
    mime_type = carried.get("mime_type")
    if isinstance(mime_type, str) and (not clip_format or mime_type.startswith(f"{clip_format}/")):
        recording["mime_type"] = mime_type
    if "duration" in carried:
        recording["duration"] = _timecode_or_none(carried["duration"])
        if recording["duration"] is None:
            del recording["duration"]
    rights = carried.get("rights")
    if isinstance(rights, dict):
        recording.pop("rights", None)
        if rights.get("recording"):
            recording["rights"] = rights["recording"]
        for key in ("rights", "usage"):
            catalogue.pop(key, None)
            if (rights.get("catalogue") or {}).get(key):
                catalogue[key] = rights["catalogue"][key]
    if carried.get("visibility"):
        recording["visibility"] = carried["visibility"]


@dataclass
class InterviewsImported:
    """What ``ohms_interviews_to_collection`` wrote."""

    root: Path
    created_collection: bool
    person_files: list[Path]
    interviews: int
    segments: int
    index_points: int


def ohms_interviews_to_collection(xml_path: str | Path, out_dir: str | Path, *, person_id: str | None = None,
                                  interview_id: str | None = None, language: str = "en",
                                  vocabulary_file: str | Path | None = None) -> InterviewsImported:
    """Import an OHMS export into the collection at ``out_dir`` (created when it has none) as
    interviews: recording, transcript segments with their speakers, index points and the record's
    catalogue fields. Otherwise as ``ohms_to_collection``; ``interview_id`` names the interview of
    a file of one record."""
    records = read_ohms(xml_path)
    if not records:
        raise OhmsFileError(Path(xml_path), "no OHMS record in this file")
    if interview_id and len(records) > 1:
        raise OhmsFileError(Path(xml_path), f"the file has {len(records)} records; an interview id names one")
    imports = [interview_import(r, person_id=person_id, interview_id=interview_id, language=language)
               for r in records]
    first = records[0].fields
    collection_name = first.get("collection_name") or first.get("repository") or "OHMS import"
    new = NewCollection(id=slugify(collection_name, "ohms-import"), title=collection_name,
                        languages=[imp.interview.get("language") or language for imp in imports])
    result = write_imports(out_dir, imports, new_collection=new, vocabulary_file=vocabulary_file)
    return InterviewsImported(
        result.root, result.created_collection, result.person_files, len(imports),
        sum(len((imp.interview.get("transcript") or {}).get("segments", [])) for imp in imports),
        sum(len(imp.interview.get("index_points") or []) for imp in imports))
