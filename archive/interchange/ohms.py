"""OHMS XML: export a person's interviews for the Oral History Metadata Synchronizer, and
import OHMS exports into the collection format.

Export (``person_to_ohms``) writes OHMS XML 6.0, one ``record`` per
recording: each interview of the person, and the film when their quotes are timecoded in
it (a person with neither gets one record for their appearance in the collection). The
record's elements follow the order of the OHMS XSD's sequence. Index points are the
person's visible timecoded quotes of that recording, read through the one export path
(``iter_quotes``): Russian in the main fields and English in the ``_alt`` fields where
both exist, a single-language text in the main field; theme labels as keywords; the
quote's permalink as a hyperlink. The segments also go in as a WebVTT transcript
(``vtt_transcript``, and ``vtt_transcript_alt`` in English). Stance is not exported.

Import (``ohms_to_collection``) reads OHMS 5.4 and 6.0 exports: every index point becomes
a timecoded quote (its text from the partial transcript, else the synopsis, else the
title; the title, synopsis, keywords, subjects, links and places kept word for word in
``context``; keywords and subjects that name a theme of the vocabulary become themes),
and so does every cue of a WebVTT transcript. The interviewee gets a person file with
stance ``not-stated`` and basis ``none``: OHMS carries no stance, and none is guessed. The
OHMS file becomes a source, and a copy of it is kept in ``sources/``.
"""

from __future__ import annotations

import math
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lxml import etree

from archive.access.visibility import Viewer
from archive.catalogue import pages as catalogue
from archive.catalogue.result_sets import QuoteRecord, ResultSet, iter_quotes
from archive.collection import dates
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
    detail = catalogue.person(archive.engine, viewer, person_id)
    collection = catalogue.collection_info(archive.engine)
    vocabulary = catalogue.vocabulary(archive.engine)
    return _root([_record(r, detail, collection, vocabulary, viewer, base_url)
                  for r in _recordings(archive, person_id, viewer, detail, collection)])


# --- import ------------------------------------------------------------------------------------


@dataclass
class IndexPoint:
    number: int
    time: float
    fields: dict[str, str]  # title, title_alt, partial_transcript, …, as given
    hyperlinks: list[tuple[str, str]]  # (url, text)
    places: list[str]


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


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


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
    for child in record:
        name = _local(child)
        if name == "index":
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
                if _text(sub):
                    fields[f"mediafile_{_local(sub)}"] = _text(sub)
        elif name in _TRANSCRIPTS:
            if child.text and child.text.strip():
                fields[name] = child.text  # transcripts keep their lines
        elif _text(child):
            fields[name] = _text(child)
    return OhmsRecord(path, record.get("id", ""), record.get("dt"), fields.pop("version", ""), fields, lists, points)


def _read_point(point: etree._Element, number: int, path: Path) -> IndexPoint:
    values: dict[str, str] = {}
    links: list[tuple[str, str]] = []
    places: list[str] = []
    for part in point:
        part_name = _local(part)
        if part_name == "hyperlinks":
            sub = {_local(s): _text(s) for s in part}
            if sub.get("hyperlink") or sub.get("hyperlink_text"):
                links.append((sub.get("hyperlink", ""), sub.get("hyperlink_text", "")))
        elif part_name == "gpspoints":
            sub = {_local(s): _text(s) for s in part}
            place = ", ".join(v for v in (sub.get("gps_text"), sub.get("gps")) if v)
            if place:
                places.append(place)
        elif _text(part):
            values[part_name] = _text(part)
    time_text = values.pop("time", "0")
    try:
        seconds = re.fullmatch(r"\d+(\.\d+)?", time_text)
        time = float(time_text) if seconds else parse_timecode(time_text)
    except BadTimecode:
        raise OhmsFileError(path, f"index point {number}: time {time_text!r} is neither "
                                  "seconds nor a timecode") from None
    return IndexPoint(number, time, values, links, places)


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
